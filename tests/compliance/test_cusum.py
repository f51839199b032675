"""Page's CUSUM and its average run length."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.compliance.statistics import (
    alarm_probability_within,
    average_run_length,
    cusum,
    markov_chain_arl,
    siegmund_arl,
    under_reporting_scores,
)
from concord.errors import ComplianceError


def test_hand_worked_path() -> None:
    # k = 0.5, h = 2, x = 0.2, 1.5, 2.0, −3.0, 1.0, 3.0, 1.6:
    #   S1 = max(0, 0 + 0.2 − 0.5)   = 0
    #   S2 = 0 + 1.5 − 0.5           = 1.0
    #   S3 = 1.0 + 2.0 − 0.5         = 2.5  > 2 → first alarm at index 2
    #   S4 = max(0, 2.5 − 3.0 − 0.5) = 0    (reset)
    #   S5 = 0 + 1.0 − 0.5           = 0.5
    #   S6 = 0.5 + 3.0 − 0.5         = 3.0
    #   S7 = 3.0 + 1.6 − 0.5         = 4.1
    result = cusum([0.2, 1.5, 2.0, -3.0, 1.0, 3.0, 1.6], k=0.5, h=2.0)
    np.testing.assert_allclose(result.path, [0, 1.0, 2.5, 0, 0.5, 3.0, 4.1])
    assert result.first_alarm_index == 2
    assert result.alarmed


def test_no_alarm_and_exactly_h_is_not_an_alarm() -> None:
    # S1 = 2.5 − 0.5 = 2.0, which equals h but does not exceed it.
    result = cusum([2.5, -1.0], k=0.5, h=2.0)
    assert result.first_alarm_index is None
    assert not result.alarmed


def test_under_reporting_scores_are_positive_for_under_declaration() -> None:
    # D = 97, M = 100, σ = 2: x = (100 − 97)/2 = 1.5; an honest period scores 0.
    np.testing.assert_allclose(under_reporting_scores([97, 100], [100, 100], 2.0), [1.5, 0.0])
    with pytest.raises(ComplianceError, match="sigma must be greater than 0"):
        under_reporting_scores([97], [100], 0.0)


@pytest.mark.parametrize(
    ("scores", "k", "h", "message"),
    [
        ([1.0], 0.0, 4.0, "k must be greater than 0"),
        ([1.0], 0.5, -1.0, "h must be greater than 0"),
        ([[1.0, 2.0]], 0.5, 4.0, "one-dimensional"),
        ([float("nan")], 0.5, 4.0, "finite"),
    ],
)
def test_cusum_rejects_bad_inputs(scores: list[float], k: float, h: float, message: str) -> None:
    with pytest.raises(ComplianceError, match=message):
        cusum(scores, k=k, h=h)


def test_siegmund_hand_worked() -> None:
    # k = 0.5, h = 4, shift 0: Δ = −0.5, b = 5.166, exp(5.166) = 175.2126
    # ARL = (175.2126 − 5.166 − 1) / (2 · 0.25) = 169.0466 / 0.5 = 338.09
    assert siegmund_arl(0.5, 4.0) == pytest.approx(338.0932, rel=1e-6)
    # Δ = 0 (shift equals k): ARL = b² = 5.166² = 26.6876
    assert siegmund_arl(1.0, 4.0, shift=1.0) == pytest.approx(26.687556)


@pytest.mark.parametrize(
    ("k", "h", "shift", "expected"),
    [
        # One-sided ARLs; the textbook two-sided figures (168 and 465 for k = 0.5, h = 4 or 5,
        # e.g. Montgomery's tables) are half of these: 1/ARL₂ = 1/ARL₊ + 1/ARL₋.
        (0.5, 4.0, 0.0, 335.37),
        (0.5, 5.0, 0.0, 930.89),
        (0.5, 4.0, 1.0, 8.38),
        (0.5, 5.0, 1.0, 10.38),
    ],
)
def test_markov_chain_matches_reference_values(
    k: float, h: float, shift: float, expected: float
) -> None:
    assert markov_chain_arl(k, h, shift) == pytest.approx(expected, rel=2e-3)


def test_two_sided_in_control_figures_of_the_tables() -> None:
    assert markov_chain_arl(0.5, 4.0) / 2 == pytest.approx(168, rel=0.01)
    assert markov_chain_arl(0.5, 5.0) / 2 == pytest.approx(465, rel=0.01)


@pytest.mark.parametrize("k", [0.25, 0.5, 0.75])
@pytest.mark.parametrize("h", [3.0, 4.0, 5.0])
@pytest.mark.parametrize("shift", [0.0, 0.5, 1.0, 1.5])
def test_siegmund_and_markov_chain_agree(k: float, h: float, shift: float) -> None:
    # Siegmund's error grows with k and h (≈ 2.5 % at k = 0.75, h = 5 in control).
    arl = average_run_length(k, h, shift)
    assert arl.siegmund == pytest.approx(arl.markov_chain, rel=0.035)
    assert arl.value == arl.markov_chain


def test_chain_converges_as_states_are_refined() -> None:
    coarse, fine = markov_chain_arl(0.5, 4.0, states=100), markov_chain_arl(0.5, 4.0, states=800)
    assert coarse == pytest.approx(fine, rel=1e-3)


def _run_lengths(shift: float, k: float, h: float, chains: int, seed: int) -> np.ndarray:
    # Independent vectorised CUSUM: all chains advance together until each has alarmed.
    rng = np.random.default_rng(seed)
    level = np.zeros(chains)
    lengths = np.zeros(chains, dtype=np.int64)
    active = np.arange(chains)
    step = 0
    while active.size:
        step += 1
        level[active] = np.maximum(0.0, level[active] + rng.normal(shift, 1.0, active.size) - k)
        alarmed = level[active] > h
        lengths[active[alarmed]] = step
        active = active[~alarmed]
    return lengths


def test_simulated_in_control_arl_matches_the_computed_arl() -> None:
    # 5,000 in-control chains at k = 0.5, h = 4: run lengths are roughly geometric with
    # mean ≈ 335, so the sample mean has a standard error of ≈ 335/√5000 ≈ 4.7 (1.4 %).
    lengths = _run_lengths(0.0, 0.5, 4.0, 5_000, seed=11)
    assert float(lengths.mean()) == pytest.approx(average_run_length(0.5, 4.0).value, rel=0.10)


def test_simulated_out_of_control_arl_matches() -> None:
    lengths = _run_lengths(1.0, 0.5, 4.0, 20_000, seed=12)
    assert float(lengths.mean()) == pytest.approx(average_run_length(0.5, 4.0, 1.0).value, rel=0.03)


def test_detects_protracted_three_percent_under_reporting_within_eight_quarters() -> None:
    # Quarterly flow Q = 1000 t measured with σ = 2 % of Q = 20 t; the declarant reports
    # 3 % less every quarter, a shift of 30/20 = 1.5σ — no single quarter's z (−1.5 on
    # average) would pass an item test at k = 3. Theory (Brook & Evans chain) for k = 0.5,
    # h = 4: P(alarm within 8 quarters) = 0.949. Simulate 20,000 eight-quarter histories.
    rng = np.random.default_rng(2024)
    histories, quarters, flow, sigma = 20_000, 8, 1000.0, 20.0
    measured = flow + rng.normal(0, sigma, (histories, quarters))
    declared = np.full_like(measured, 0.97 * flow)
    scores = under_reporting_scores(declared.ravel(), measured.ravel(), sigma).reshape(
        histories, quarters
    )
    level = np.zeros(histories)
    alarmed = np.zeros(histories, dtype=bool)
    for quarter in range(quarters):
        level = np.maximum(0.0, level + scores[:, quarter] - 0.5)
        alarmed |= level > 4.0
    predicted = alarm_probability_within(0.5, 4.0, 1.5, quarters)
    assert predicted == pytest.approx(0.949, abs=0.001)
    assert float(alarmed.mean()) >= 0.94
    assert float(alarmed.mean()) == pytest.approx(predicted, abs=0.006)  # ≈ 4 standard errors
    # The library's own CUSUM agrees with the vectorised one, history by history.
    for row in range(50):
        assert cusum(scores[row], k=0.5, h=4.0).alarmed == alarmed[row]


def test_alarm_probability_edges() -> None:
    assert alarm_probability_within(0.5, 4.0, 0.0, 0) == 0.0
    # Within 40 quarters in control: 1 − (1 − 1/335)^40 ≈ 0.11 (geometric approximation);
    # the chain gives 0.103 because an alarm cannot come in the first few periods.
    assert alarm_probability_within(0.5, 4.0, 0.0, 40) == pytest.approx(0.103, abs=0.002)


scores_lists = st.lists(st.floats(-10, 10), min_size=1, max_size=60)


@given(scores_lists, st.floats(0.01, 3), st.floats(0.1, 10))
def test_path_is_non_negative_and_follows_the_recursion(
    scores: list[float], k: float, h: float
) -> None:
    path = cusum(scores, k=k, h=h).path
    assert np.all(path >= 0)
    previous = 0.0
    for score, level in zip(scores, path, strict=True):
        assert level == max(0.0, previous + score - k)
        previous = level


@given(scores_lists, st.floats(0.01, 3), st.floats(0.1, 10))
def test_first_alarm_is_the_first_crossing(scores: list[float], k: float, h: float) -> None:
    result = cusum(scores, k=k, h=h)
    crossings = [t for t, level in enumerate(result.path) if level > h]
    assert result.first_alarm_index == (crossings[0] if crossings else None)


@given(scores_lists, st.floats(0.01, 3), st.floats(0, 5))
def test_more_under_reporting_never_lowers_the_path(
    scores: list[float], k: float, extra: float
) -> None:
    base = cusum(scores, k=k, h=5.0).path
    raised = cusum([s + extra for s in scores], k=k, h=5.0).path
    assert np.all(raised >= base - 1e-9)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.25, 1.0), st.floats(2.0, 5.0), st.floats(0.0, 2.0), st.floats(0.0, 1.0))
def test_arl_falls_with_shift_and_rises_with_h(
    k: float, h: float, shift: float, more: float
) -> None:
    assert markov_chain_arl(k, h, shift + more, states=100) <= markov_chain_arl(
        k, h, shift, states=100
    ) * (1 + 1e-9)
    assert markov_chain_arl(k, h + more, shift, states=100) >= markov_chain_arl(
        k, h, shift, states=100
    ) * (1 - 1e-9)

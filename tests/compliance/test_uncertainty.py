"""Uncertainty tables and the paired-data (one-way ANOVA) estimator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.compliance.statistics import (
    DEFAULT_UNCERTAINTIES,
    MethodUncertainty,
    PairedUncertaintyEstimate,
    UncertaintyTable,
    estimate_uncertainty_from_pairs,
)
from concord.errors import ComplianceError


def test_default_table_documents_every_method() -> None:
    table = UncertaintyTable.default()
    names = {m.method for m in DEFAULT_UNCERTAINTIES}
    assert names == {
        "weighing",
        "volumetric",
        "sampling_assay",
        "xrf",
        "gamma_spectrometry",
        "declared_estimate",
    }
    assert table.get("weighing") == MethodUncertainty("weighing", 0.001, 0.0005)
    # Weighing is the most precise method, a bare estimate the least.
    assert table.get("weighing").random_rel < table.get("declared_estimate").random_rel


def test_unknown_method_names_the_known_ones() -> None:
    with pytest.raises(ComplianceError, match="known: weighing"):
        UncertaintyTable.default().get("divination")


@pytest.mark.parametrize(("random_rel", "systematic_rel"), [(-0.01, 0.0), (0.01, float("nan"))])
def test_method_uncertainty_rejects_bad_components(
    random_rel: float, systematic_rel: float
) -> None:
    with pytest.raises(ComplianceError, match="weighing"):
        MethodUncertainty("weighing", random_rel, systematic_rel)


def test_duplicate_methods_are_refused() -> None:
    entry = MethodUncertainty("xrf", 0.02, 0.01)
    with pytest.raises(ComplianceError, match="listed twice: xrf"):
        UncertaintyTable((entry, entry))


def test_hand_worked_anova_estimate() -> None:
    # Measured 100 throughout; relative differences e = (D − M)/M:
    #   period A: 0.01, 0.03   mean 0.02
    #   period B: −0.01, 0.01  mean 0.00          grand mean 0.01
    # MSW = (0.01² + 0.01² + 0.01² + 0.01²) / (4 − 2) = 4e-4 / 2 = 2e-4  → r = √2e-4 = 0.014142
    # MSB = (2·0.01² + 2·0.01²) / (2 − 1) = 4e-4
    # n₀  = (4 − (2² + 2²)/4) / (2 − 1) = 2
    # σ_s² = (4e-4 − 2e-4) / 2 = 1e-4  → s = 0.01
    estimate = estimate_uncertainty_from_pairs(
        [101, 103, 99, 101], [100, 100, 100, 100], periods=["A", "A", "B", "B"]
    )
    assert estimate.random_rel == pytest.approx(0.0141421356)
    assert estimate.systematic_rel == pytest.approx(0.01)
    assert estimate.mean_relative_difference == pytest.approx(0.01)
    assert estimate.within_mean_square == pytest.approx(2e-4)
    assert estimate.between_mean_square == pytest.approx(4e-4)
    assert (estimate.pairs, estimate.periods) == (4, 2)


def test_between_periods_smaller_than_within_gives_zero_systematic() -> None:
    # Period means are both 0.00, so MSB = 0 < MSW and σ_s² is truncated at 0.
    estimate = estimate_uncertainty_from_pairs([99, 101, 101, 99], [100] * 4, periods=[1, 1, 2, 2])
    assert estimate.systematic_rel == 0.0
    assert estimate.random_rel == pytest.approx(0.0141421356)


def test_estimates_replace_defaults_in_a_new_table() -> None:
    default = UncertaintyTable.default()
    estimate = PairedUncertaintyEstimate(
        random_rel=0.004,
        systematic_rel=0.001,
        mean_relative_difference=0.0,
        pairs=40,
        periods=4,
        within_mean_square=1.6e-5,
        between_mean_square=2e-5,
    )
    updated = default.with_estimates(
        {"weighing": estimate, "core_scan": MethodUncertainty("core_scan", 0.08, 0.04)}
    )
    assert updated.get("weighing") == MethodUncertainty("weighing", 0.004, 0.001)
    assert updated.get("core_scan").random_rel == 0.08
    assert updated.get("xrf") == default.get("xrf")
    assert default.get("weighing").random_rel == 0.001  # the original is unchanged


def test_mislabelled_estimate_is_refused() -> None:
    with pytest.raises(ComplianceError, match="labelled 'xrf'"):
        UncertaintyTable.default().with_estimates({"weighing": MethodUncertainty("xrf", 0.1, 0.1)})


@pytest.mark.parametrize(
    ("declared", "measured", "periods", "message"),
    [
        ([1, 2], [1, 2], ["A", "A"], "at least two periods"),
        ([1, 2], [1, 2], ["A", "B"], "more pairs than periods"),
        ([1, 2, 3], [1, 2], ["A", "B", "B"], "shapes do not match"),
        ([1, 2, 3], [1, 2, 3], ["A", "B"], "equal-length"),
        ([1, 2, 3], [1, 0, 3], ["A", "B", "B"], "positive"),
        ([1, 2, 3], [1, -2, 3], ["A", "B", "B"], "must not be negative"),
    ],
)
def test_estimator_rejects_unusable_data(
    declared: list[float], measured: list[float], periods: list[str], message: str
) -> None:
    with pytest.raises(ComplianceError, match=message):
        estimate_uncertainty_from_pairs(declared, measured, periods=periods)


def test_estimator_recovers_simulated_components() -> None:
    # 200 periods × 20 items, r = 1 %, s = 0.5 %: the estimator is consistent, so with
    # 4,000 pairs both components should come back within 10 %.
    rng = np.random.default_rng(20240601)
    periods, items, r, s = 200, 20, 0.01, 0.005
    measured = rng.uniform(50, 150, size=(periods, items))
    relative = rng.normal(0, s, size=(periods, 1)) + rng.normal(0, r, size=(periods, items))
    declared = measured * (1 + relative)
    labels = np.repeat(np.arange(periods), items)
    estimate = estimate_uncertainty_from_pairs(
        declared.ravel(), measured.ravel(), periods=labels.tolist()
    )
    assert estimate.random_rel == pytest.approx(r, rel=0.1)
    assert estimate.systematic_rel == pytest.approx(s, rel=0.1)


@given(
    st.lists(st.lists(st.floats(-0.2, 0.2), min_size=2, max_size=6), min_size=2, max_size=6),
    st.floats(-0.1, 0.1),
)
def test_a_common_offset_moves_only_the_mean(groups: list[list[float]], offset: float) -> None:
    # Adding the same relative offset to every pair (a persistent bias, or a persistent
    # under-declaration) must not be mistaken for measurement uncertainty.
    labels = [g for g, values in enumerate(groups) for _ in values]
    relative = np.array([v for values in groups for v in values])
    measured = np.full(relative.size, 100.0)
    base = estimate_uncertainty_from_pairs(measured * (1 + relative), measured, periods=labels)
    shifted = estimate_uncertainty_from_pairs(
        measured * (1 + relative + offset), measured, periods=labels
    )
    assert shifted.random_rel == pytest.approx(base.random_rel, abs=1e-9)
    assert shifted.systematic_rel == pytest.approx(base.systematic_rel, abs=1e-6)
    assert shifted.mean_relative_difference == pytest.approx(
        base.mean_relative_difference + offset, abs=1e-9
    )

"""The D statistic over sampled strata."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.compliance.statistics import (
    MethodUncertainty,
    StratumD,
    d_statistic,
    stratum_d,
)
from concord.errors import ComplianceError

ASSAY = MethodUncertainty("sampling_assay", random_rel=0.01, systematic_rel=0.005)
XRF = MethodUncertainty("xrf", random_rel=0.02, systematic_rel=0.005)


def _example_stratum() -> StratumD:
    return stratum_d(
        population_size=100,
        declared=[10.0, 10.0, 10.0, 10.0],
        measured=[10.1, 10.2, 9.9, 10.2],
        declared_total=1000.0,
        uncertainty=ASSAY,
    )


def test_hand_worked_stratum() -> None:
    # N = 100, n = 4: Σ(D − M) = −0.1 − 0.2 + 0.1 − 0.2 = −0.4, D = (100/4)·(−0.4) = −10.
    # Per-item random variance = mean((M·0.01)²)
    #   = (0.010201 + 0.010404 + 0.009801 + 0.010404) / 4 = 0.0102025
    # Var_r = N²/n · 0.0102025 = 2500 · 0.0102025 = 25.50625
    # sd_s = 1000 · 0.005 = 5, Var_s = 25
    stratum = _example_stratum()
    assert stratum.d == pytest.approx(-10.0)
    assert stratum.random_variance == pytest.approx(25.50625)
    assert stratum.systematic_sd == pytest.approx(5.0)
    assert (stratum.population_size, stratum.sample_size) == (100, 4)


def test_hand_worked_test_with_k_and_with_alpha() -> None:
    # σ_D = √(25.50625 + 25) = 7.10677, z = −10 / 7.10677 = −1.40711.
    # k = 3: not flagged. α = 0.10: k = Φ⁻¹(0.9) = 1.28155 → z < −1.28155, flagged.
    strict = d_statistic([_example_stratum()], k=3.0)
    assert strict.sigma == pytest.approx(7.1067749)
    assert strict.z == pytest.approx(-1.4071080)
    assert strict.flagged is False
    assert strict.false_alarm_probability == pytest.approx(0.00134990, rel=1e-5)
    loose = d_statistic([_example_stratum()], alpha=0.10)
    assert loose.k == pytest.approx(1.2815516)
    assert loose.flagged is True


def test_strata_sharing_a_method_share_their_systematic_error() -> None:
    # Totals 1000 and 3000 at s = 0.5 %: sd 5 and 15.
    # Same method → one shared error: (5 + 15)² = 400. Different methods: 5² + 15² = 250.
    def stratum(total: float, method: MethodUncertainty) -> StratumD:
        return stratum_d(
            population_size=10,
            declared=[1.0],
            measured=[1.0],
            declared_total=total,
            uncertainty=method,
        )

    same = d_statistic([stratum(1000, ASSAY), stratum(3000, ASSAY)], k=3)
    different = d_statistic([stratum(1000, ASSAY), stratum(3000, XRF)], k=3)
    assert same.systematic_variance == pytest.approx(400.0)
    assert different.systematic_variance == pytest.approx(250.0)
    # Random parts simply add: each is 10²/1 · (1·r)².
    assert same.random_variance == pytest.approx(100 * 0.01**2 * 2)
    assert different.random_variance == pytest.approx(100 * (0.01**2 + 0.02**2))
    assert same.d == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"population_size": 3}, "larger than the stratum"),
        ({"population_size": 0}, "at least 1"),
        ({"population_size": 10.0}, "whole number"),
        ({"declared": [], "measured": []}, "non-empty"),
        ({"declared_total": -1.0}, "declared_total must not be negative"),
        ({"measured": [1.0, -1.0, 1.0, 1.0]}, "measured must not be negative"),
    ],
)
def test_stratum_rejects_bad_inputs(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "population_size": 100,
        "declared": [1.0, 1.0, 1.0, 1.0],
        "measured": [1.0, 1.0, 1.0, 1.0],
        "declared_total": 100.0,
        "uncertainty": ASSAY,
    } | kwargs
    with pytest.raises(ComplianceError, match=message):
        stratum_d(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("strata", "k", "alpha", "message"),
    [
        ([], 3.0, None, "at least one stratum"),
        (None, None, None, "exactly one of k"),
        (None, 3.0, 0.05, "exactly one of k"),
        (None, -1.0, None, "k must be greater than 0"),
        (None, None, 1.5, "alpha"),
    ],
)
def test_d_statistic_rejects_bad_thresholds(
    strata: list[StratumD] | None, k: float | None, alpha: float | None, message: str
) -> None:
    with pytest.raises(ComplianceError, match=message):
        d_statistic(_example_stratum_list() if strata is None else strata, k=k, alpha=alpha)


def _example_stratum_list() -> list[StratumD]:
    return [_example_stratum()]


@given(
    st.lists(st.tuples(st.floats(0, 1e4), st.floats(0, 1e4)), min_size=1, max_size=30),
    st.floats(0, 1e6),
)
def test_a_census_gives_the_plain_total_difference(
    pairs: list[tuple[float, float]], total: float
) -> None:
    # With n = N nothing is extrapolated: D = Σ(D_i − M_i), Var_r = N · mean((M·r)²).
    declared, measured = (np.array(v) for v in zip(*pairs, strict=True))
    stratum = stratum_d(
        population_size=len(pairs),
        declared=declared,
        measured=measured,
        declared_total=total,
        uncertainty=ASSAY,
    )
    assert stratum.d == pytest.approx(float(np.sum(declared - measured)), abs=1e-6)
    assert stratum.random_variance == pytest.approx(float(np.sum((measured * 0.01) ** 2)))


@given(st.integers(1, 50), st.integers(1, 50), st.floats(1, 1e6))
def test_systematic_part_does_not_shrink_with_the_sample(n1: int, n2: int, total: float) -> None:
    def stratum(n: int) -> StratumD:
        return stratum_d(
            population_size=100,
            declared=[5.0] * n,
            measured=[5.0] * n,
            declared_total=total,
            uncertainty=ASSAY,
        )

    small, large = stratum(min(n1, n2)), stratum(max(n1, n2))
    assert small.systematic_sd == large.systematic_sd
    assert large.random_variance <= small.random_variance


@given(st.floats(0.5, 5), st.floats(0.5, 5))
def test_a_higher_k_never_adds_a_flag(k1: float, k2: float) -> None:
    low, high = sorted((k1, k2))
    if d_statistic(_example_stratum_list(), k=high).flagged:
        assert d_statistic(_example_stratum_list(), k=low).flagged


def test_variance_formula_matches_simulation() -> None:
    # N = 200 items of 50–150 units, n = 20 verified at random each time (without
    # replacement), r = 1 %, s = 0.5 % shared by the whole campaign, honest declarations.
    # 20,000 campaigns estimate Var D with a relative standard error of √(2/20000) = 1 %.
    rng = np.random.default_rng(7)
    population, sample, campaigns = 200, 20, 20_000
    true = rng.uniform(50, 150, population)
    chosen = np.argsort(rng.random((campaigns, population)), axis=1)[:, :sample]
    x = true[chosen]
    systematic = rng.normal(0, ASSAY.systematic_rel, (campaigns, 1))
    measured = x * (1 + systematic + rng.normal(0, ASSAY.random_rel, x.shape))
    simulated = population / sample * np.sum(x - measured, axis=1)
    predicted = [
        d_statistic(
            [
                stratum_d(
                    population_size=population,
                    declared=x[c],
                    measured=measured[c],
                    declared_total=float(true.sum()),
                    uncertainty=ASSAY,
                )
            ],
            k=3,
        ).sigma
        ** 2
        for c in range(2_000)
    ]
    assert abs(float(np.mean(simulated))) < 3 * math.sqrt(float(np.mean(predicted)) / campaigns)
    assert float(np.var(simulated)) == pytest.approx(float(np.mean(predicted)), rel=0.05)

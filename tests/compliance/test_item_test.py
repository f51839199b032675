"""The per-item declared-versus-measured test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy.stats import norm

from concord.compliance.statistics import (
    ItemTestBatch,
    ItemTestResult,
    MethodUncertainty,
    detection_probability,
    item_test,
    k_for_false_alarm,
)
from concord.errors import ComplianceError

WEIGHING = MethodUncertainty("weighing", random_rel=0.001, systematic_rel=0.0005)
XRF = MethodUncertainty("xrf", random_rel=0.02, systematic_rel=0.01)
EXACT = MethodUncertainty("exact", random_rel=0.0, systematic_rel=0.0)

quantities = st.floats(0, 1e6)


def test_hand_worked_under_declaration_is_flagged() -> None:
    # D = 995, M = 1000, weighing r = 0.1 %, s = 0.05 %:
    # σ² = (1000·0.001)² + (1000·0.0005)² = 1 + 0.25 = 1.25, σ = 1.1180
    # d = 995 − 1000 = −5, z = −5 / 1.1180 = −4.472 < −3 → flagged.
    result = item_test(995.0, 1000.0, WEIGHING)
    assert isinstance(result, ItemTestResult)
    assert result.d == -5.0
    assert result.sigma == pytest.approx(1.1180340)
    assert result.z == pytest.approx(-4.4721360)
    assert result.flagged is True
    assert result.k == 3.0


def test_declared_uncertainty_widens_sigma() -> None:
    # As above with the declaration's own σ_D = 2:
    # σ² = 1.25 + 2² = 5.25, σ = 2.2913, z = −5 / 2.2913 = −2.182 > −3 → not flagged.
    result = item_test(995.0, 1000.0, WEIGHING, declared_sigma=2.0)
    assert result.sigma == pytest.approx(2.2912878)
    assert result.z == pytest.approx(-2.1821789)
    assert result.flagged is False


def test_over_declaration_is_never_flagged() -> None:
    # D > M gives z > 0; the test is one-sided against under-declaration.
    result = item_test(1010.0, 1000.0, WEIGHING)
    assert result.z == pytest.approx(8.944272)
    assert result.flagged is False


def test_arrays_are_tested_item_by_item() -> None:
    batch = item_test(np.array([995.0, 1000.0, 1010.0]), 1000.0, WEIGHING)
    assert isinstance(batch, ItemTestBatch)
    np.testing.assert_allclose(batch.z, [-4.4721360, 0.0, 8.9442719])
    assert batch.flagged.tolist() == [True, False, False]
    assert batch.flagged_count == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"declared": -1.0, "measured": 1.0}, "declared must not be negative"),
        ({"declared": 1.0, "measured": float("inf")}, "measured must be finite"),
        ({"declared": 1.0, "measured": 1.0, "k": 0.0}, "k must be greater than 0"),
        ({"declared": 1.0, "measured": 1.0, "declared_sigma": -0.5}, "declared_sigma"),
        ({"declared": 1.0, "measured": 0.0}, "combined uncertainty is zero"),
        ({"declared": [1.0, 2.0], "measured": [1.0, 2.0, 3.0]}, "shapes do not match"),
    ],
)
def test_bad_inputs_raise_compliance_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ComplianceError, match=message):
        item_test(uncertainty=WEIGHING, **kwargs)  # type: ignore[call-overload]


def test_k_for_false_alarm_inverts_the_normal_tail() -> None:
    # Φ⁻¹(0.95) = 1.6449, Φ⁻¹(1 − 0.00135) ≈ 3.0
    assert k_for_false_alarm(0.05) == pytest.approx(1.6448536)
    assert k_for_false_alarm(norm.cdf(-3.0)) == pytest.approx(3.0)
    with pytest.raises(ComplianceError, match="alpha"):
        k_for_false_alarm(1.0)


def test_detection_probability_is_phi_of_shift_minus_k() -> None:
    # shift 4σ, k = 3: Φ(4 − 3) = Φ(1) = 0.8413; shift 0: Φ(−3) = 0.00135.
    assert detection_probability(3.0, 4.0) == pytest.approx(0.8413447)
    assert detection_probability(3.0, 0.0) == pytest.approx(0.00134990, rel=1e-5)


@given(quantities, quantities, st.floats(1e-3, 1e3))
def test_z_is_antisymmetric_when_sigma_is_fixed(d: float, m: float, sd: float) -> None:
    # With no measurement uncertainty σ = σ_D whichever way round, so z(D, M) = −z(M, D).
    forward = item_test(d, m, EXACT, declared_sigma=sd)
    backward = item_test(m, d, EXACT, declared_sigma=sd)
    assert forward.sigma == backward.sigma == sd
    assert forward.z == pytest.approx(-backward.z, abs=1e-9)


@given(quantities, st.floats(1e-3, 1e6), st.floats(0.5, 5))
def test_flag_is_exactly_z_below_minus_k(d: float, m: float, k: float) -> None:
    result = item_test(d, m, XRF, k=k)
    assert result.flagged == (result.z < -k)
    assert result.z * result.sigma == pytest.approx(result.d, rel=1e-12, abs=1e-9)


@given(st.lists(st.tuples(quantities, st.floats(1e-3, 1e6)), min_size=1, max_size=20))
@example([(0.0, 584580.0336987268)])  # x ** 2 and x * x differ in the last place here
def test_batch_agrees_with_scalar_calls(pairs: list[tuple[float, float]]) -> None:
    declared, measured = map(list, zip(*pairs, strict=True))
    batch = item_test(np.array(declared), np.array(measured), XRF)
    for i, (d, m) in enumerate(pairs):
        single = item_test(d, m, XRF)
        assert batch.z[i] == single.z
        assert bool(batch.flagged[i]) is single.flagged


def _simulate_z(method: MethodUncertainty, shift: float, items: int, seed: int) -> np.ndarray:
    # Each item's true quantity Q; the measurement carries both error components, drawn
    # afresh per item (items from different calibration periods), so items are independent.
    rng = np.random.default_rng(seed)
    true = rng.uniform(100, 1000, items)
    c = math.hypot(method.random_rel, method.systematic_rel)
    measured = true * (1 + rng.normal(0, c, items))
    declared = true * (1 - shift * c)
    return item_test(declared, measured, method).z


def test_false_alarm_rate_at_k3_is_phi_minus_3() -> None:
    # Honest declarations, weighing (c = 0.112 %): 200,000 items, expected Φ(−3)·200,000 = 270
    # flags, standard error √270 ≈ 16; allow 4 standard errors.
    z = _simulate_z(WEIGHING, 0.0, 200_000, seed=1)
    expected = norm.cdf(-3.0) * z.size
    assert abs(np.count_nonzero(z < -3) - expected) < 4 * math.sqrt(expected)


def test_sigma_evaluated_at_m_makes_large_uncertainties_conservative() -> None:
    # σ is taken at M, so with honest D = Q and M = Q(1 + e), z < −k ⇔ e > k·c/(1 − k·c).
    # For XRF, c = √(0.02² + 0.01²) = 0.02236, k·c = 0.06708: threshold 3/(1 − 0.06708) =
    # 3.2157σ, false-alarm rate Φ(−3.2157) = 0.00065 instead of Φ(−3) = 0.00135.
    z = _simulate_z(XRF, 0.0, 200_000, seed=2)
    c = math.hypot(0.02, 0.01)
    expected = norm.cdf(-3 / (1 - 3 * c)) * z.size
    assert abs(np.count_nonzero(z < -3) - expected) < 4 * math.sqrt(expected)


def test_detection_rate_at_a_four_sigma_shift_matches_theory() -> None:
    # Under-declaration by 4σ: theory Φ(4 − 3) = 0.8413; 100,000 items give a standard
    # error of 0.0012, and evaluating σ at M moves the rate by < 0.001 for weighing.
    z = _simulate_z(WEIGHING, 4.0, 100_000, seed=3)
    assert np.mean(z < -3) == pytest.approx(detection_probability(3.0, 4.0), abs=0.005)

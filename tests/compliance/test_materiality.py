"""EITI margin of variance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.compliance.statistics import assess_materiality, is_material
from concord.errors import ComplianceError


def test_hand_worked_cases() -> None:
    # Margin: 2 % of max(|D|, |M|) and an absolute floor.
    # D = 970, M = 1000, floor 10: |d| = 30 > 0.02·1000 = 20 and 30 > 10 → material.
    assert is_material(970.0, 1000.0, 2.0, 10.0) is True
    # D = 985: |d| = 15 ≤ 20 → not material (below the percentage).
    assert is_material(985.0, 1000.0, 2.0, 10.0) is False
    # D = 955, floor 50: |d| = 45 > 20 but ≤ 50 → not material (below the floor).
    assert is_material(955.0, 1000.0, 2.0, 50.0) is False
    # D = 940, floor 50: |d| = 60 > 20 and > 50 → material.
    assert is_material(940.0, 1000.0, 2.0, 50.0) is True


def test_the_reference_is_the_larger_figure() -> None:
    # D = 1000, M = 970 (over-declaration): reference max(1000, 970) = 1000, limit 20, |d| = 30.
    assessment = assess_materiality(1000.0, 970.0, 2.0, 10.0)
    assert assessment.discrepancy == 30.0
    assert assessment.percent_limit == pytest.approx(20.0)
    assert assessment.threshold == pytest.approx(20.0)
    assert assessment.material is True


def test_a_discrepancy_equal_to_the_limit_is_not_material() -> None:
    # |d| = 20 = 2 % of 1000: "exceeds" is strict.
    assert is_material(980.0, 1000.0, 2.0, 0.0) is False


def test_arrays_are_assessed_element_wise() -> None:
    verdicts = is_material(np.array([970.0, 985.0, 1030.0]), 1000.0, 2.0, 10.0)
    assert verdicts.tolist() == [True, False, True]


@pytest.mark.parametrize(
    ("percent", "floor", "message"),
    [(-1.0, 0.0, "percent must be between"), (101.0, 0.0, "percent"), (2.0, -5.0, "floor")],
)
def test_bad_margins_are_refused(percent: float, floor: float, message: str) -> None:
    with pytest.raises(ComplianceError, match=message):
        is_material(1.0, 2.0, percent, floor)


amounts = st.floats(-1e9, 1e9)
percents = st.floats(0, 99)
floors = st.floats(0, 1e6)


@given(amounts, amounts, percents, floors)
def test_symmetric_in_declared_and_measured(d: float, m: float, p: float, floor: float) -> None:
    assert is_material(d, m, p, floor) == is_material(m, d, p, floor)


@given(amounts, amounts, percents, floors)
def test_material_means_both_limits_are_exceeded(
    d: float, m: float, p: float, floor: float
) -> None:
    a = assess_materiality(d, m, p, floor)
    assert a.material == (a.discrepancy > a.percent_limit and a.discrepancy > a.absolute_floor)


@given(st.floats(0, 1e9), st.floats(0, 1e6), st.floats(0, 1e6), percents, floors, st.booleans())
def test_monotone_in_the_discrepancy(
    m: float, gap: float, more: float, p: float, floor: float, under: bool
) -> None:
    # Moving the declaration further from the measurement (on either side) never turns a
    # material discrepancy into an immaterial one.
    sign = -1.0 if under else 1.0
    if is_material(m + sign * gap, m, p, floor):
        assert is_material(m + sign * (gap + more), m, p, floor)


@given(amounts, amounts, percents, floors)
def test_a_higher_floor_never_adds_findings(d: float, m: float, p: float, floor: float) -> None:
    if is_material(d, m, p, floor + 1.0):
        assert is_material(d, m, p, floor)

"""Properties of a holder's covered area (Art. 37): the union of its claims, in the sector."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import box, union_all

from concord.claims.shares import covered_area

#: Seven-Alpha, 100 × 80 km (Annex I).
SECTOR = box(0, 0, 100, 80)


@st.composite
def rectangles(draw: st.DrawFn) -> list[tuple[int, int, int, int]]:
    """Up to six claims, some partly outside the sector (a clipped claim's ground)."""
    out = []
    for _ in range(draw(st.integers(0, 6))):
        x, y = draw(st.integers(-20, 110)), draw(st.integers(-20, 90))
        out.append((x, y, x + draw(st.integers(1, 60)), y + draw(st.integers(1, 60))))
    return out


@given(rectangles(), st.randoms(use_true_random=False))
def test_covered_area_is_the_union_inside_the_sector(
    rects: list[tuple[int, int, int, int]], rng: Random
) -> None:
    shapes = [box(*r) for r in rects]
    area = covered_area(shapes, SECTOR)
    expected = union_all(shapes).intersection(SECTOR).area if shapes else 0.0
    assert area == expected
    assert 0.0 <= area <= SECTOR.area
    assert area <= sum(s.intersection(SECTOR).area for s in shapes) + 1e-9
    shuffled = list(shapes)
    rng.shuffle(shuffled)
    assert covered_area(shuffled, SECTOR) == pytest.approx(area, abs=1e-9)


def test_two_overlapping_claims_count_their_common_ground_once() -> None:
    # 50 × 40 = 2,000 km² each, sharing 30 × 40 = 1,200 km²: 2,800 km², not 4,000.
    assert covered_area([box(0, 0, 50, 40), box(20, 0, 70, 40)], SECTOR) == 2800.0

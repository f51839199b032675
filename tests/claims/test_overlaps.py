from __future__ import annotations

from itertools import combinations

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from concord.claims.overlaps import (
    MIN_OVERLAP_KM2,
    ClaimIndex,
    check_new_claim,
    detect_conflicts,
)
from concord.errors import ClaimError


def test_overlap_rows_with_area_and_shares() -> None:
    table = detect_conflicts(
        ["B", "A", "C"],
        [box(5, 5, 15, 15), box(0, 0, 10, 10), box(10, 0, 20, 5)],
    )
    # A and B share 25 km²; B and C only share the edge y = 5.
    rows = list(table)
    assert [(r.claim_a, r.claim_b) for r in rows] == [("A", "B")]
    (row,) = rows
    assert row.area_km2 == pytest.approx(25.0)
    assert row.share_a == pytest.approx(0.25)
    assert row.share_b == pytest.approx(0.25)


def test_share_of_the_smaller_claim() -> None:
    table = detect_conflicts(["big", "small"], [box(0, 0, 10, 10), box(9, 9, 11, 11)])
    (row,) = list(table)
    assert row.area_km2 == pytest.approx(1.0)
    assert row.share_a == pytest.approx(0.01)  # "big"
    assert row.share_b == pytest.approx(0.25)  # "small"
    assert row.share_of_smaller == pytest.approx(0.25)
    assert table.share_of_smaller.tolist() == pytest.approx([0.25])


def test_touching_claims_do_not_conflict() -> None:
    table = detect_conflicts(["a", "b", "c"], [box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)])
    assert len(table) == 0


def test_ids_must_be_unique_and_match_geometries() -> None:
    with pytest.raises(ClaimError, match="repeated: a"):
        detect_conflicts(["a", "a"], [box(0, 0, 1, 1), box(2, 2, 3, 3)])
    with pytest.raises(ClaimError, match="1 claim ids for 2 geometries"):
        ClaimIndex(["a"], [box(0, 0, 1, 1), box(2, 2, 3, 3)])


def test_new_claim_against_the_index() -> None:
    index = ClaimIndex(
        ["r1", "r2", "r3"], [box(0, 0, 10, 10), box(8, 0, 18, 10), box(50, 50, 60, 60)]
    )
    assert len(index) == 3
    found = check_new_claim(index, box(5, 5, 15, 15), claim_id="n1")
    # Largest overlap first: 35 km² with r2, then 25 km² with r1.
    assert [(o.claim_a, o.claim_b) for o in found] == [("n1", "r2"), ("n1", "r1")]
    assert [o.area_km2 for o in found] == pytest.approx([35.0, 25.0])
    assert found[1].share_a == pytest.approx(0.25)
    assert found[1].share_b == pytest.approx(0.25)
    assert check_new_claim(index, box(100, 100, 101, 101)) == []


def test_amended_claim_is_not_checked_against_itself() -> None:
    index = ClaimIndex(["r1", "r2"], [box(0, 0, 10, 10), box(20, 0, 30, 10)])
    amended = box(0, 0, 12, 10)
    assert check_new_claim(index, amended, claim_id="r1") == []


def test_largest_overlap_first() -> None:
    index = ClaimIndex(["small", "large"], [box(0, 0, 1, 1), box(1, 0, 5, 1)])
    found = index.overlaps(box(0.5, 0, 4, 1))
    assert [o.claim_b for o in found] == ["large", "small"]


# Random claims on a coarse grid, so that shared edges and corners are common.
coordinate = st.integers(0, 12).map(float)


@st.composite
def claim_shapes(draw: st.DrawFn) -> BaseGeometry:
    x, y = draw(coordinate), draw(coordinate)
    w, h = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    if draw(st.booleans()):
        return box(x, y, x + w, y + h)
    # A triangle-topped quadrilateral, to test non-rectangular overlaps.
    return Polygon([(x, y), (x + w, y), (x + w, y + h), (x + w / 2, y + h + 1)])


registries = st.lists(claim_shapes(), min_size=0, max_size=14)


def brute_force(shapes: list[BaseGeometry]) -> dict[tuple[str, str], float]:
    found = {}
    for (i, a), (j, b) in combinations(enumerate(shapes), 2):
        area = a.intersection(b).area
        if area > MIN_OVERLAP_KM2:
            found[(f"c{i:02d}", f"c{j:02d}")] = area
    return found


@settings(max_examples=60, deadline=None)
@given(registries)
def test_detect_conflicts_agrees_with_pairwise_check(shapes: list[BaseGeometry]) -> None:
    ids = [f"c{i:02d}" for i in range(len(shapes))]
    table = detect_conflicts(ids, shapes)
    found = {(r.claim_a, r.claim_b): r.area_km2 for r in table}
    expected = brute_force(shapes)
    assert found.keys() == expected.keys()
    for pair, area in expected.items():
        assert found[pair] == pytest.approx(area)


@settings(max_examples=60, deadline=None)
@given(claim_shapes(), claim_shapes())
def test_overlap_area_is_symmetric(a: BaseGeometry, b: BaseGeometry) -> None:
    forward = list(detect_conflicts(["x", "y"], [a, b]))
    backward = list(detect_conflicts(["y", "x"], [b, a]))
    assert forward == backward  # rows are canonical, whatever the input order
    assert shapely.area(shapely.intersection(a, b)) == pytest.approx(
        shapely.area(shapely.intersection(b, a))
    )


@settings(max_examples=40, deadline=None)
@given(registries, st.randoms(use_true_random=False))
def test_table_does_not_depend_on_input_order(shapes: list[BaseGeometry], rnd: object) -> None:
    ids = [f"c{i:02d}" for i in range(len(shapes))]
    pairs = list(zip(ids, shapes, strict=True))
    rnd.shuffle(pairs)  # type: ignore[attr-defined]
    shuffled = detect_conflicts([p[0] for p in pairs], [p[1] for p in pairs])
    original = detect_conflicts(ids, shapes)
    assert list(shuffled) == list(original)


@settings(max_examples=40, deadline=None)
@given(registries, claim_shapes())
def test_index_agrees_with_the_table(shapes: list[BaseGeometry], new: BaseGeometry) -> None:
    ids = [f"c{i:02d}" for i in range(len(shapes))]
    from_index = {o.claim_b: o.area_km2 for o in ClaimIndex(ids, shapes).overlaps(new)}
    table = detect_conflicts([*ids, "new"], [*shapes, new])
    from_table = {r.claim_a: r.area_km2 for r in table if r.claim_b == "new"}
    assert from_index.keys() == from_table.keys()
    for claim_id, area in from_table.items():
        assert from_index[claim_id] == pytest.approx(area)

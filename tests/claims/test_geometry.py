from __future__ import annotations

import math
from typing import Any

import pytest
from shapely.geometry import box
from tests.claims.factories import polygon_json, square

from concord.claims.geometry import (
    GeometryProblem,
    crosses_boundary,
    fit_to_sector,
    parse_geometry,
    within_sector,
)
from concord.errors import ClaimError

BOWTIE = [[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]


def refused(obj: Any) -> ClaimError:
    with pytest.raises(ClaimError) as caught:
        parse_geometry(obj)
    return caught.value


@pytest.mark.parametrize(
    ("obj", "problem", "field"),
    [
        (["not", "an", "object"], GeometryProblem.NOT_AN_OBJECT, "geometry"),
        (
            {"type": "Point", "crs": "sector-km", "coordinates": [1, 2]},
            GeometryProblem.WRONG_TYPE,
            "geometry.type",
        ),
        (
            {"type": "LineString", "crs": "sector-km", "coordinates": [[0, 0], [1, 1]]},
            GeometryProblem.WRONG_TYPE,
            "geometry.type",
        ),
        (
            {"type": "Polygon", "coordinates": [square(0, 0)]},
            GeometryProblem.WRONG_CRS,
            "geometry.crs",
        ),
        (polygon_json(square(0, 0), crs="EPSG:4326"), GeometryProblem.WRONG_CRS, "geometry.crs"),
        (
            polygon_json([[0, 0], [1, 0], [1, 1], [0, 1]]),
            GeometryProblem.RING_NOT_CLOSED,
            "geometry.coordinates[0]",
        ),
        (
            polygon_json([[0, 0], [1, 0], [0, 0]]),
            GeometryProblem.TOO_FEW_POSITIONS,
            "geometry.coordinates[0]",
        ),
        (polygon_json(BOWTIE), GeometryProblem.INVALID, "geometry.coordinates"),
        (
            {"type": "Polygon", "crs": "sector-km", "coordinates": []},
            GeometryProblem.EMPTY,
            "geometry.coordinates",
        ),
        (
            {"type": "MultiPolygon", "crs": "sector-km", "coordinates": []},
            GeometryProblem.EMPTY,
            "geometry.coordinates",
        ),
        (polygon_json([]), GeometryProblem.EMPTY, "geometry.coordinates[0]"),
        (
            polygon_json([[0, 0], [1, math.nan], [1, 1], [0, 1], [0, 0]]),
            GeometryProblem.NON_FINITE,
            "geometry.coordinates[0][1]",
        ),
        (
            polygon_json([[0, 0], [math.inf, 0], [1, 1], [0, 1], [0, 0]]),
            GeometryProblem.NON_FINITE,
            "geometry.coordinates[0][1]",
        ),
        (
            polygon_json(square(4_500_000, 1_200_000, 1000)),
            GeometryProblem.OUT_OF_RANGE,
            "geometry.coordinates[0][0]",
        ),
        (
            polygon_json([[0, 0, 5], [1, 0, 5], [1, 1, 5], [0, 0, 5]]),
            GeometryProblem.MALFORMED,
            "geometry.coordinates[0][0]",
        ),
        (
            polygon_json([["0", 0], [1, 0], [1, 1], ["0", 0]]),
            GeometryProblem.MALFORMED,
            "geometry.coordinates[0][0]",
        ),
    ],
)
def test_invalid_geometry_names_field_and_reason(
    obj: Any, problem: GeometryProblem, field: str
) -> None:
    error = refused(obj)
    assert error.message.startswith(f"{field}: {problem.value}")
    assert error.details == [problem.name]


def test_self_intersection_says_where() -> None:
    assert "Self-intersection[1 1]" in refused(polygon_json(BOWTIE)).message


def test_overlapping_multipolygon_parts_are_invalid() -> None:
    obj = {
        "type": "MultiPolygon",
        "crs": "sector-km",
        "coordinates": [[square(0, 0, 2)], [square(1, 1, 2)]],
    }
    assert GeometryProblem.INVALID.value in refused(obj).message


def test_zero_area_ring_is_refused() -> None:
    flat = polygon_json([[0, 0], [1, 0], [2, 0], [0, 0]])
    assert "geometry.coordinates" in refused(flat).message


def test_valid_polygon_with_hole_is_oriented_per_rfc7946() -> None:
    clockwise = square(0, 0, 10)[::-1]
    hole = square(2, 2, 2)  # counter-clockwise: the wrong way round for a hole
    shape = parse_geometry(
        {"type": "Polygon", "crs": "sector-km", "coordinates": [clockwise, hole]}
    )
    assert shape.area == pytest.approx(96.0)
    assert shape.exterior.is_ccw
    assert not shape.interiors[0].is_ccw


def test_valid_multipolygon() -> None:
    obj = {
        "type": "MultiPolygon",
        "crs": "sector-km",
        "coordinates": [[square(0, 0)], [square(5, 5, 2)]],
    }
    assert parse_geometry(obj).area == pytest.approx(5.0)


SECTOR = box(0, 0, 100, 100)


def test_within_and_crossing_the_sector() -> None:
    assert within_sector(box(0, 0, 10, 10), SECTOR)  # on the boundary is inside
    assert not crosses_boundary(box(0, 0, 10, 10), SECTOR)
    assert crosses_boundary(box(95, 95, 105, 105), SECTOR)
    assert not crosses_boundary(box(200, 200, 210, 210), SECTOR)


def test_reject_policy_refuses_a_crossing_claim() -> None:
    with pytest.raises(ClaimError, match=GeometryProblem.CROSSES_BOUNDARY.value):
        fit_to_sector(box(95, 95, 105, 105), SECTOR, policy="reject")


def test_clip_policy_keeps_the_part_inside() -> None:
    clipped = fit_to_sector(box(95, 95, 105, 105), SECTOR, policy="clip")
    assert clipped.area == pytest.approx(25.0)
    assert within_sector(clipped, SECTOR)


@pytest.mark.parametrize("policy", ["reject", "clip"])
@pytest.mark.parametrize("outside", [box(200, 200, 210, 210), box(100, 0, 110, 10)])
def test_claim_outside_the_sector_is_refused_under_either_policy(policy: Any, outside: Any) -> None:
    with pytest.raises(ClaimError, match=GeometryProblem.OUTSIDE_SECTOR.value):
        fit_to_sector(outside, SECTOR, policy=policy)


def test_claim_inside_is_returned_unchanged() -> None:
    inside = box(10, 10, 20, 20)
    assert fit_to_sector(inside, SECTOR, policy="reject") is inside

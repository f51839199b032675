"""Claim geometry: GeoJSON in, checked shapely polygons out.

Claims are filed as GeoJSON geometry objects (RFC 7946 §3.1) whose positions are planar
kilometres in the sector's own grid, not WGS 84 longitude/latitude. Because RFC 7946 §4
fixes the coordinate reference system to WGS 84, every claim geometry must say it is
different: a ``crs`` foreign member (RFC 7946 §6.1) with the value ``"sector-km"``.

Every problem is reported as a :class:`~concord.errors.ClaimError` whose message names
the field (``geometry.coordinates[0][3]``) and one of the :class:`GeometryProblem`
reasons, so a filer can fix the exact position.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Literal, TypeAlias

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from concord.errors import ClaimError

SECTOR_CRS = "sector-km"
# A sector grid spans at most a few thousand km; anything beyond this is a filing made in
# another coordinate system (metres, or a projected grid) rather than a real claim.
MAX_ABS_KM = 100_000.0

ClaimShape: TypeAlias = Polygon | MultiPolygon
BoundaryPolicy = Literal["reject", "clip"]


class GeometryProblem(StrEnum):
    """Why a claim geometry was refused; the value is the text a filer sees."""

    NOT_AN_OBJECT = "geometry must be a GeoJSON object"
    WRONG_TYPE = "type must be Polygon or MultiPolygon"
    WRONG_CRS = 'crs must be "sector-km" (planar kilometres of the sector grid)'
    MALFORMED = "coordinates are not nested arrays of [x_km, y_km] positions"
    NON_FINITE = "coordinate is not a finite number"
    OUT_OF_RANGE = f"coordinate outside ±{MAX_ABS_KM:,.0f} km (wrong coordinate system?)"
    EMPTY = "geometry is empty"
    TOO_FEW_POSITIONS = "linear ring has fewer than 4 positions"
    RING_NOT_CLOSED = "linear ring is not closed (first and last positions differ)"
    INVALID = "geometry is not valid"
    ZERO_AREA = "geometry has zero area"
    OUTSIDE_SECTOR = "geometry lies outside the sector boundary"
    CROSSES_BOUNDARY = "geometry crosses the sector boundary"


def _fail(path: str, problem: GeometryProblem, detail: str = "") -> ClaimError:
    message = f"{path}: {problem.value}"
    return ClaimError(message + (f" ({detail})" if detail else ""), details=[problem.name])


def parse_geometry(obj: object, *, field: str = "geometry") -> ClaimShape:
    """Check a GeoJSON Polygon or MultiPolygon and return it as an oriented shapely shape.

    Exterior rings are re-oriented counter-clockwise and holes clockwise, as RFC 7946
    §3.1.6 asks of writers; readers must not reject the other winding, so neither do we.
    """
    if not isinstance(obj, Mapping):
        raise _fail(field, GeometryProblem.NOT_AN_OBJECT)
    kind = obj.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise _fail(f"{field}.type", GeometryProblem.WRONG_TYPE, f"got {kind!r}")
    if obj.get("crs") != SECTOR_CRS:
        raise _fail(f"{field}.crs", GeometryProblem.WRONG_CRS, f"got {obj.get('crs')!r}")
    path = f"{field}.coordinates"
    coordinates = obj.get("coordinates")
    if kind == "Polygon":
        shape: ClaimShape = _polygon(coordinates, path)
    else:
        if not isinstance(coordinates, list):
            raise _fail(path, GeometryProblem.MALFORMED)
        if not coordinates:
            raise _fail(path, GeometryProblem.EMPTY)
        shape = MultiPolygon([_polygon(part, f"{path}[{i}]") for i, part in enumerate(coordinates)])
    _check_valid(shape, path)
    oriented: ClaimShape = shapely.orient_polygons(shape)
    return oriented


def _polygon(rings: Any, path: str) -> Polygon:
    # RFC 7946 §3.1.6: a Polygon is an array of linear rings, the first the exterior.
    if not isinstance(rings, list):
        raise _fail(path, GeometryProblem.MALFORMED)
    if not rings:
        raise _fail(path, GeometryProblem.EMPTY)
    checked = [_ring(ring, f"{path}[{i}]") for i, ring in enumerate(rings)]
    return Polygon(checked[0], checked[1:])


def _ring(ring: Any, path: str) -> list[tuple[float, float]]:
    if not isinstance(ring, list):
        raise _fail(path, GeometryProblem.MALFORMED)
    if not ring:
        raise _fail(path, GeometryProblem.EMPTY)
    positions = [_position(p, f"{path}[{i}]") for i, p in enumerate(ring)]
    # RFC 7946 §3.1.6: "a closed LineString with four or more positions", and "the
    # first and last positions are equivalent".
    if len(positions) < 4:
        raise _fail(path, GeometryProblem.TOO_FEW_POSITIONS, f"got {len(positions)}")
    if positions[0] != positions[-1]:
        raise _fail(path, GeometryProblem.RING_NOT_CLOSED)
    return positions


def _position(position: Any, path: str) -> tuple[float, float]:
    # RFC 7946 §3.1.1 allows an optional altitude; a planar sector grid has none.
    if not isinstance(position, Sequence) or isinstance(position, str) or len(position) != 2:
        raise _fail(path, GeometryProblem.MALFORMED)
    values: list[float] = []
    for value in position:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(path, GeometryProblem.MALFORMED, f"got {value!r}")
        if not math.isfinite(value):
            raise _fail(path, GeometryProblem.NON_FINITE, f"got {value!r}")
        if abs(value) > MAX_ABS_KM:
            raise _fail(path, GeometryProblem.OUT_OF_RANGE, f"got {value!r}")
        values.append(float(value))
    return values[0], values[1]


def _check_valid(shape: ClaimShape, path: str) -> None:
    if shape.is_empty:
        raise _fail(path, GeometryProblem.EMPTY)
    reason = str(shapely.is_valid_reason(shape))
    if reason != "Valid Geometry":
        # GEOS names the fault and where it is, e.g. "Self-intersection[0.5 0.5]".
        raise _fail(path, GeometryProblem.INVALID, reason)
    if shape.area <= 0.0:
        raise _fail(path, GeometryProblem.ZERO_AREA)


def within_sector(shape: BaseGeometry, sector: BaseGeometry) -> bool:
    """Whether the claim lies wholly inside the sector (touching the boundary is inside)."""
    return bool(shapely.covers(sector, shape))


def crosses_boundary(shape: BaseGeometry, sector: BaseGeometry) -> bool:
    """Whether part of the claim lies inside the sector and part outside it."""
    return bool(shapely.intersects(sector, shape)) and not within_sector(shape, sector)


def fit_to_sector(
    shape: ClaimShape, sector: BaseGeometry, *, policy: BoundaryPolicy, field: str = "geometry"
) -> ClaimShape:
    """Apply the treaty's boundary policy to a claim.

    ``"reject"`` refuses any claim not wholly inside the sector; ``"clip"`` keeps the part
    inside. Either way a claim with no area inside the sector is refused.
    """
    if within_sector(shape, sector):
        return shape
    inside = _polygonal(shapely.intersection(shape, sector))
    if inside is None:
        raise _fail(field, GeometryProblem.OUTSIDE_SECTOR)
    if policy == "reject":
        outside_km2 = shape.area - inside.area
        raise _fail(field, GeometryProblem.CROSSES_BOUNDARY, f"{outside_km2:.3f} km² outside")
    return inside


def _polygonal(shape: BaseGeometry) -> ClaimShape | None:
    """The polygonal part of an intersection result, dropping shared edges and points."""
    flat = shapely.get_parts(shapely.get_parts(shape))  # collections may nest one level
    parts = [p for p in flat if isinstance(p, Polygon) and p.area > 0.0]
    if not parts:
        return None
    polygonal: ClaimShape = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return polygonal

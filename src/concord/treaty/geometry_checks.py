"""Sector boundaries: valid polygons, zones inside their parent, no overlapping siblings."""

from __future__ import annotations

from shapely.geometry import Polygon
from shapely.validation import explain_validity

from concord.treaty.dating import overlap
from concord.treaty.loader import Locator
from concord.treaty.models import Sector, Treaty
from concord.treaty.problems import PathPart, Problem
from concord.treaty.refs import check_effective, provision_ids, unknown_refs

#: Areas below this (km²) are rounding, not overlap.
_AREA_TOLERANCE = 1e-6


def sector_polygon(sector: Sector) -> Polygon:
    """The sector's boundary as a shapely polygon (km, treaty plane)."""
    return Polygon(sector.boundary)


def check_sectors(treaty: Treaty, locate: Locator) -> list[Problem]:
    parties = {p.id for p in treaty.parties}
    provisions = provision_ids(treaty)
    by_id = {s.id: s for s in treaty.sectors}
    out: list[Problem] = []
    polygons: dict[str, Polygon] = {}
    for i, sector in enumerate(treaty.sectors):
        path: list[PathPart] = ["sectors", i]
        out += unknown_refs(sector.allocated_to, parties, [*path, "allocated_to"], locate, "party")
        out += unknown_refs(sector.cites, provisions, [*path, "cites"], locate, "provision")
        out += check_effective(sector, path, treaty, locate)
        if sector.parent is not None and sector.parent not in by_id:
            out.append(locate([*path, "parent"], f'unknown sector "{sector.parent}"'))
        if sector.parent == sector.id:
            out.append(locate([*path, "parent"], "a sector cannot be its own parent"))
        polygon = sector_polygon(sector)
        if not polygon.is_valid or polygon.area <= _AREA_TOLERANCE:
            reason = explain_validity(polygon) if not polygon.is_valid else "zero area"
            out.append(locate([*path, "boundary"], f"not a simple polygon: {reason}"))
        else:
            polygons[sector.id] = polygon
    out += _check_nesting(treaty, polygons, locate)
    return out


def _check_nesting(treaty: Treaty, polygons: dict[str, Polygon], locate: Locator) -> list[Problem]:
    out = []
    eif = treaty.dates.entry_into_force
    sectors = treaty.sectors
    for i, sector in enumerate(sectors):
        shape = polygons.get(sector.id)
        parent = polygons.get(sector.parent or "")
        if shape is not None and parent is not None:
            outside = shape.difference(parent).area
            if outside > _AREA_TOLERANCE:
                out.append(
                    locate(
                        ["sectors", i, "boundary"],
                        f'{outside:.3f} km² lies outside its parent "{sector.parent}"',
                    )
                )
        for j in range(i):
            other = sectors[j]
            other_shape = polygons.get(other.id)
            if shape is None or other_shape is None or other.parent != sector.parent:
                continue
            if not overlap(sector, other, eif):
                continue
            common = shape.intersection(other_shape).area
            if common > _AREA_TOLERANCE:
                out.append(
                    locate(
                        ["sectors", i, "boundary"],
                        f'overlaps sector "{other.id}" by {common:.3f} km²',
                    )
                )
    return out

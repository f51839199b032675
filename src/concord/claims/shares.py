"""What the compliance requirements read from the registry: holder shares and site claims.

* ``holder_shares`` feeds the no-monopoly cap (Station Unity Art. 37, R14): each holder's
  union of valid claims in a sector, over the sector's area. Every holder counts,
  Signatory or third party alike (Art. 36, 38); a holder's overlapping claims count once.
* ``site_claims`` feeds "extraction respects the claims that prevail" (R15): for each
  extraction site, the claims whose holder may work that point on the day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from concord.claims import store
from concord.claims.rules import sector_lineage
from concord.claims.service import RegistryOnDay, registry_on, resolutions_by_pair
from concord.claims.settlement import Settlement


@dataclass(frozen=True)
class HolderShare:
    sector: str
    holder: str
    area_km2: float
    share: float  # of the sector's area
    claim_ids: tuple[str, ...] = ()  # the claims whose union this is


@dataclass(frozen=True)
class SiteClaim:
    site: str
    claim_id: str
    holder: str


def _valid(day: RegistryOnDay) -> list[tuple[str, str, str, str]]:
    """(claim id, holder, sector, geometry) of the claims holding ground on the day."""
    lapsed = {s.claim_id for s in day.settlement.standings if s.status == "lapsed"}
    return [
        (c.claim_id, c.holder, c.sector, c.geometry) for c in day.claims if c.claim_id not in lapsed
    ]


def covered_area(shapes: Sequence[BaseGeometry], sector: BaseGeometry) -> float:
    """The area of the sector that ``shapes`` cover (km²).

    Art. 37 "claims covering": the union counts ground claimed twice once, so the area is
    never more than the sector's nor than the claims' areas added up.
    """
    if not shapes:
        return 0.0
    return float(shapely.area(shapely.intersection(shapely.union_all(shapes), sector)))


def holder_shares(
    session: Session, at: date, *, recorded_before: int | None = None
) -> list[HolderShare]:
    """Each holder's share of each sector's area on ``at`` (a zone also counts in its parent)."""
    return shares_on(registry_on(session, at, recorded_before=recorded_before))


def shares_on(day: RegistryOnDay) -> list[HolderShare]:
    """``holder_shares`` on a registry already settled for its day."""
    sectors = {s.id: Polygon(s.boundary) for s in day.version.sectors()}
    valid = _valid(day)
    shapes = store.shapes_of([g for *_, g in valid])
    held: dict[tuple[str, str], list[tuple[str, BaseGeometry]]] = defaultdict(list)
    for (claim_id, holder, sector, _), shape in zip(valid, shapes, strict=True):
        for enclosing in sector_lineage(day.version, sector):
            if enclosing in sectors:
                held[enclosing, holder].append((claim_id, shape))
    rows = []
    for (sector, holder), parts in sorted(held.items()):
        area = covered_area([s for _, s in parts], sectors[sector])
        ids = tuple(sorted(c for c, _ in parts))
        rows.append(HolderShare(sector, holder, area, area / float(sectors[sector].area), ids))
    return rows


def site_claims(
    session: Session,
    sites: Sequence[tuple[str, float, float]],
    at: date,
    *,
    recorded_before: int | None = None,
) -> list[SiteClaim]:
    """For each site ``(site, x, y)``, the valid claims that give their holder the point.

    A claim that yields to another claim covering the same point does not (Art. 9); nor
    does either claim of a contested overlap while its case is open (Art. 10(2), 17(2)).
    """
    return site_claims_on(registry_on(session, at, recorded_before=recorded_before), sites)


def site_claims_on(
    day: RegistryOnDay, sites: Sequence[tuple[str, float, float]]
) -> list[SiteClaim]:
    """``site_claims`` on a registry already settled for its day."""
    valid = _valid(day)
    if not valid or not sites:
        return []
    shapes = store.shapes_of([g for *_, g in valid])
    points = np.empty(len(sites), dtype=object)
    points[:] = [Point(x, y) for _, x, y in sites]
    site_index, claim_index = shapely.STRtree(shapes).query(points, predicate="covered_by")
    covering: dict[int, list[int]] = defaultdict(list)
    for s, c in zip(site_index.tolist(), claim_index.tolist(), strict=True):
        covering[s].append(c)
    holders = {claim_id: holder for claim_id, holder, *_ in valid}
    out = []
    for s in sorted(covering):
        ids = [valid[c][0] for c in covering[s]]
        for claim_id in sorted(_prevailing(ids, day.settlement)):
            out.append(SiteClaim(sites[s][0], claim_id, holders[claim_id]))
    return sorted(out, key=lambda r: (r.site, r.claim_id))


def _prevailing(ids: Sequence[str], settlement: Settlement) -> set[str]:
    """The claims at one point that neither yield nor stand contested there."""
    by_pair = resolutions_by_pair(settlement)
    keep = set(ids)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            resolution = by_pair.get(frozenset((a, b)))
            if resolution is None:
                continue
            if resolution.contested:
                keep -= {a, b}
            elif resolution.loser is not None:
                keep.discard(resolution.loser)
    return keep

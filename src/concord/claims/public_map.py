"""The public map of a sector from the registry (Station Unity Art. 14)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import shapely
from shapely.geometry import Polygon
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims import store
from concord.claims.map import MapClaim, MapSite, render_sector_map
from concord.claims.models import Claim
from concord.claims.rules import sector_in_force, sector_lineage
from concord.claims.service import registry_on


def sector_map(
    session: Session,
    sector_id: str,
    at: date,
    *,
    sites: Sequence[tuple[str, MapSite]] = (),
    colours: Mapping[str, str] | None = None,
) -> tuple[bytes, bytes]:
    """The map of ``sector_id`` on ``at`` as (SVG, PNG): every claim filed in it or in one
    of its zones by then (ended claims dashed), contested ground hatched, and the
    ``sites`` ((sector, site) pairs) that lie in it or its zones."""
    day = registry_on(session, at)
    sector = sector_in_force(day.version, sector_id)
    claims = [
        c
        for c in session.scalars(select(Claim).order_by(Claim.claim_id))
        if store.utc(c.filed_at).date() <= at and sector_id in sector_lineage(day.version, c.sector)
    ]
    shapes = dict(
        zip(
            [c.claim_id for c in claims],
            store.shapes_of([c.geometry for c in claims]),
            strict=True,
        )
    )
    lapsed = {s.claim_id for s in day.settlement.standings if s.status == "lapsed"}
    drawn = [
        MapClaim(
            c.claim_id,
            c.holder,
            shapes[c.claim_id],
            "lapsed" if c.claim_id in lapsed else c.status,
        )
        for c in claims
    ]
    contested = [
        shapely.intersection(shapes[r.claim_a], shapes[r.claim_b])
        for r in day.settlement.contested
        if r.claim_a in shapes and r.claim_b in shapes
    ]
    title = f"{sector.name} — claims on {at}"
    here = [site for named, site in sites if sector_id in sector_lineage(day.version, named)]
    return render_sector_map(
        Polygon(sector.boundary), drawn, contested, title, sites=here, colours=colours
    )

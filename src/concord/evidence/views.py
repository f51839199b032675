"""The registered extraction sites as GeoJSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims.geometry import SECTOR_CRS
from concord.evidence.models import EvidenceSite


def sites_feature_collection(session: Session) -> dict[str, Any]:
    """Every registered site as a GeoJSON Point on the sector grid (kilometres, ``crs``
    ``"sector-km"`` as for claims)."""
    features = [
        {
            "type": "Feature",
            "id": site.site_id,
            "geometry": {"type": "Point", "coordinates": [site.x, site.y]},
            "properties": {
                "site_id": site.site_id,
                "name": site.name,
                "sector": site.sector,
                "operator": site.operator,
                "minerals": [m for m in site.minerals.split(",") if m],
                "log_index": site.log_index,
            },
        }
        for site in session.scalars(select(EvidenceSite).order_by(EvidenceSite.site_id))
    ]
    return {"type": "FeatureCollection", "crs": SECTOR_CRS, "features": features}

"""The public claims registry as GeoJSON (Art. 8(1): a public map of every claim)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims import store
from concord.claims.geometry import SECTOR_CRS
from concord.claims.models import Claim


def claims_feature_collection(session: Session) -> dict[str, Any]:
    """Every claim ever filed as a GeoJSON Feature, with its tenure status.

    Coordinates are on the sector grid in kilometres, marked as filings are by the
    ``crs`` foreign member ``"sector-km"`` (RFC 7946 §6.1), not WGS 84.
    """
    features = []
    for claim in session.scalars(select(Claim).order_by(Claim.claim_id)):
        registered = store.utc(claim.registered_at) if claim.registered_at else None
        features.append(
            {
                "type": "Feature",
                "id": claim.claim_id,
                "geometry": json.loads(claim.geometry),
                "properties": {
                    "claim_id": claim.claim_id,
                    "holder": claim.holder,
                    "mineral": claim.mineral,
                    "sector": claim.sector,
                    "status": claim.status,
                    "area_km2": claim.area_km2,
                    "filed_at": store.utc(claim.filed_at).isoformat(),
                    "registered_at": registered.isoformat() if registered else None,
                    "log_index": claim.log_index,
                },
            }
        )
    return {"type": "FeatureCollection", "crs": SECTOR_CRS, "features": features}

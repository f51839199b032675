"""The overlap check of a new or amended claim against every live claim (Art. 10(1)).

Building a spatial index over the whole registry for every filing would make a replay
quadratic, so each process keeps one :class:`~concord.claims.overlaps.ClaimIndex` per
database, tagged with the registry position it was built at (the log index and statement
id of the newest history entry). A check uses the cached index for the claims unchanged
since then and tests the few claims changed since directly; past a limit it rebuilds.

The cache must never outlive the state it was built from. The log is append-only, so a
position that still holds the same statement describes the same registry — unless the
transaction that wrote it is rolled back, which is why any rollback empties the cache.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import event
from sqlalchemy.orm import Session

from concord.claims import store
from concord.claims.overlaps import MIN_OVERLAP_KM2, ClaimIndex, Overlap

#: Rebuild the index once this many claims (or one in REBUILD_FRACTION) changed since.
MIN_REBUILD = 64
REBUILD_FRACTION = 8


@dataclass(frozen=True)
class _Cached:
    position: tuple[int, str]
    index: ClaimIndex


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(_session: Any) -> None:
    with _lock:
        _cache.clear()


def _database(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def _build(session: Session, position: tuple[int, str]) -> ClaimIndex:
    claims = store.live_claims(session)
    index = ClaimIndex([c.claim_id for c in claims], store.shapes_of([c.geometry for c in claims]))
    with _lock:
        _cache[_database(session)] = _Cached(position, index)
    return index


def _changed_since_build(session: Session, cached: _Cached | None) -> set[str] | None:
    """The claims changed since ``cached`` was built, or None if it must be rebuilt."""
    if cached is None:
        return None
    since, statement_id = cached.position
    if store.statement_at(session, since) != statement_id:
        return None
    changed = store.changed_since(session, since)
    if len(changed) > max(MIN_REBUILD, len(cached.index) // REBUILD_FRACTION):
        return None
    return changed


def overlaps_with_registry(session: Session, claim_id: str, shape: BaseGeometry) -> list[Overlap]:
    """The live claims that ``shape`` overlaps, largest overlap first (its own id skipped)."""
    with _lock:
        cached = _cache.get(_database(session))
    changed = _changed_since_build(session, cached)
    if cached is None or changed is None:
        position = store.latest_event(session)
        if position is None:
            return []
        return _build(session, position).overlaps(shape, claim_id=claim_id)
    found = [o for o in cached.index.overlaps(shape, claim_id=claim_id) if o.claim_b not in changed]
    if changed:
        fresh = store.live_claims(session, sorted(changed))
        if fresh:
            delta = ClaimIndex(
                [c.claim_id for c in fresh], store.shapes_of([c.geometry for c in fresh])
            )
            found += delta.overlaps(shape, claim_id=claim_id)
    return _canonical(session, claim_id, shape, sorted({o.claim_b for o in found}))


def _canonical(
    session: Session, claim_id: str, shape: BaseGeometry, others: list[str]
) -> list[Overlap]:
    """The overlaps measured with the operands in claim-id order.

    GEOS may round the last bit differently when the operands of an intersection are
    swapped; measuring each pair in one fixed order keeps the recorded areas independent
    of which claim of the pair was filed later.
    """
    if not others:
        return []
    rows = store.live_claims(session, others)
    theirs = store.shapes_of([c.geometry for c in rows])
    mine = np.full(len(rows), shape, dtype=object)
    first_is_mine = np.array([claim_id < c.claim_id for c in rows])
    left = np.where(first_is_mine, mine, theirs)
    right = np.where(first_is_mine, theirs, mine)
    common = shapely.area(shapely.intersection(left, right))
    own, their_areas = float(shape.area), shapely.area(theirs)
    found = [
        Overlap(claim_id, c.claim_id, float(area), float(area) / own, float(area / other))
        for c, area, other in zip(rows, common, their_areas, strict=True)
        if area > MIN_OVERLAP_KM2
    ]
    return sorted(found, key=lambda o: (-o.area_km2, o.claim_b))

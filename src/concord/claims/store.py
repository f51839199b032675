"""Reading and writing the claims projection: rows in, tenure and shapes out.

The tenure of a claim is not stored as a blob: it is replayed from its ``claim_event``
rows, so the history shown to the public (Station Unity Art. 12) is the very data the
state machine runs on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from concord.claims import checks, tenure
from concord.claims.geometry import SECTOR_CRS, parse_geometry
from concord.claims.models import Claim, ClaimEvent, ClaimOverlap
from concord.claims.overlaps import GeometryArray, Overlap
from concord.errors import ClaimError
from concord.identity.dsse import parse_envelope
from concord.ledger.models import LedgerEntry
from concord.ledger.statements import Statement
from concord.treaty.registry import treaty_in_force

#: Tenure statuses that still hold ground.
LIVE_STATUSES = ("filed", "registered", "amended", "transferred", "contested")


def utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive UTC values)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def geometry_json(shape: BaseGeometry) -> str:
    """The claim's ground as GeoJSON text in the sector grid (RFC 7946 §6.1 ``crs`` member).

    Python's float repr round-trips exactly, so a rebuilt registry reads back the very
    same coordinates.
    """
    obj = {**mapping(shape), "crs": SECTOR_CRS}
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def shapes_of(texts: Sequence[str]) -> GeometryArray:
    """Stored GeoJSON texts as shapely geometries, in one vectorised call."""
    array = np.empty(len(texts), dtype=object)
    array[:] = list(texts)
    shapes: GeometryArray = shapely.from_geojson(array)
    return shapes


def shape_of(text: str) -> BaseGeometry:
    geometry: BaseGeometry = shapely.from_geojson(text)
    return geometry


def get_claim(session: Session, claim_id: str) -> Claim:
    """The claim's current row; an unknown id is a ClaimError."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise ClaimError(
            f"claim {claim_id} is not in the registry",
            details=["file it first with a claims.filed statement"],
        )
    return claim


def events_of(session: Session, claim_id: str) -> list[ClaimEvent]:
    query = select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.seq)
    return list(session.scalars(query))


_Builder = Callable[[ClaimEvent, datetime, str], tenure.TenureEvent]
#: How each history row becomes the tenure event it records (``prev``: the holder before).
_EVENTS: dict[str, _Builder] = {
    "filed": lambda row, at, prev: tenure.Filed(at, row.holder),
    "registered": lambda row, at, prev: tenure.Registered(at),
    "amended": lambda row, at, prev: tenure.Amended(at, row.holder),
    "transferred": lambda row, at, prev: tenure.Transferred(at, prev, row.holder),
    "relinquished": lambda row, at, prev: tenure.Relinquished(at, row.holder),
    "lapsed": lambda row, at, prev: tenure.Lapsed(at, row.note),
    "contested": lambda row, at, prev: tenure.Contested(at, row.case_id or ""),
    "ruled": lambda row, at, prev: tenure.Ruled(
        at, row.case_id or "", upheld=row.status != "revoked"
    ),
}


def _tenure_event(row: ClaimEvent, previous_holder: str) -> tenure.TenureEvent:
    build = _EVENTS.get(row.event)
    if build is None:
        raise ClaimError(f"claim {row.claim_id}: unknown tenure event {row.event!r}")
    return build(row, utc(row.at), previous_holder)


def tenure_of(session: Session, claim_id: str) -> tenure.Tenure:
    """The claim's tenure, replayed from its history rows."""
    state = tenure.Tenure(claim_id)
    for row in events_of(session, claim_id):
        state = state.apply(_tenure_event(row, state.holder or ""))
    return state


def event_note(event: tenure.TenureEvent) -> str:
    if isinstance(event, tenure.Lapsed):
        return event.reason
    return ""


def record_event(
    session: Session,
    before: tenure.Tenure,
    event: tenure.TenureEvent,
    statement: Statement,
    index: int,
) -> tenure.Tenure:
    """Apply ``event`` to the claim's tenure, append the history row, update its status."""
    after = before.apply(event)
    entry = after.history[-1]
    case_id = event.case_id if isinstance(event, tenure.Contested | tenure.Ruled) else None
    session.add(
        ClaimEvent(
            claim_id=before.claim_id,
            seq=len(after.history),
            at=entry.at.astimezone(UTC),
            event=type(event).__name__.lower(),
            status=entry.status,
            holder=entry.holder,
            case_id=case_id,
            note=event_note(event),
            statement_id=statement.id,
            log_index=index,
        )
    )
    claim = session.get(Claim, before.claim_id)
    if claim is not None:
        claim.status = entry.status
        claim.holder = entry.holder
        if entry.status in tenure.FINAL:
            release_overlaps(session, before.claim_id)
    return after


def release_overlaps(session: Session, claim_id: str) -> None:
    """A claim that no longer holds ground no longer conflicts with anything."""
    session.execute(
        delete(ClaimOverlap).where(
            or_(ClaimOverlap.claim_a == claim_id, ClaimOverlap.claim_b == claim_id)
        )
    )


def record_overlaps(session: Session, claim_id: str, found: Sequence[Overlap], index: int) -> None:
    """Replace the claim's overlap rows with ``found`` (each pair stored with a < b)."""
    release_overlaps(session, claim_id)
    for overlap in found:
        a, b = sorted((overlap.claim_a, overlap.claim_b))
        share_a, share_b = (
            (overlap.share_a, overlap.share_b)
            if a == overlap.claim_a
            else (overlap.share_b, overlap.share_a)
        )
        session.add(
            ClaimOverlap(
                claim_a=a,
                claim_b=b,
                area_km2=overlap.area_km2,
                share_a=share_a,
                share_b=share_b,
                log_index=index,
            )
        )


def latest_event(session: Session) -> tuple[int, str] | None:
    """Log index and statement id of the newest change to the registry, if any."""
    newest = session.scalar(select(func.max(ClaimEvent.log_index)))
    if newest is None:
        return None
    return int(newest), statement_at(session, int(newest)) or ""


def statement_at(session: Session, index: int) -> str | None:
    """The statement that changed the registry at log index ``index``, if one did."""
    query = select(ClaimEvent.statement_id).where(ClaimEvent.log_index == index).limit(1)
    found: str | None = session.scalar(query)
    return found


def changed_since(session: Session, index: int) -> set[str]:
    """Ids of the claims with a history entry after log index ``index``."""
    query = select(ClaimEvent.claim_id).where(ClaimEvent.log_index > index).distinct()
    return set(session.scalars(query))


def claims_on(session: Session, day: date, *, recorded_before: int | None = None) -> list[Claim]:
    """The claims that held ground on ``day``, each with its holder and registration then.

    Two times (ARCHITECTURE §5): a claim counts when its tenure history, read up to the
    end of ``day`` (valid time), leaves it live; with ``recorded_before``, only the
    history logged below that log index counts (record time: what a checkpoint holds).
    A claim filed, relinquished, lapsed or transferred later does not change the day.
    The rows returned are detached copies; the projection itself is not touched.
    """
    end = datetime.combine(day, time.max, UTC)
    latest: dict[str, ClaimEvent] = {}
    registered: dict[str, datetime] = {}
    ground: dict[str, ClaimEvent] = {}  # the filing or amendment that set the ground then
    newest_ground: dict[str, int] = {}  # log index of the one the projection holds
    for row in session.scalars(select(ClaimEvent).order_by(ClaimEvent.claim_id, ClaimEvent.seq)):
        if row.event in _GROUND_EVENTS:
            newest_ground[row.claim_id] = row.log_index
        if utc(row.at) > end or (recorded_before is not None and row.log_index >= recorded_before):
            continue
        latest[row.claim_id] = row
        if row.event in _GROUND_EVENTS:
            ground[row.claim_id] = row
        if row.event == "registered":
            registered.setdefault(row.claim_id, utc(row.at))
    live = sorted(c for c, row in latest.items() if row.status in LIVE_STATUSES)
    out = []
    for claim in session.scalars(select(Claim).where(Claim.claim_id.in_(live))):
        row = latest[claim.claim_id]
        geometry, area = claim.geometry, claim.area_km2
        then = ground[claim.claim_id]
        if then.log_index != newest_ground[claim.claim_id]:
            # Amended later: the ground as that earlier filing or amendment set it.
            shape = _ground_set_by(session, claim, then)
            geometry, area = geometry_json(shape), float(shape.area)
        out.append(
            Claim(
                claim_id=claim.claim_id,
                holder=row.holder,
                mineral=claim.mineral,
                sector=claim.sector,
                status=row.status,
                geometry=geometry,
                area_km2=area,
                filed_at=claim.filed_at,
                registered_at=registered.get(claim.claim_id),
                log_index=claim.log_index,
            )
        )
    return sorted(out, key=lambda c: c.claim_id)


#: Tenure events that set a claim's ground.
_GROUND_EVENTS = ("filed", "amended")


def _ground_set_by(session: Session, claim: Claim, row: ClaimEvent) -> BaseGeometry:
    """The ground that the filing or amendment at ``row`` gave the claim, computed again
    from its logged statement exactly as the registry applied it (Art. 7 boundary policy
    of the treaty in force on the day it was entered)."""
    entry = session.scalar(select(LedgerEntry.entry).where(LedgerEntry.idx == row.log_index))
    if entry is None:
        raise ClaimError(f"claim {claim.claim_id}: log entry {row.log_index} is missing")
    payload = json.loads(parse_envelope(bytes(entry)).payload)
    geometry = parse_geometry(payload["body"]["geometry"])
    issued = datetime.fromisoformat(str(payload["issued_at"]).replace("Z", "+00:00"))
    version = treaty_in_force(session, issued.date())
    ground: BaseGeometry = checks.claim_ground(version, claim.sector, row.holder, geometry)
    return ground


def live_claims(session: Session, ids: Sequence[str] | None = None) -> list[Claim]:
    """Claims that still hold ground, by id (optionally only those in ``ids``)."""
    query = select(Claim).where(Claim.status.in_(LIVE_STATUSES)).order_by(Claim.claim_id)
    if ids is not None:
        query = query.where(Claim.claim_id.in_(list(ids)))
    return list(session.scalars(query))

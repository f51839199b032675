"""What the priority rules know about registered claims, read from the projection."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims import store
from concord.claims.models import Claim, ClaimActivity, ClaimEvent
from concord.claims.priority import ActivityRecord, ClaimFacts
from concord.claims.rules import sector_lineage
from concord.identity.dsse import parse_envelope
from concord.ledger.models import LedgerEntry
from concord.treaty.versions import TreatyVersion


def quarter_bounds(period: str) -> tuple[date, date]:
    """First and last day of a quarter written ``2187-Q2`` (Art. 6(2): calendar quarters)."""
    year, quarter = int(period[:4]), int(period[-1])
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, last - timedelta(days=1)


def _activity(
    session: Session, ids: Sequence[str], recorded_before: int | None = None
) -> dict[str, list[ActivityRecord]]:
    found: dict[str, list[ActivityRecord]] = defaultdict(list)
    query = select(ClaimActivity).order_by(ClaimActivity.claim_id, ClaimActivity.period)
    if recorded_before is not None:
        query = query.where(ClaimActivity.log_index < recorded_before)
    if len(ids) < 1000:
        query = query.where(ClaimActivity.claim_id.in_(list(ids)))
    wanted = set(ids)
    for row in session.scalars(query):
        if row.claim_id not in wanted:
            continue
        first, last = quarter_bounds(row.period)
        found[row.claim_id].append(
            ActivityRecord(
                period_start=first,
                period_end=last,
                reported_on=store.utc(row.reported_at).date(),
                operational=row.operational,
                worked_area=store.shape_of(row.worked_area) if row.worked_area else None,
            )
        )
    return found


def entry_days(
    session: Session, ids: Sequence[str], recorded_before: int | None = None
) -> dict[str, date]:
    """The day the Office entered each claim in the registry: its ``claims.registered``
    statement's time. The log keeps no time of its own for an entry, and the filing's
    times are the filer's; the registration is the Office's own signed act."""
    query = select(ClaimEvent.claim_id, ClaimEvent.log_index).where(
        ClaimEvent.event == "registered"
    )
    if recorded_before is not None:
        query = query.where(ClaimEvent.log_index < recorded_before)
    wanted = set(ids)
    indexes = {c: i for c, i in session.execute(query) if c in wanted}
    if not indexes:
        return {}
    rows = session.execute(
        select(LedgerEntry.idx, LedgerEntry.entry).where(
            LedgerEntry.idx.in_(sorted(set(indexes.values())))
        )
    )
    days = {
        int(idx): date.fromisoformat(
            str(json.loads(parse_envelope(bytes(entry)).payload)["issued_at"])[:10]
        )
        for idx, entry in rows
    }
    return {c: days[i] for c, i in indexes.items() if i in days}


def claim_facts(
    session: Session,
    claims: Sequence[Claim],
    version: TreatyVersion,
    *,
    at: date | None = None,
    recorded_before: int | None = None,
) -> list[ClaimFacts]:
    """The claims as the priority rules see them (registration counted from ``at`` on;
    activity reports logged below ``recorded_before`` only, when it is given)."""
    activity = _activity(session, [c.claim_id for c in claims], recorded_before)
    entered = entry_days(session, [c.claim_id for c in claims], recorded_before)
    shapes = store.shapes_of([c.geometry for c in claims])
    facts = []
    for claim, shape in zip(claims, shapes, strict=True):
        registered = store.utc(claim.registered_at).date() if claim.registered_at else None
        if at is not None and registered is not None and registered > at:
            registered = None
        facts.append(
            ClaimFacts(
                claim_id=claim.claim_id,
                holder=claim.holder,
                filed_at=store.utc(claim.filed_at),
                geometry=shape,
                registered_on=registered,
                activity=tuple(activity.get(claim.claim_id, ())),
                sectors=sector_lineage(version, claim.sector),
                received=claim.log_index,
                entered_on=entered.get(claim.claim_id),
            )
        )
    return facts

"""The claims registry's rows in the analytic store (DuckDB), for the compliance engine.

The evidence store calls :func:`load_claims` after loading a log prefix. For every
reporting period of the treaty's calendar up to the day of the prefix's last statement,
it fills ``claims(period, claim_id, holder, sector, status, area_km2)``,
``site_claims(period, site, claim_id, holder)`` and
``holder_areas(period, sector, holder, area_km2, claim_ids)`` with the registry as it
stood on the period's last day (or on the prefix's last day, if earlier), counting only
what the prefix records. A period is judged on the claims valid in it (ARCHITECTURE §5,
"two times"): a claim filed, lapsed or relinquished after the period does not change
its findings. The same prefix always gives the same rows.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims.service import RegistryOnDay, registry_on
from concord.claims.shares import shares_on, site_claims_on
from concord.errors import NotFoundError
from concord.identity.dsse import parse_envelope
from concord.ledger.models import LedgerEntry
from concord.treaty.calendar import Period, parse_period, periods_between
from concord.treaty.registry import registered_treaty, treaty_in_force

if TYPE_CHECKING:
    import duckdb

    from concord.workspace import Workspace


def day_of_entry(session: Session, index: int) -> date | None:
    """The day the statement at log index ``index`` was issued (None if there is none)."""
    entry = session.scalar(select(LedgerEntry.entry).where(LedgerEntry.idx == index))
    if entry is None:
        return None
    payload = json.loads(parse_envelope(bytes(entry)).payload)
    return date.fromisoformat(str(payload["issued_at"])[:10])


def claims_rows(day: RegistryOnDay) -> list[tuple[str, str, str, str, float]]:
    """``claims`` rows: every claim holding ground on the day, with its tenure status then —
    ``lapsed`` also for a claim whose activity report is overdue that day (Art. 11(2)),
    even before the Office records the lapse."""
    lapsed = {s.claim_id for s in day.settlement.standings if s.status == "lapsed"}
    return [
        (c.claim_id, c.holder, c.sector, "lapsed" if c.claim_id in lapsed else c.status, c.area_km2)
        for c in day.claims
    ]


def site_claims_rows(
    day: RegistryOnDay, sites: list[tuple[str, float, float]]
) -> list[tuple[str, str, str]]:
    """``site_claims`` rows: for each site, the claims whose holder may work it that day."""
    return [(r.site, r.claim_id, r.holder) for r in site_claims_on(day, sites)]


def holder_area_rows(day: RegistryOnDay) -> list[tuple[str, str, float, str]]:
    """``holder_areas`` rows: the ground each holder's claims cover in each sector (Art. 37)."""
    return [(r.sector, r.holder, r.area_km2, ",".join(r.claim_ids)) for r in shares_on(day)]


def _has_treaty(session: Session) -> bool:
    try:
        registered_treaty(session)
    except NotFoundError:
        return False
    return True


def periods_to(session: Session, at: date) -> list[tuple[Period, date]]:
    """Every period of the treaty's calendar up to ``at``, with the day it is judged on."""
    calendar = treaty_in_force(session, at).treaty.calendar
    first = parse_period(calendar.first_period, calendar.period)
    return [(p, min(p.end, at)) for p in periods_between(first, at)]


def load_claims(ws: Workspace, con: duckdb.DuckDBPyConnection, size: int) -> None:
    """Fill the claims tables, period by period, for the log prefix of ``size``."""
    with Session(ws.engine) as session:
        at = day_of_entry(session, size - 1) if size > 0 else None
        if at is None or not _has_treaty(session):
            return
        sites = [
            (str(site), float(x), float(y))
            for site, x, y in con.execute(
                "SELECT site, x, y FROM sites WHERE x IS NOT NULL AND y IS NOT NULL ORDER BY site"
            ).fetchall()
        ]
        claims: list[Any] = []
        pairs: list[Any] = []
        areas: list[Any] = []
        for period, judged_on in periods_to(session, at):
            day = registry_on(session, judged_on, recorded_before=size)
            claims += [(period.id, *r) for r in claims_rows(day)]
            pairs += [(period.id, *r) for r in site_claims_rows(day, sites)]
            areas += [(period.id, *r) for r in holder_area_rows(day)]
    if claims:
        con.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?)", claims)
    if pairs:
        con.executemany("INSERT INTO site_claims VALUES (?, ?, ?, ?)", pairs)
    if areas:
        con.executemany("INSERT INTO holder_areas VALUES (?, ?, ?, ?, ?)", areas)

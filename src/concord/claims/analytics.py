"""The claims registry's rows in the analytic store (DuckDB), for the compliance engine.

The evidence store calls :func:`load_claims` after loading a log prefix. It fills
``claims(claim_id, holder, sector, status, area_km2)`` and
``site_claims(site, claim_id, holder)`` as of the day of the prefix's last statement,
so the same prefix always gives the same rows.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims.service import claims_registry, settle
from concord.claims.shares import SiteClaim, site_claims
from concord.errors import NotFoundError
from concord.identity.dsse import parse_envelope
from concord.ledger.models import LedgerEntry
from concord.treaty.registry import registered_treaty

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


def claims_rows(session: Session, at: date) -> list[tuple[str, str, str, str, float]]:
    """``claims`` rows: every claim filed by ``at``, with its tenure status — ``lapsed``
    also for a claim whose activity report is overdue on ``at`` (Art. 11(2)), even before
    the Office records the lapse."""
    lapsed = {s.claim_id for s in settle(session, at).standings if s.status == "lapsed"}
    return [
        (c.claim_id, c.holder, c.sector, "lapsed" if c.claim_id in lapsed else c.status, c.area_km2)
        for c in claims_registry(session)
        if c.filed_at.date() <= at
    ]


def site_claims_rows(
    session: Session, sites: list[tuple[str, float, float]], at: date
) -> list[tuple[str, str, str]]:
    """``site_claims`` rows: for each site, the claims whose holder may work it on ``at``."""
    found: list[SiteClaim] = site_claims(session, sites, at)
    return [(r.site, r.claim_id, r.holder) for r in found]


def _has_treaty(session: Session) -> bool:
    try:
        registered_treaty(session)
    except NotFoundError:
        return False
    return True


def load_claims(ws: Workspace, con: duckdb.DuckDBPyConnection, size: int) -> None:
    """Fill the ``claims`` and ``site_claims`` tables for the log prefix of ``size``."""
    with Session(ws.engine) as session:
        at = day_of_entry(session, size - 1) if size > 0 else None
        if at is None or not _has_treaty(session):
            return
        claims: list[Any] = claims_rows(session, at)
        sites = [
            (str(site), float(x), float(y))
            for site, x, y in con.execute(
                "SELECT site, x, y FROM sites WHERE x IS NOT NULL AND y IS NOT NULL ORDER BY site"
            ).fetchall()
        ]
        pairs: list[Any] = site_claims_rows(session, sites, at)
    if claims:
        con.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?)", claims)
    if pairs:
        con.executemany("INSERT INTO site_claims VALUES (?, ?, ?)", pairs)

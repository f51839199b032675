"""The claims registry in the ledger: claim statements, their checks and their projection.

Holders file, amend, transfer, relinquish and report activity on their claims; the
Office registers claims and records lapses, contests and rulings. Every statement is
checked against the registry and the treaty in force before it is appended (Station
Unity Art. 8–12), and applying it updates the ``claim*`` tables; replaying the log
rebuilds them exactly.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims import checks, store
from concord.claims.facts import claim_facts
from concord.claims.geometry import ClaimShape
from concord.claims.index_cache import overlaps_with_registry
from concord.claims.models import Claim, ClaimActivity, ClaimOverlap
from concord.claims.priority import lapse_date, rules_in_force
from concord.claims.rules import priority_rules
from concord.claims.schemas import (
    ActivityReported,
    ClaimAmended,
    ClaimFiled,
    ClaimLapsed,
    ClaimRegistered,
    ClaimRelinquished,
    ClaimsContested,
    ClaimsRuled,
    ClaimTransferred,
)
from concord.claims.tenure import FINAL, Tenure
from concord.errors import ClaimError
from concord.identity import roles
from concord.ledger.statements import Statement, StatementType
from concord.treaty.registry import treaty_in_force

B = TypeVar("B", bound=BaseModel)


def _body(statement: Statement, model: type[B]) -> B:
    body = statement.body
    assert isinstance(body, model)
    return body


# -- filing and amending: the overlap check of Art. 10(1) --------------------------------


def _filed_ground(session: Session, statement: Statement, body: ClaimFiled) -> ClaimShape:
    version = checks.treaty_on_entry(session, statement)
    checks.bound_party(version, body.holder)
    return checks.claim_ground(version, body.sector, body.holder, body.geometry.shape())


def _check_filed(session: Session, statement: Statement) -> None:
    body = _body(statement, ClaimFiled)
    checks.acting_for(session, statement, body.holder)
    existing = session.get(Claim, body.claim_id)
    if existing is not None:
        raise ClaimError(
            f"claim id {body.claim_id} is already in the registry "
            f"(filed at log index {existing.log_index}); choose another id"
        )
    checks.not_after_entry(statement, body.filed_at, "filed_at")
    _filed_ground(session, statement, body)


def _apply_filed(session: Session, statement: Statement, index: int) -> None:
    body = _body(statement, ClaimFiled)
    shape = _filed_ground(session, statement, body)
    overlaps = overlaps_with_registry(session, body.claim_id, shape)
    session.add(
        Claim(
            claim_id=body.claim_id,
            holder=body.holder,
            mineral=body.mineral,
            sector=body.sector,
            status="filed",
            geometry=store.geometry_json(shape),
            area_km2=float(shape.area),
            filed_at=store.utc(body.filed_at),
            registered_at=None,
            log_index=index,
        )
    )
    session.flush()
    store.record_event(session, Tenure(body.claim_id), body.tenure_event(), statement, index)
    store.record_overlaps(session, body.claim_id, overlaps, index)
    session.flush()


def _amended_ground(session: Session, statement: Statement, body: ClaimAmended) -> ClaimShape:
    claim = store.get_claim(session, body.claim_id)
    version = checks.treaty_on_entry(session, statement)
    return checks.claim_ground(version, claim.sector, claim.holder, body.geometry.shape())


def _check_amended(session: Session, statement: Statement) -> None:
    body = _body(statement, ClaimAmended)
    store.get_claim(session, body.claim_id)
    checks.acting_for(session, statement, body.holder)
    checks.not_after_entry(statement, body.amended_at, "amended_at")
    store.tenure_of(session, body.claim_id).apply(body.tenure_event())
    _amended_ground(session, statement, body)


def _apply_amended(session: Session, statement: Statement, index: int) -> None:
    body = _body(statement, ClaimAmended)
    shape = _amended_ground(session, statement, body)
    overlaps = overlaps_with_registry(session, body.claim_id, shape)
    claim = store.get_claim(session, body.claim_id)
    claim.geometry = store.geometry_json(shape)
    claim.area_km2 = float(shape.area)
    tenure = store.tenure_of(session, body.claim_id)
    store.record_event(session, tenure, body.tenure_event(), statement, index)
    store.record_overlaps(session, body.claim_id, overlaps, index)
    session.flush()


# -- changes of hands (Art. 12) -------------------------------------------------------


def _check_transferred(session: Session, statement: Statement) -> None:
    body = _body(statement, ClaimTransferred)
    store.get_claim(session, body.claim_id)
    checks.acting_for(session, statement, body.from_holder)
    checks.not_after_entry(statement, body.transferred_at, "transferred_at")
    store.tenure_of(session, body.claim_id).apply(body.tenure_event())
    version = checks.treaty_on_entry(session, statement)
    checks.bound_party(version, body.to_holder, what="recipient")


def _apply_transferred(session: Session, statement: Statement, index: int) -> None:
    body = _body(statement, ClaimTransferred)
    tenure = store.tenure_of(session, body.claim_id)
    store.record_event(session, tenure, body.tenure_event(), statement, index)
    session.flush()


def _check_relinquished(session: Session, statement: Statement) -> None:
    body = _body(statement, ClaimRelinquished)
    store.get_claim(session, body.claim_id)
    checks.acting_for(session, statement, body.holder)
    checks.not_after_entry(statement, body.relinquished_at, "relinquished_at")
    store.tenure_of(session, body.claim_id).apply(body.tenure_event())


def _apply_relinquished(session: Session, statement: Statement, index: int) -> None:
    body = _body(statement, ClaimRelinquished)
    tenure = store.tenure_of(session, body.claim_id)
    store.record_event(session, tenure, body.tenure_event(), statement, index)
    session.flush()


# -- activity reports (Art. 11: use it or lose it) --------------------------------------


def _check_activity(session: Session, statement: Statement) -> None:
    body = _body(statement, ActivityReported)
    claim = store.get_claim(session, body.claim_id)
    checks.acting_for(session, statement, body.holder)
    if body.holder != claim.holder:
        raise ClaimError(
            f"claim {claim.claim_id}: activity reported by {body.holder}, "
            f"who is not the holder ({claim.holder})"
        )
    if claim.status in FINAL:
        raise ClaimError(f"claim {claim.claim_id} is {claim.status}; it takes no activity reports")
    if session.get(ClaimActivity, (body.claim_id, body.period)) is not None:
        raise ClaimError(f"claim {claim.claim_id}: activity for {body.period} is already reported")
    checks.not_after_entry(statement, body.reported_at, "reported_at")
    if body.reported_at.date() < body.period_start:
        raise ClaimError(f"{statement.id}: {body.period} has not begun on {body.reported_at}")
    if body.worked_area is not None:
        ground = store.shape_of(claim.geometry)
        if body.worked_area.shape().intersection(ground).area <= 0.0:
            raise ClaimError(f"claim {claim.claim_id}: the worked area lies outside the claim")


def _apply_activity(session: Session, statement: Statement, index: int) -> None:
    body = _body(statement, ActivityReported)
    worked = body.worked_area
    session.add(
        ClaimActivity(
            claim_id=body.claim_id,
            period=body.period,
            operational=body.operational,
            worked_area=store.geometry_json(worked.shape()) if worked else None,
            reported_at=store.utc(body.reported_at),
            log_index=index,
        )
    )
    session.flush()


# -- the Office's decisions -------------------------------------------------------------


def _check_registered(session: Session, statement: Statement) -> None:
    body = _body(statement, ClaimRegistered)
    store.get_claim(session, body.claim_id)
    checks.not_after_entry(statement, body.registered_at, "registered_at")
    store.tenure_of(session, body.claim_id).apply(body.tenure_event())
    checks.cited_provisions(checks.treaty_on_entry(session, statement), body.cites)


def _apply_registered(session: Session, statement: Statement, index: int) -> None:
    body = _body(statement, ClaimRegistered)
    tenure = store.tenure_of(session, body.claim_id)
    store.record_event(session, tenure, body.tenure_event(), statement, index)
    store.get_claim(session, body.claim_id).registered_at = store.utc(body.registered_at)
    session.flush()


def _check_lapsed(session: Session, statement: Statement) -> None:
    body = _body(statement, ClaimLapsed)
    claim = store.get_claim(session, body.claim_id)
    checks.not_after_entry(statement, body.lapsed_at, "lapsed_at")
    store.tenure_of(session, body.claim_id).apply(body.tenure_event())
    checks.cited_provisions(checks.treaty_on_entry(session, statement), body.cites)
    # The Office records a lapse only where the treaty's activity rule says so (Art. 11(2)).
    day = body.lapsed_at.date()
    version = treaty_in_force(session, day)
    (facts,) = claim_facts(session, [claim], version, at=day)
    rules = [
        r
        for r in rules_in_force(priority_rules(version).rules, day)
        if r.kind == "activity_lapse" and r.applies_to(facts)
    ]
    lapsed = [d for r in rules if (d := lapse_date(facts, r, day)) is not None]
    if not lapsed:
        raise ClaimError(
            f"claim {claim.claim_id} has not lapsed on {day}: no activity report is overdue"
        )


def _apply_lapsed(session: Session, statement: Statement, index: int) -> None:
    body = _body(statement, ClaimLapsed)
    tenure = store.tenure_of(session, body.claim_id)
    store.record_event(session, tenure, body.tenure_event(), statement, index)
    session.flush()


def _check_contested(session: Session, statement: Statement) -> None:
    body = _body(statement, ClaimsContested)
    if len(set(body.claim_ids)) != len(body.claim_ids):
        raise ClaimError(f"case {body.case_id}: a claim is named twice")
    checks.not_after_entry(statement, body.contested_at, "contested_at")
    for claim_id in body.claim_ids:
        store.get_claim(session, claim_id)
        store.tenure_of(session, claim_id).apply(body.tenure_event())
    named = set(body.claim_ids)
    rows = session.scalars(
        select(ClaimOverlap).where(
            ClaimOverlap.claim_a.in_(body.claim_ids), ClaimOverlap.claim_b.in_(body.claim_ids)
        )
    )
    touching = {c for o in rows for c in (o.claim_a, o.claim_b)}
    alone = sorted(named - touching)
    if alone:
        raise ClaimError(
            f"case {body.case_id}: {', '.join(alone)} overlaps none of the other claims named"
        )
    checks.cited_provisions(checks.treaty_on_entry(session, statement), body.cites)


def _apply_contested(session: Session, statement: Statement, index: int) -> None:
    body = _body(statement, ClaimsContested)
    for claim_id in body.claim_ids:
        tenure = store.tenure_of(session, claim_id)
        store.record_event(session, tenure, body.tenure_event(), statement, index)
    session.flush()


def _check_ruled(session: Session, statement: Statement) -> None:
    body = _body(statement, ClaimsRuled)
    checks.not_after_entry(statement, body.ruled_at, "ruled_at")
    for claim_id, event in body.tenure_events().items():
        store.get_claim(session, claim_id)
        store.tenure_of(session, claim_id).apply(event)
    checks.cited_provisions(checks.treaty_on_entry(session, statement), body.cites)


def _apply_ruled(session: Session, statement: Statement, index: int) -> None:
    body = _body(statement, ClaimsRuled)
    for claim_id, event in sorted(body.tenure_events().items()):
        tenure = store.tenure_of(session, claim_id)
        store.record_event(session, tenure, event, statement, index)
    session.flush()


HOLDERS = roles.PARTIES  # Signatories and third parties alike (Art. 38: equal treatment)
OFFICE = frozenset({roles.OFFICE})

STATEMENT_TYPES = [
    StatementType(
        ClaimFiled.statement_type,
        ClaimFiled,
        HOLDERS,
        _apply_filed,
        _check_filed,
        "a holder files a claim over ground in a sector (Art. 8)",
    ),
    StatementType(
        ClaimAmended.statement_type,
        ClaimAmended,
        HOLDERS,
        _apply_amended,
        _check_amended,
        "the holder replaces a claim's ground; overlaps are checked again (Art. 10)",
    ),
    StatementType(
        ClaimTransferred.statement_type,
        ClaimTransferred,
        HOLDERS,
        _apply_transferred,
        _check_transferred,
        "the holder transfers a registered claim to another party (Art. 12)",
    ),
    StatementType(
        ClaimRelinquished.statement_type,
        ClaimRelinquished,
        HOLDERS,
        _apply_relinquished,
        _check_relinquished,
        "the holder gives a claim up",
    ),
    StatementType(
        ActivityReported.statement_type,
        ActivityReported,
        HOLDERS,
        _apply_activity,
        _check_activity,
        "the holder reports the activity on a claim for one period (Art. 11)",
    ),
    StatementType(
        ClaimRegistered.statement_type,
        ClaimRegistered,
        OFFICE,
        _apply_registered,
        _check_registered,
        "the Office registers a filed claim, citing its grounds",
    ),
    StatementType(
        ClaimLapsed.statement_type,
        ClaimLapsed,
        OFFICE,
        _apply_lapsed,
        _check_lapsed,
        "the Office records that a claim lapsed for want of activity reports (Art. 11(2))",
    ),
    StatementType(
        ClaimsContested.statement_type,
        ClaimsContested,
        OFFICE,
        _apply_contested,
        _check_contested,
        "the Office opens a case on overlapping claims the rules leave open (Art. 10(2))",
    ),
    StatementType(
        ClaimsRuled.statement_type,
        ClaimsRuled,
        OFFICE,
        _apply_ruled,
        _check_ruled,
        "the ruling in a case upholds or revokes the claims it concerns",
    ),
]

"""Cases: opened by the office as statements; their time limits from the treaty.

This is the case queue the quarterly cycle fills (violations found, contested claims);
the stages after the request — consultations, panel, appeal, compliance — follow the
treaty's dispute procedure, whose defaults are the WTO DSU's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.disputes.models import DisputeCase
from concord.disputes.schemas import CASE_OPENED, CaseOpened
from concord.errors import DisputeError
from concord.identity import roles
from concord.ledger.statements import Statement, StatementType
from concord.storage.buffer import buffered_insert, flush_inserts
from concord.treaty.calendar import deadline
from concord.treaty.procedure import DisputeProcedure, default_stages
from concord.treaty.registry import treaty_in_force


@dataclass(frozen=True, slots=True)
class Deadline:
    stage: str
    title: str
    kind: str  # "by" (within) or "not before"
    day: dt.date
    cites: tuple[str, ...]


def first_deadlines(procedure: DisputeProcedure | None, received: dt.date) -> list[Deadline]:
    """The limits that run from the request's receipt (UNCITRAL art. 2(6): the day after)."""
    stages = procedure.stages if procedure is not None else default_stages()
    start = stages[0].starts
    out: list[Deadline] = []
    for stage in stages:
        if stage.starts != start:
            continue
        if stage.within is not None:
            out.append(
                Deadline(
                    stage.id,
                    stage.title,
                    "by",
                    deadline(received, stage.within),
                    tuple(stage.cites),
                )
            )
        if stage.not_before is not None:
            out.append(
                Deadline(
                    stage.id,
                    stage.title,
                    "not before",
                    deadline(received, stage.not_before),
                    tuple(stage.cites),
                )
            )
    return out


def _check(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, CaseOpened)
    flush_inserts(session)
    if session.get(DisputeCase, body.case_id) is not None:
        raise DisputeError(f"case {body.case_id!r} is already open")
    version = treaty_in_force(session, body.received)
    known = {p.id for p in version.treaty.parties}
    unknown = sorted(set(body.parties) - known)
    if unknown:
        raise DisputeError(f"case {body.case_id}: unknown part(ies) {', '.join(unknown)}")


def _apply(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, CaseOpened)
    buffered_insert(
        session,
        DisputeCase,
        {
            "case_id": body.case_id,
            "kind": body.kind,
            "parties": ",".join(body.parties),
            "status": "open",
            "received": body.received,
            "requirement": body.requirement,
            "period": body.period,
            "subject": body.subject,
            "claims": ",".join(body.claims),
            "provisions": ",".join(body.provisions),
            "summary": body.summary,
            "log_index": index,
            "statement_id": statement.id,
        },
    )


STATEMENT_TYPES = [
    StatementType(
        CASE_OPENED,
        CaseOpened,
        frozenset({roles.OFFICE}),
        _apply,
        _check,
        description="the office opens a dispute case for a violation or contested claims",
    )
]


def open_cases(session: Session) -> list[DisputeCase]:
    return list(session.scalars(select(DisputeCase).order_by(DisputeCase.log_index)))


def case_documents(session: Session) -> list[dict[str, Any]]:
    """Every case with its first time limits, as the document entry points render."""
    rows: list[dict[str, Any]] = []
    for case in open_cases(session):
        procedure = treaty_in_force(session, case.received).treaty.dispute_procedure
        rows.append(
            {
                "case_id": case.case_id,
                "kind": case.kind,
                "state": case.status,
                "parties": case.parties.split(","),
                "received": case.received.isoformat(),
                "requirement": case.requirement,
                "period": case.period,
                "claims": [c for c in case.claims.split(",") if c],
                "deadlines": [
                    {
                        "stage": d.stage,
                        "title": d.title,
                        "kind": d.kind,
                        "due": d.day.isoformat(),
                        "cites": list(d.cites),
                    }
                    for d in first_deadlines(procedure, case.received)
                ],
            }
        )
    return rows

"""The compliance engine: evaluate every requirement in force for a period.

``evaluate`` takes the latest signed checkpoint, builds the analytic store from exactly
that log prefix (or checks the seal of the one built there already), and evaluates the
requirements of the treaty in force at the end of the period, as of the day of the last
statement in the prefix. The same prefix always
gives the same findings, byte for byte; ``publish_findings`` logs them as an office
statement that names the checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.compliance.context import EvaluationContext, prepare
from concord.compliance.findings import (
    UNLOGGED,
    Finding,
    RecordTime,
    ValidTime,
    counts,
    findings_json,
    sorted_findings,
)
from concord.compliance.kinds import KINDS, reconciliation
from concord.compliance.kinds.reconciliation import CusumPath
from concord.compliance.schemas import FINDINGS_PUBLISHED, FindingsPublished, FindingsRef
from concord.compliance.statistics import UncertaintyTable
from concord.errors import ComplianceError
from concord.evidence.analytics import latest_state, open_analytics
from concord.evidence.blobs import BlobStore
from concord.evidence.store_lock import Waiting
from concord.ledger.models import LedgerEntry
from concord.ledger.receipts import Receipt
from concord.ledger.statements import parse_statement
from concord.runtime import cycle_collection_paused
from concord.treaty.calendar import Period, parse_period
from concord.treaty.models import Requirement
from concord.treaty.registry import treaty_in_force
from concord.treaty.requirements import Reconciliation
from concord.treaty.versions import TreatyVersion
from concord.workspace import Workspace

Progress = Callable[[Requirement], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    """The findings for a period, and the checkpoint they were computed at."""

    period: str
    checkpoint_size: int
    checkpoint_root: str
    as_of: date
    findings: tuple[Finding, ...]

    def to_json(self) -> bytes:
        return findings_json(
            self.findings,
            period=self.period,
            checkpoint_size=self.checkpoint_size,
            checkpoint_root=self.checkpoint_root,
            as_of=self.as_of,
        )

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.findings)

    @property
    def valid_time(self) -> ValidTime:
        """The dates the findings concern: the period's."""
        return ValidTime.of_period(self.period)

    @property
    def record_time(self) -> RecordTime:
        """The record the findings were computed from: the checkpoint."""
        return RecordTime(self.checkpoint_size, self.checkpoint_root)


def evaluate_requirements(
    con: duckdb.DuckDBPyConnection,
    treaty: TreatyVersion,
    period: Period,
    requirements: Sequence[Requirement],
    *,
    as_of: date,
    uncertainties: UncertaintyTable | None = None,
    progress: Progress | None = None,
    record_time: RecordTime = UNLOGGED,
) -> list[Finding]:
    """Evaluate ``requirements`` on an analytic store; findings in canonical order.

    ``record_time`` is the checkpoint the store was built from, which every finding
    names (:data:`UNLOGGED` for a store no log built, such as a treaty test case's).
    """
    table = uncertainties or UncertaintyTable.default()
    prepare(con, treaty, table)
    # From here on, a query can read the store and nothing else on this machine.
    con.execute("SET enable_external_access = false")
    ctx = EvaluationContext(
        con=con,
        treaty=treaty,
        period=period,
        as_of=as_of,
        uncertainties=table,
        record_time=record_time,
    )
    with cycle_collection_paused():
        return sorted_findings(_each(ctx, requirements, progress))


def cusum_paths(
    con: duckdb.DuckDBPyConnection,
    treaty: TreatyVersion,
    period: Period,
    requirement: Reconciliation,
    *,
    uncertainties: UncertaintyTable | None = None,
) -> list[CusumPath]:
    """The CUSUM paths behind ``requirement``'s findings for ``period``, computed as the
    evaluation computes them (the same sums, scores and restarts)."""
    table = uncertainties or UncertaintyTable.default()
    prepare(con, treaty, table)
    ctx = EvaluationContext(
        con=con, treaty=treaty, period=period, as_of=period.end, uncertainties=table
    )
    return reconciliation.cusum_paths(ctx, requirement)


def _each(
    ctx: EvaluationContext, requirements: Sequence[Requirement], progress: Progress | None
) -> list[Finding]:
    findings: list[Finding] = []
    for requirement in requirements:
        try:
            findings += KINDS[requirement.kind](ctx, requirement)
        except duckdb.Error as exc:
            raise ComplianceError(f"{requirement.id} could not be evaluated: {exc}") from exc
        if progress is not None:
            progress(requirement)
    return findings


def _last_issued(ws: Workspace, size: int) -> date:
    """The day of the latest statement in the prefix: the evaluation's "today"."""
    with Session(ws.engine) as session:
        entry = session.scalar(select(LedgerEntry.entry).where(LedgerEntry.idx == size - 1))
    if entry is None:
        raise ComplianceError("the log is empty: nothing to evaluate")
    ledger = ws.ledger
    statement = parse_statement(
        bytes(entry), ledger.registry, max_entry_bytes=ledger.max_entry_bytes
    )
    return statement.issued_at.date()


def _record_now(ws: Workspace, latest: date) -> date:
    """The evaluation's "today" when the office names none (``as_of``): the latest day
    the prefix records, so that the same prefix gives the same findings — but never
    after the office's clock, so that no party can make reports late by dating a
    statement ahead. In a record kept in simulated time (the office's own statements
    are dated after its clock, as in the Station Unity scenario) the office's clock
    says nothing; the office then names the day (``quarter run --at``), and without it
    the record's latest day is used (a party can date a statement at most
    ``MAX_AHEAD`` after the office's time)."""
    clock = ws.ledger.clock().date()
    office = ws.ledger.office_time()
    if office is None or office.date() <= clock:
        return min(latest, clock)
    return latest


def _named_day(ws: Workspace, day: date) -> date:
    """The day the office names for an evaluation, which may not lie after its clock
    (unless the record is kept in simulated time)."""
    clock = ws.ledger.clock().date()
    office = ws.ledger.office_time()
    if (office is None or office.date() <= clock) and day > clock:
        raise ComplianceError(
            f"--at {day}: after the office's clock ({clock}); a period is judged as of a "
            "day that has come"
        )
    return day


def _latest_filing(con: duckdb.DuckDBPyConnection) -> date | None:
    row = con.execute(
        "SELECT max(t) FROM (SELECT max(filed_at) AS t FROM declarations "
        "UNION ALL SELECT max(filed_at) FROM measurements)"
    ).fetchone()
    return row[0].date() if row and row[0] is not None else None


def evaluate(
    ws: Workspace,
    period: str,
    *,
    uncertainties: UncertaintyTable | None = None,
    progress: Progress | None = None,
    on_requirements: Callable[[int], None] | None = None,
    as_of: date | None = None,
    on_wait: Waiting | None = None,
) -> Evaluation:
    """Evaluate every requirement in force for ``period`` at the latest checkpoint.

    The analytic store is rebuilt for that checkpoint unless it is already at it, and
    used only if its seal and content check out (AnalyticStoreAltered otherwise); it is
    locked for the whole evaluation, and ``on_wait`` is called if another command holds
    it first.
    """
    state = latest_state(ws)
    last_entry = _last_issued(ws, state.size)
    with Session(ws.engine) as session:
        first = parse_period(period)
        treaty = treaty_in_force(session, first.end)
    parsed = parse_period(period, treaty.treaty.calendar.period)
    requirements = treaty.requirements()
    if on_requirements is not None:
        on_requirements(len(requirements))
    with open_analytics(ws, state.size, fresh=True, on_wait=on_wait) as con:
        latest = max(last_entry, _latest_filing(con) or last_entry)
        as_of = _record_now(ws, latest) if as_of is None else _named_day(ws, as_of)
        findings = evaluate_requirements(
            con,
            treaty,
            parsed,
            requirements,
            as_of=as_of,
            uncertainties=uncertainties,
            progress=progress,
            record_time=RecordTime(state.size, state.root),
        )
    return Evaluation(
        period=parsed.id,
        checkpoint_size=state.size,
        checkpoint_root=state.root,
        as_of=as_of,
        findings=tuple(findings),
    )


def _publication_time(ws: Workspace, evaluation: Evaluation) -> datetime:
    """The office's clock, but never before the end of the day the findings were
    computed as of (the record may be dated ahead of the office's clock, as in the
    Station Unity scenario)."""
    end_of_day = datetime.combine(evaluation.as_of, time(23, 59, 59), UTC)
    return max(ws.ledger.clock(), end_of_day)


def publish_findings(
    ws: Workspace, evaluation: Evaluation, *, issued_at: datetime | None = None
) -> Receipt:
    """Store the findings document as a blob and log it as an office statement."""
    document = evaluation.to_json()
    sha = BlobStore(ws.settings.blobs_dir).put(document)
    valid = ValidTime.of_period(evaluation.period)
    body = FindingsPublished(
        period=evaluation.period,
        valid_from=valid.start,
        valid_to=valid.end,
        checkpoint_size=evaluation.checkpoint_size,
        checkpoint_root=evaluation.checkpoint_root,
        findings=FindingsRef(sha256=sha, bytes=len(document)),
        counts=evaluation.counts,
    )
    return ws.submit_as(
        ws.office_key,
        FINDINGS_PUBLISHED,
        body,
        issued_at=issued_at or _publication_time(ws, evaluation),
        statement_id=f"findings-{evaluation.period}-{evaluation.checkpoint_size}",
    )

"""The ``reports.published`` statement: the office logs a report's hashes.

The report's bytes stay outside the log (they can be large and are recomputable); the
statement commits to them by SHA-256 and names the checkpoint the report was computed
at, and its projection (table ``report``) lists what has been published.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from concord.errors import ComplianceError, VerificationError
from concord.identity import roles
from concord.ledger import store
from concord.ledger.statements import Statement, StatementType
from concord.reports.models import PublishedReport
from concord.reports.schemas import REPORT_PUBLISHED, ReportPublished
from concord.treaty.calendar import parse_period
from concord.treaty.registry import treaty_in_force


def _check_root(session: Session, body: ReportPublished) -> None:
    """The root given must be the log's root at that size.

    Recomputed from the tree as this transaction sees it (entries staged earlier in the
    same batch included) rather than looked up among signed checkpoints, because a
    replay of the log (rebuild, audit) signs its own checkpoints at other sizes.
    """
    size = body.checkpoint_size
    try:
        root = store.root_at(session, size)
    except VerificationError as exc:
        raise ComplianceError(f"report names a checkpoint outside the log: {exc.message}") from None
    if root.hex() != body.checkpoint_root:
        raise ComplianceError(f"the root given for checkpoint {size} is not the log's root")


def _check(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, ReportPublished)
    _check_root(session, body)
    if session.get(PublishedReport, body.report_id) is not None:
        raise ComplianceError(f"report {body.report_id} is already published")
    if body.scope is not None:
        treaty = treaty_in_force(session, parse_period(body.period).end).treaty
        if body.scope not in {p.id for p in treaty.parties}:
            raise ComplianceError(f"report scope {body.scope!r} is not a party to {treaty.id}")


def _apply(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, ReportPublished)
    if body.checkpoint_size > index:
        # A report cannot rest on a log that already contains the report itself.
        raise ComplianceError(
            f"report {body.report_id} names checkpoint {body.checkpoint_size}, beyond the "
            f"log before it ({index} entries)"
        )
    session.add(
        PublishedReport(
            report_id=body.report_id,
            period=body.period,
            scope=body.scope or "",
            checkpoint_size=body.checkpoint_size,
            checkpoint_root=body.checkpoint_root,
            findings_sha256=body.findings_sha256,
            html_sha256=body.html_sha256,
            pdf_sha256=body.pdf_sha256,
            statement_id=statement.id,
            log_index=index,
        )
    )
    session.flush()


STATEMENT_TYPES = [
    StatementType(
        REPORT_PUBLISHED,
        ReportPublished,
        frozenset({roles.OFFICE}),
        _apply,
        _check,
        description="the office publishes a compliance report's hashes, computed at a checkpoint",
    ),
]

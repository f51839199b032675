"""The ``compliance.findings_published`` statement: the office logs its findings.

The statement names both times of the findings — the period's dates (valid time) and
the checkpoint they were computed at (record time) — and commits to the findings
document by SHA-256, so any party can rebuild the analytic store from that log
prefix, recompute the findings and compare bytes (Article 51).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from concord.compliance.schemas import FINDINGS_PUBLISHED, FindingsPublished
from concord.errors import ComplianceError, NotFoundError, VerificationError
from concord.evidence.blobs import BLOB_STORE, BlobStore
from concord.identity import roles
from concord.ledger import store
from concord.ledger.statements import Statement, StatementType
from concord.storage.resources import attached
from concord.treaty.calendar import parse_period


def _check_valid_time(body: FindingsPublished) -> None:
    """The valid time named must be the period's (statements before it was named
    carry none)."""
    if body.valid_from is None and body.valid_to is None:
        return
    period = parse_period(body.period)
    if (body.valid_from, body.valid_to) != (period.start, period.end):
        raise ComplianceError(
            f"findings for {body.period} must name its dates as their valid time",
            details=[f"valid from {period.start} to {period.end}"],
        )


def _check(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, FindingsPublished)
    _check_valid_time(body)
    # The root is recomputed from the tree, not read from the office's checkpoint table:
    # a replay of the log (rebuild, audit) signs its own checkpoints at other sizes.
    try:
        root = store.root_at(session, body.checkpoint_size)
    except VerificationError as exc:
        raise ComplianceError(
            f"findings name a checkpoint outside the log: {exc.message}"
        ) from None
    if root.hex() != body.checkpoint_root:
        raise ComplianceError(
            f"the root given for checkpoint {body.checkpoint_size} is not the log's root there"
        )
    blobs = attached(session.get_bind(), BLOB_STORE)
    if not isinstance(blobs, BlobStore):
        raise ComplianceError("no blob store is attached to this database engine")
    try:
        data = blobs.get(body.findings.sha256)
    except (NotFoundError, VerificationError) as exc:
        raise ComplianceError(exc.message, details=exc.details) from None
    if len(data) != body.findings.bytes:
        raise ComplianceError("the findings document's size differs from the statement's")


STATEMENT_TYPES = [
    StatementType(
        FINDINGS_PUBLISHED,
        FindingsPublished,
        frozenset({roles.OFFICE}),
        None,
        _check,
        description="the office publishes a period's findings, computed at a checkpoint",
    ),
]

"""Published findings, as logged: the statement that published them and the document."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.compliance.findings import ValidTime
from concord.compliance.schemas import FINDINGS_PUBLISHED, FindingsPublished
from concord.errors import NotFoundError
from concord.evidence.blobs import BlobStore
from concord.identity.dsse import parse_envelope
from concord.ledger.models import LedgerEntry


def _published(session: Session) -> list[tuple[int, str, FindingsPublished]]:
    """Every ``compliance.findings_published`` statement, in log order."""
    rows = session.execute(
        select(LedgerEntry.idx, LedgerEntry.statement_id, LedgerEntry.entry)
        .where(LedgerEntry.statement_type == FINDINGS_PUBLISHED)
        .order_by(LedgerEntry.idx)
    )
    out = []
    for idx, statement_id, entry in rows:
        payload = json.loads(parse_envelope(bytes(entry)).payload)
        out.append((int(idx), statement_id, FindingsPublished.model_validate(payload["body"])))
    return out


def published_findings(
    session: Session, blobs: BlobStore, period: str | None = None
) -> dict[str, Any]:
    """The latest findings the office published for ``period`` (default: the latest
    published for any period), with their valid time (the period's dates) and the
    checkpoint they were computed at (their record time).

    The document is read from the blob store by the SHA-256 the statement commits to,
    and the store checks the bytes against it.
    """
    published = [p for p in _published(session) if period is None or p[2].period == period]
    if not published:
        what = f"period {period}" if period else "any period"
        raise NotFoundError(f"no findings have been published for {what}")
    index, statement_id, body = published[-1]
    return {
        "period": body.period,
        "valid_time": ValidTime.of_period(body.period).to_json(),
        "statement_id": statement_id,
        "log_index": index,
        "checkpoint_size": body.checkpoint_size,
        "checkpoint_root": body.checkpoint_root,
        "counts": body.counts,
        "sha256": body.findings.sha256,
        "findings": json.loads(blobs.get(body.findings.sha256)),
    }

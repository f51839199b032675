"""Filing evidence: store the table in the blob store, then submit the signed statement.

If the ledger rejects the statement, a blob that this filing added is removed again, so
a rejected filing leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from concord.errors import EvidenceError
from concord.evidence.blobs import BlobStore, sha256_hex
from concord.evidence.schemas import (
    DECLARATION_FILED,
    MEASUREMENT_FILED,
    DeclarationFiled,
    DeclarationType,
    MeasurementFiled,
    MeasurementType,
    TableRef,
)
from concord.evidence.service import DECLARATION_TABLES, MEASUREMENT_TABLES
from concord.evidence.tables import parse_table
from concord.identity.keys import SigningKey
from concord.ledger.receipts import Receipt

if TYPE_CHECKING:
    from concord.workspace import Workspace


def workspace_blobs(ws: Workspace) -> BlobStore:
    return BlobStore(ws.settings.blobs_dir)


def store_table(ws: Workspace, kind: str, csv_bytes: bytes) -> TableRef:
    """Validate a table's own rows (references are checked on submission) and store it."""
    table = parse_table(kind, csv_bytes)
    sha = workspace_blobs(ws).put(csv_bytes)
    return TableRef(sha256=sha, rows=len(table), bytes=len(csv_bytes))


def _submit_with_table(
    ws: Workspace, csv_bytes: bytes | None, submit: Callable[[], Receipt]
) -> Receipt:
    """Submit; if the statement is rejected, remove a blob that this filing added."""
    store = workspace_blobs(ws)
    sha = sha256_hex(csv_bytes) if csv_bytes is not None else None
    new_blob = sha is not None and not store.has(sha)
    try:
        return submit()
    except BaseException:
        if sha is not None and new_blob:
            store.path(sha).unlink(missing_ok=True)
        raise


def file_declaration(
    ws: Workspace,
    key: SigningKey,
    declaration_type: DeclarationType,
    party: str,
    period: str,
    csv_bytes: bytes | None,
    issued_at: datetime,
    *,
    summary: str | None = None,
    statement_id: str | None = None,
) -> Receipt:
    """Store the table in the blob store, then submit the signed declaration."""
    kind = DECLARATION_TABLES.get(declaration_type)
    if kind is not None and csv_bytes is None:
        raise EvidenceError(f"a {declaration_type} declaration needs its table")
    if kind is None:
        csv_bytes = None

    def submit() -> Receipt:
        table = store_table(ws, kind, csv_bytes) if kind and csv_bytes is not None else None
        body = DeclarationFiled(
            declaration_type=declaration_type,
            party=party,
            period=period,
            table=table,
            summary=summary,
        )
        return ws.submit_as(
            key, DECLARATION_FILED, body, issued_at=issued_at, statement_id=statement_id
        )

    return _submit_with_table(ws, csv_bytes, submit)


def file_measurement(
    ws: Workspace,
    key: SigningKey,
    measurement_type: MeasurementType,
    period: str,
    csv_bytes: bytes,
    issued_at: datetime,
    *,
    statement_id: str | None = None,
) -> Receipt:
    """Store an inspector's measurement table, then submit the signed statement."""

    def submit() -> Receipt:
        table = store_table(ws, MEASUREMENT_TABLES[measurement_type], csv_bytes)
        body = MeasurementFiled(measurement_type=measurement_type, period=period, table=table)
        return ws.submit_as(
            key, MEASUREMENT_FILED, body, issued_at=issued_at, statement_id=statement_id
        )

    return _submit_with_table(ws, csv_bytes, submit)

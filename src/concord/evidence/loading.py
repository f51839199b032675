"""Loading evidence statements into the analytic store (DuckDB).

Statement-level rows (one per statement, never per evidence row) go in through Arrow;
bulk rows never pass through Python: each table kind is loaded by one ``read_csv`` over
all of its files (:data:`concord.evidence.analytics_schema.LOADERS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.evidence.analytics_schema import LOADERS, SUPERSEDED
from concord.evidence.blobs import BlobStore
from concord.evidence.schemas import (
    DeclarationFiled,
    DockingDecided,
    InspectionGranted,
    InspectionRequested,
    MeasurementFiled,
    SiteRegistered,
)
from concord.evidence.service import DECLARATION_TABLES, EVIDENCE_TYPES, MEASUREMENT_TABLES
from concord.ledger.models import LedgerEntry
from concord.ledger.statements import Statement, parse_statement

if TYPE_CHECKING:
    from concord.workspace import Workspace


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


@dataclass(slots=True)
class _Batch:
    """Statement-level rows (one per statement, never per evidence row) to insert."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    grants: list[dict[str, Any]] = field(default_factory=list)

    def add(self, table: str, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)


def _collect(items: Sequence[tuple[int, Statement]], blobs: BlobStore) -> _Batch:
    batch = _Batch()
    for index, st in items:
        body = st.body
        filed = _naive(st.issued_at)
        if isinstance(body, SiteRegistered):
            x, y = body.location
            batch.add(
                "sites",
                site=body.site_id,
                name=body.name,
                sector=body.sector,
                x=x,
                y=y,
                operator=body.operator,
                statement_index=index,
            )
        elif isinstance(body, DeclarationFiled):
            sha = body.table.sha256 if body.table else None
            batch.add(
                "declarations",
                statement_index=index,
                statement_id=st.id,
                declaration_type=body.declaration_type,
                party=body.party,
                period=body.period,
                filed_at=filed,
                sha256=sha,
            )
            if sha is not None:
                batch.files.setdefault(DECLARATION_TABLES[body.declaration_type], []).append(
                    {
                        "path": str(blobs.verified_path(sha)),
                        "statement_index": index,
                        "party": body.party,
                        "period": body.period,
                        "author": st.author,
                    }
                )
        elif isinstance(body, MeasurementFiled):
            sha = body.table.sha256
            batch.add(
                "measurements",
                statement_index=index,
                statement_id=st.id,
                measurement_type=body.measurement_type,
                inspector=st.author,
                period=body.period,
                filed_at=filed,
                sha256=sha,
            )
            batch.files.setdefault(MEASUREMENT_TABLES[body.measurement_type], []).append(
                {
                    "path": str(blobs.verified_path(sha)),
                    "statement_index": index,
                    "party": None,
                    "period": body.period,
                    "author": st.author,
                }
            )
        elif isinstance(body, InspectionRequested):
            batch.add(
                "inspection_requests",
                request_id=body.request_id,
                party=body.party,
                site=body.site,
                requested_at=_naive(body.requested_at),
                granted_at=None,
                statement_index=index,
                granted_index=None,
            )
        elif isinstance(body, InspectionGranted):
            batch.grants.append(
                {
                    "request_id": body.request_id,
                    "granted_at": _naive(body.granted_at),
                    "granted_index": index,
                }
            )
        elif isinstance(body, DockingDecided):
            batch.add(
                "docking_requests",
                request_id=body.request_id,
                party=body.party,
                vessel=body.vessel,
                requested_at=_naive(body.requested_at),
                decision=body.decision,
                reason_code=body.reason_code,
                reason=body.reason,
                statement_index=index,
            )
    return batch


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
    arrow = pa.table({c: [r.get(c) for r in rows] for c in columns})
    con.register("incoming", arrow)
    con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
    con.unregister("incoming")


def load_statements(
    con: duckdb.DuckDBPyConnection, items: Sequence[tuple[int, Statement]], blobs: BlobStore
) -> None:
    """Add the evidence statements ``items`` (log index, statement) to the store."""
    batch = _collect(items, blobs)
    for table in (
        "sites",
        "declarations",
        "measurements",
        "inspection_requests",
        "docking_requests",
    ):
        if batch.rows.get(table):
            _insert(con, table, batch.rows[table])
    for kind, files in sorted(batch.files.items()):
        con.register("files", pa.Table.from_pylist(files))
        con.execute(
            "CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM read_csv(?, header = true, "
            "all_varchar = true, filename = true, delim = ',', quote = '\"', escape = '\"')",
            [[f["path"] for f in files]],
        )
        con.execute(LOADERS[kind])
        con.execute("DROP TABLE src")
        con.unregister("files")
    if batch.grants:
        con.register("grants", pa.Table.from_pylist(batch.grants))
        con.execute(
            "UPDATE inspection_requests SET granted_at = g.granted_at, "
            "granted_index = g.granted_index FROM grants g "
            "WHERE inspection_requests.request_id = g.request_id"
        )
        con.unregister("grants")
    for statement in SUPERSEDED:
        con.execute(statement)


def evidence_statements(ws: Workspace, start: int, end: int) -> list[tuple[int, Statement]]:
    """The evidence statements with log index in ``[start, end)``, in log order."""
    query = (
        select(LedgerEntry.idx, LedgerEntry.entry)
        .where(LedgerEntry.idx >= start, LedgerEntry.idx < end)
        .where(LedgerEntry.statement_type.in_(sorted(EVIDENCE_TYPES)))
        .order_by(LedgerEntry.idx)
    )
    ledger = ws.ledger
    with Session(ws.engine) as session:
        return [
            (
                idx,
                parse_statement(
                    bytes(entry), ledger.registry, max_entry_bytes=ledger.max_entry_bytes
                ),
            )
            for idx, entry in session.execute(query)
        ]

"""The analytic store: a DuckDB projection of the evidence, rebuilt from the log.

Replaying the evidence statements of a log prefix and reading the blobs they commit to
gives exactly the same store every time, so anyone holding the log and the blobs can
rebuild it and recompute every finding (Article 51). Bulk rows never pass through
Python: each table kind is loaded by one ``read_csv`` over all of its files.

``rebuild_analytics`` builds the store from scratch into a temporary file and renames
it into place; ``refresh_analytics`` appends only the statements logged since the store
was built, and gives the same tables.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.errors import VerificationError
from concord.evidence.analytics_schema import LOADERS, SUPERSEDED, TABLES, create_tables
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
from concord.ledger import store
from concord.ledger.models import LedgerEntry
from concord.ledger.statements import Statement, parse_statement

if TYPE_CHECKING:
    from concord.workspace import Workspace

#: Optional loader of the claims registry's tables (``claims``, ``site_claims``).
CLAIMS_LOADER = "concord.claims.analytics:load_claims"
#: The tables that loader fills.
CLAIMS_TABLES = ("claims", "site_claims", "holder_areas")


@dataclass(frozen=True, slots=True)
class StoreState:
    """The log prefix an analytic store was built from."""

    size: int
    root: str


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


def latest_state(ws: Workspace) -> StoreState:
    """The size and root of the latest signed checkpoint."""
    with Session(ws.engine) as session:
        row = store.latest_checkpoint(session)
    if row is None:
        raise VerificationError("the log is empty: no checkpoint has been signed")
    return StoreState(row.size, bytes(row.root).hex())


def _load_claims(ws: Workspace, con: duckdb.DuckDBPyConnection, size: int) -> None:
    module_name, _, name = CLAIMS_LOADER.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return  # no claims registry in this build: claims tables stay empty
    # Refilled whole every time, so recreated too: a store built before these tables had
    # their period columns is brought to the current shape by a refresh.
    for table in CLAIMS_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(f"CREATE TABLE {table} ({TABLES[table]})")
    getattr(module, name)(ws, con, size)


def _write_state(con: duckdb.DuckDBPyConnection, state: StoreState) -> None:
    con.execute("DELETE FROM store_meta")
    con.execute(
        "INSERT INTO store_meta VALUES ('log_size', ?), ('log_root', ?)",
        [str(state.size), state.root],
    )


def store_state(con: duckdb.DuckDBPyConnection) -> StoreState | None:
    rows = dict(con.execute("SELECT key, value FROM store_meta").fetchall())
    if "log_size" not in rows:
        return None
    return StoreState(int(rows["log_size"]), rows["log_root"])


def _state_at(ws: Workspace, size: int | None) -> StoreState:
    latest = latest_state(ws)
    if size is None or size == latest.size:
        return latest
    return StoreState(size, ws.ledger.root(size).hex())


def build_into(ws: Workspace, con: duckdb.DuckDBPyConnection, state: StoreState) -> None:
    """Build the whole store for the log prefix ``state`` on an empty connection."""
    create_tables(con)
    blobs = BlobStore(ws.settings.blobs_dir)
    load_statements(con, evidence_statements(ws, 0, state.size), blobs)
    _load_claims(ws, con, state.size)
    _write_state(con, state)


def rebuild_analytics(ws: Workspace, size: int | None = None) -> Path:
    """Rebuild the analytic store from the log prefix of ``size`` (default: the latest
    checkpoint) and the blobs; the new file replaces the old one atomically."""
    state = _state_at(ws, size)
    path = ws.settings.analytics_path
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".building")
    temp.unlink(missing_ok=True)
    with duckdb.connect(str(temp)) as con:
        build_into(ws, con, state)
        con.execute("CHECKPOINT")
    os.replace(temp, path)
    Path(str(path) + ".wal").unlink(missing_ok=True)
    return path


def refresh_analytics(ws: Workspace, size: int | None = None) -> Path:
    """Bring the store up to ``size`` (default: the latest checkpoint) incrementally."""
    path = ws.settings.analytics_path
    if not path.exists():
        return rebuild_analytics(ws, size)
    state = _state_at(ws, size)
    with duckdb.connect(str(path)) as con:
        built = store_state(con)
        stale = built is None or built.size > state.size
        if built is not None and not stale:
            # A store built from another log (or a rewritten one) is rebuilt, not extended.
            stale = ws.ledger.root(built.size).hex() != built.root if built.size else False
        if stale or built is None:
            con.close()
            return rebuild_analytics(ws, size)
        if built != state:
            con.execute("BEGIN")
            blobs = BlobStore(ws.settings.blobs_dir)
            load_statements(con, evidence_statements(ws, built.size, state.size), blobs)
            _load_claims(ws, con, state.size)
            _write_state(con, state)
            con.execute("COMMIT")
    return path

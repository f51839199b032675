"""Reads and writes of the ledger tables, in one transaction's session."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.orm import Session

from concord.errors import VerificationError
from concord.ledger import merkle
from concord.ledger.models import LedgerCheckpoint, LedgerEntry
from concord.storage.base import Base

NodeId = tuple[int, int]
_CHUNK = 900


def tree_size(session: Session | Connection) -> int:
    last = session.scalar(select(func.max(LedgerEntry.idx)))
    return 0 if last is None else int(last) + 1


@lru_cache(maxsize=64)
def _nodes_sql(paramstyle: str, count: int) -> str:
    """``(level = ? AND idx = ?) OR …`` for ``count`` nodes, in the driver's paramstyle.

    Both SQLite and PostgreSQL answer this from the primary key (SQLite scans the whole
    table for a row-value IN list), and building it as text keeps a proof's lookup far
    cheaper than composing an expression per request.
    """
    mark = "?" if paramstyle == "qmark" else "%s"
    term = f"(level = {mark} AND idx = {mark})"
    return "SELECT level, idx, hash FROM ledger_node WHERE " + " OR ".join([term] * count)


def fetch_nodes(session: Session | Connection, ids: Iterable[NodeId]) -> dict[NodeId, bytes]:
    """Hashes of the given perfect-subtree nodes: one query per chunk of ids."""
    conn = session.connection() if isinstance(session, Session) else session
    wanted = list(ids)
    found: dict[NodeId, bytes] = {}
    for start in range(0, len(wanted), _CHUNK // 4):
        chunk = wanted[start : start + _CHUNK // 4]
        sql = _nodes_sql(conn.dialect.paramstyle, len(chunk))
        params = tuple(v for node in chunk for v in node)
        for level, idx, digest in conn.exec_driver_sql(sql, params):
            found[(int(level), int(idx))] = bytes(digest)
    return found


class NodeView(Mapping[NodeId, bytes]):
    """Node hashes from an in-memory overlay first, then from the database."""

    def __init__(self, session: Session | Connection, overlay: Mapping[NodeId, bytes]) -> None:
        self._session = session
        self._overlay = overlay
        self._cache: dict[NodeId, bytes] = {}

    def prefetch(self, ids: Iterable[NodeId]) -> None:
        missing = [i for i in ids if i not in self._overlay and i not in self._cache]
        if missing:
            self._cache.update(fetch_nodes(self._session, missing))

    def __getitem__(self, key: NodeId) -> bytes:
        if key in self._overlay:
            return self._overlay[key]
        if key not in self._cache:
            self.prefetch([key])
        try:
            return self._cache[key]
        except KeyError:
            raise KeyError(f"tree node {key} is not stored") from None

    def __iter__(self) -> Iterator[NodeId]:
        return iter(self._overlay)

    def __len__(self) -> int:
        return len(self._overlay)


def table_of(model: type[Base]) -> Table:
    """A mapped class's table (Core inserts skip the ORM's per-row bookkeeping)."""
    return cast(Table, model.__table__)


_ENTRY_COLUMNS = ("idx", "statement_id", "statement_type", "author", "payload_sha256", "entry")


def _executemany(session: Session, table: str, columns: Sequence[str], rows: list[Any]) -> None:
    """One driver-level ``executemany``: the append path's bulk rows skip the per-row
    parameter processing of SQLAlchemy's expression layer."""
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, rows)


def insert_entries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        _executemany(
            session,
            "ledger_entry",
            _ENTRY_COLUMNS,
            [tuple(row[c] for c in _ENTRY_COLUMNS) for row in rows],
        )


def insert_nodes(session: Session, nodes: Sequence[tuple[int, int, bytes]]) -> None:
    if nodes:
        _executemany(session, "ledger_node", ("level", "idx", "hash"), list(nodes))


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return session.scalars(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1)
    ).first()


def checkpoint_at(session: Session, size: int) -> LedgerCheckpoint | None:
    return session.get(LedgerCheckpoint, size)


def existing_statements(session: Session, ids: Sequence[str]) -> dict[str, tuple[int, bytes]]:
    """Statement id -> (index, payload SHA-256) for ids already in the log."""
    found: dict[str, tuple[int, bytes]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        rows = session.execute(
            select(LedgerEntry.statement_id, LedgerEntry.idx, LedgerEntry.payload_sha256).where(
                LedgerEntry.statement_id.in_(chunk)
            )
        )
        for sid, idx, digest in rows:
            found[sid] = (int(idx), bytes(digest))
    return found


def iter_entries(
    session: Session, start: int = 0, batch: int = 5000
) -> Iterator[tuple[int, bytes]]:
    """Every entry from ``start`` on, in index order, streamed in batches."""
    position = start
    while True:
        rows = session.execute(
            select(LedgerEntry.idx, LedgerEntry.entry)
            .where(LedgerEntry.idx >= position)
            .order_by(LedgerEntry.idx)
            .limit(batch)
        ).all()
        if not rows:
            return
        for idx, entry in rows:
            yield int(idx), bytes(entry)
        position = int(rows[-1][0]) + 1


class EntryRangeReader:
    """Entries with their stored leaf hashes, by index range, through a driver cursor.

    A full verification reads every row once; the driver's own cursor is several
    times cheaper per row than result processing. Entries and leaves are two range
    scans on primary keys.
    """

    def __init__(self, dbapi_connection: Any, paramstyle: str) -> None:
        mark = "?" if paramstyle == "qmark" else "%s"
        self._cursor = dbapi_connection.cursor()
        self._entries = (
            f"SELECT idx, entry FROM ledger_entry WHERE idx >= {mark} AND idx < {mark} ORDER BY idx"
        )
        self._nodes = (
            f"SELECT idx, hash FROM ledger_node WHERE level = {mark} AND idx >= {mark} "
            f"AND idx < {mark}"
        )
        self._next = f"SELECT min(idx) FROM ledger_entry WHERE idx >= {mark}"
        self._size = "SELECT max(idx) FROM ledger_entry"

    def read(self, start: int, end: int) -> list[tuple[int, bytes, bytes | None]]:
        """Stored entries with index in ``[start, end)``, in order (gaps are not filled)."""
        cursor = self._cursor
        cursor.execute(self._entries, (start, end))
        rows = cursor.fetchall()
        if not rows:
            return []
        leaves = self.nodes(0, start, end)
        return [(int(idx), bytes(entry), leaves.get(int(idx))) for idx, entry in rows]

    def nodes(self, level: int, start: int, end: int) -> dict[int, bytes]:
        """Stored hashes of the tree nodes of ``level`` with index in ``[start, end)``."""
        self._cursor.execute(self._nodes, (level, start, end))
        return {int(idx): bytes(digest) for idx, digest in self._cursor.fetchall()}

    def next_index(self, position: int) -> int | None:
        """The first stored index at or after ``position``."""
        self._cursor.execute(self._next, (position,))
        row = self._cursor.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def size(self) -> int:
        """One more than the highest stored index."""
        self._cursor.execute(self._size)
        row = self._cursor.fetchone()
        return 0 if row is None or row[0] is None else int(row[0]) + 1

    def close(self) -> None:
        self._cursor.close()


def range_reader(session: Session) -> EntryRangeReader:
    conn = session.connection()
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    return EntryRangeReader(dbapi, conn.dialect.paramstyle)


def iter_entries_with_leaves(
    session: Session, batch: int = 5000, end: int | None = None
) -> Iterator[tuple[int, bytes, bytes | None]]:
    """Every entry (below ``end``, if given) in index order with its stored leaf hash
    (None when missing)."""
    reader = range_reader(session)
    try:
        position = 0
        while end is None or position < end:
            stop = position + batch if end is None else min(position + batch, end)
            rows = reader.read(position, stop)
            if not rows:
                following = reader.next_index(position)  # skip a gap, or stop at the end
                if following is None:
                    return
                position = following
                continue
            yield from rows
            position = stop
    finally:
        reader.close()


def all_checkpoint_notes(session: Session, up_to: int | None = None) -> list[str]:
    """The signed checkpoints in size order (of at most ``up_to`` entries, if given)."""
    query = select(LedgerCheckpoint.note).order_by(LedgerCheckpoint.size)
    if up_to is not None:
        query = query.where(LedgerCheckpoint.size <= up_to)
    return list(session.scalars(query))


_STAGED = "concord.staged_tree"


def stage_tree(session: Session, size: int, overlay: Mapping[NodeId, bytes]) -> None:
    """Record, for checks run while a batch is staged, the tree as staged so far."""
    session.info[_STAGED] = (size, overlay)


def root_at(session: Session, size: int) -> bytes:
    """The root of the log's first ``size`` entries, as this transaction sees the tree.

    Inside an append it includes the entries staged earlier in the same batch, so a
    statement may name a checkpoint whose entries arrive with it (as in a replay).
    """
    staged_size, overlay = session.info.get(_STAGED, (tree_size(session), {}))
    if not 0 < size <= staged_size:
        raise VerificationError(f"tree size {size} is outside the log (size {staged_size})")
    view = NodeView(session, overlay)
    view.prefetch(merkle.nodes_for_ranges([(0, size)]))
    return merkle.range_hash(0, size, view)

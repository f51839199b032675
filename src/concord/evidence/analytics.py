"""The analytic store: a DuckDB projection of the evidence, rebuilt from the log.

Replaying the evidence statements of a log prefix and reading the blobs they commit to
gives exactly the same store every time, so anyone holding the log and the blobs can
rebuild it and recompute every finding (Article 51). Loading is in
:mod:`concord.evidence.loading`.

``rebuild_analytics`` builds the store from scratch into a temporary file and renames
it into place; ``refresh_analytics`` appends only the statements logged since the store
was built, and gives the same tables. Either one seals the store
(:mod:`concord.evidence.seal`): the prefix it was built from and its content digest,
signed by the office. ``open_analytics`` gives a read-only connection only to a store
whose seal verifies and whose content still has the sealed digest; any other store is
refused (:class:`~concord.errors.AnalyticStoreAltered`), except one that carries no seal
at all (built before stores were sealed), which is rebuilt from the log. Every use of
the store holds its lock (:mod:`concord.evidence.store_lock`).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from sqlalchemy.orm import Session

from concord.errors import AnalyticStoreAltered, StorageError, VerificationError
from concord.evidence.analytics_schema import TABLES, create_tables
from concord.evidence.blobs import BlobStore
from concord.evidence.loading import evidence_statements, load_statements
from concord.evidence.seal import (
    META_TABLE,
    StoreSeal,
    StoreState,
    content_digest,
    seal_problem,
    sign_seal,
)
from concord.evidence.store_lock import Waiting, store_lock
from concord.ledger import store

if TYPE_CHECKING:
    from concord.workspace import Workspace

__all__ = [
    "StoreState",
    "build_into",
    "check_store",
    "evidence_statements",
    "latest_state",
    "load_statements",
    "open_analytics",
    "rebuild_analytics",
    "refresh_analytics",
    "store_seal",
    "store_state",
    "verify_analytics",
]

#: Optional loader of the claims registry's tables (``claims``, ``site_claims``).
CLAIMS_LOADER = "concord.claims.analytics:load_claims"
#: The tables that loader fills.
CLAIMS_TABLES = ("claims", "site_claims", "holder_areas")


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


def _write_state(con: duckdb.DuckDBPyConnection, seal: StoreSeal) -> None:
    con.execute(f"DELETE FROM {META_TABLE}")
    con.execute(
        f"INSERT INTO {META_TABLE} VALUES ('log_size', ?), ('log_root', ?), "
        "('content_digest', ?), ('seal_key_id', ?), ('seal_signature', ?)",
        [str(seal.state.size), seal.state.root, seal.state.digest, seal.key_id, seal.signature],
    )


def _seal(ws: Workspace, con: duckdb.DuckDBPyConnection, state: StoreState) -> None:
    """Record ``state`` with the digest of the content as it now is, signed by the office."""
    digest = content_digest(con)
    _write_state(con, sign_seal(ws.office_key, StoreState(state.size, state.root, digest)))


def _meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()
    return {str(k): str(v) for k, v in rows}


def store_state(con: duckdb.DuckDBPyConnection) -> StoreState | None:
    """The state recorded in a store (as recorded: see :func:`check_store` for trust)."""
    rows = _meta(con)
    if "log_size" not in rows:
        return None
    return StoreState(int(rows["log_size"]), rows["log_root"], rows.get("content_digest", ""))


def store_seal(con: duckdb.DuckDBPyConnection) -> StoreSeal | None:
    """The seal recorded in a store, if it has one."""
    rows = _meta(con)
    state = store_state(con)
    if state is None or "seal_signature" not in rows:
        return None
    return StoreSeal(state, rows.get("seal_key_id", ""), rows["seal_signature"])


def _state_at(ws: Workspace, size: int | None) -> StoreState:
    latest = latest_state(ws)
    if size is None or size == latest.size:
        return latest
    return StoreState(size, ws.ledger.root(size).hex())


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # DuckDB prints a progress bar for long queries (hashing a large store) on the
    # terminal, where it would interleave with a command's output (``--json``).
    con.execute("SET enable_progress_bar = false")
    return con


def _altered(path: Path, reason: str) -> AnalyticStoreAltered:
    return AnalyticStoreAltered(
        f"the analytic store {path} has been altered: {reason}; "
        "rebuild it from the log with `concord evidence rebuild`"
    )


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return _quiet(duckdb.connect(str(path), read_only=read_only))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StorageError(
                f"the analytic store {path} is held open by a program outside Concord",
                details=[str(exc)],
            ) from None
        raise _altered(path, "it is not a readable DuckDB database") from None
    except duckdb.Error:
        raise _altered(path, "it is not a readable DuckDB database") from None


def _sealed_state(ws: Workspace, con: duckdb.DuckDBPyConnection, path: Path) -> StoreState | None:
    """The checked state of the store on ``con``, or None if it carries no seal at all (a
    store built before stores were sealed: rebuilt, since a rebuild reads only the log)."""
    try:
        rows = _meta(con)
    except duckdb.Error:
        raise _altered(path, f"its {META_TABLE} table cannot be read") from None
    if "log_size" in rows and not ({"content_digest", "seal_key_id", "seal_signature"} & set(rows)):
        return None
    return check_store(ws, con, path)


def check_store(ws: Workspace, con: duckdb.DuckDBPyConnection, path: Path) -> StoreState:
    """The state of the store on ``con`` once its seal verifies with the office's key and its
    content, hashed again, has the sealed digest; raises AnalyticStoreAltered otherwise."""
    try:
        seal = store_seal(con)
    except (duckdb.Error, KeyError, ValueError):
        raise _altered(path, f"its {META_TABLE} table cannot be read") from None
    if seal is None:
        raise _altered(path, "it carries no seal")
    problem = seal_problem(seal, ws.office_key.public_key)
    if problem is not None:
        raise _altered(path, problem)
    try:
        actual = content_digest(con)
    except duckdb.Error:
        raise _altered(path, "its content cannot be read") from None
    if actual != seal.state.digest:
        raise _altered(
            path,
            "its content does not match the digest the office signed "
            f"at log size {seal.state.size}",
        )
    return seal.state


def build_into(ws: Workspace, con: duckdb.DuckDBPyConnection, state: StoreState) -> None:
    """Build the whole store for the log prefix ``state`` on an empty connection, and seal it."""
    create_tables(con)
    blobs = BlobStore(ws.settings.blobs_dir)
    load_statements(con, evidence_statements(ws, 0, state.size), blobs)
    _load_claims(ws, con, state.size)
    _seal(ws, con, state)


def _rebuild(ws: Workspace, state: StoreState) -> Path:
    path = ws.settings.analytics_path
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".building")
    temp.unlink(missing_ok=True)
    with _quiet(duckdb.connect(str(temp))) as con:
        build_into(ws, con, state)
        con.execute("CHECKPOINT")
    os.replace(temp, path)
    Path(str(path) + ".wal").unlink(missing_ok=True)
    return path


def _extends(ws: Workspace, built: StoreState, state: StoreState) -> bool:
    """Whether a store built at ``built`` can be extended to ``state``: a store built from
    a longer prefix, from another log or from a rewritten one is rebuilt instead."""
    if built.size > state.size:
        return False
    return built.size == 0 or ws.ledger.root(built.size).hex() == built.root


def _refresh(ws: Workspace, state: StoreState) -> Path:
    path = ws.settings.analytics_path
    if not path.exists():
        return _rebuild(ws, state)
    with _connect(path, read_only=False) as con:
        # The seal is checked before anything is added: an altered store is never extended.
        built = _sealed_state(ws, con, path)
        if built is not None and built.same_prefix(state):
            return path
        if built is None or not _extends(ws, built, state):
            con.close()
            return _rebuild(ws, state)
        con.execute("BEGIN")
        blobs = BlobStore(ws.settings.blobs_dir)
        load_statements(con, evidence_statements(ws, built.size, state.size), blobs)
        _load_claims(ws, con, state.size)
        _seal(ws, con, state)
        con.execute("COMMIT")
    return path


def rebuild_analytics(
    ws: Workspace, size: int | None = None, *, on_wait: Waiting | None = None
) -> Path:
    """Rebuild the analytic store from the log prefix of ``size`` (default: the latest
    checkpoint) and the blobs; the new file replaces the old one atomically."""
    with store_lock(ws.settings.analytics_path, on_wait=on_wait):
        return _rebuild(ws, _state_at(ws, size))


def refresh_analytics(
    ws: Workspace, size: int | None = None, *, on_wait: Waiting | None = None
) -> Path:
    """Bring the store up to ``size`` (default: the latest checkpoint) incrementally, and
    seal it again; an altered store is refused (AnalyticStoreAltered), never extended."""
    with store_lock(ws.settings.analytics_path, on_wait=on_wait):
        return _refresh(ws, _state_at(ws, size))


def _current(ws: Workspace, path: Path, state: StoreState) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the store if it is intact and built at ``state``."""
    if not path.exists():
        return None
    con = _connect(path, read_only=True)
    try:
        built = _sealed_state(ws, con, path)
    except BaseException:
        con.close()
        raise
    if built is not None and built.same_prefix(state):
        return con
    con.close()
    return None


@contextmanager
def open_analytics(
    ws: Workspace,
    size: int | None = None,
    *,
    fresh: bool = False,
    on_wait: Waiting | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the store built from the log prefix of ``size`` (default:
    the latest checkpoint), its seal and content checked just before.

    A missing store, or one of another prefix, is brought to ``size`` first: refreshed,
    or rebuilt from scratch when ``fresh``. A store that fails its check is refused with
    AnalyticStoreAltered. The store's lock is held until the connection is closed, so
    concurrent commands wait for each other (``on_wait`` is called if this one must).
    """
    path = ws.settings.analytics_path
    with store_lock(path, on_wait=on_wait):
        state = _state_at(ws, size)
        con = _current(ws, path, state)
        if con is None:
            _rebuild(ws, state) if fresh else _refresh(ws, state)
            con = _current(ws, path, state)
        if con is None:
            raise _altered(path, f"it is not at log size {state.size} after it was built")
        try:
            yield con
        finally:
            con.close()


def verify_analytics(ws: Workspace) -> StoreState | None:
    """Check the analytic store against the log, for ``concord verify``: sealed by the
    office, its content matching the sealed digest, built from a prefix of this log.

    Returns the checked state, or None if no store has been built yet.
    """
    path = ws.settings.analytics_path
    if not path.exists():
        return None
    with store_lock(path), _connect(path, read_only=True) as con:
        built = _sealed_state(ws, con, path)
    if built is None:
        raise _altered(path, "it carries no seal (built by an older Concord, or removed)")
    if built.size > ws.ledger.size() or not _extends(ws, built, StoreState(built.size, "")):
        raise AnalyticStoreAltered(
            f"the analytic store {path} was not built from this log: its sealed prefix "
            f"(size {built.size}) is not a prefix of the log; "
            "rebuild it from the log with `concord evidence rebuild`"
        )
    return built

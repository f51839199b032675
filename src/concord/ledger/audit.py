"""Verification of a live workspace and of a tiles export, and rebuild by replay."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from concord.errors import VerificationError
from concord.identity.models import Principal, PrincipalKey
from concord.identity.preverify import SignaturePool
from concord.identity.state import IdentityState
from concord.ledger import store
from concord.ledger.notes import NoteSigner, NoteVerifier
from concord.ledger.ranges import DatabaseEntries
from concord.ledger.service import Ledger
from concord.ledger.statements import StatementRegistry
from concord.ledger.tree_check import StoredTreeCheck, database_nodes
from concord.ledger.verify import PARALLEL_FROM, VerifyReport, verify_entries
from concord.storage.base import Base
from concord.storage.db import make_engine, migrate
from concord.storage.resources import copy_attachments

Progress = Callable[[int], None]
#: Tables that depend on batch boundaries rather than on the log's contents, and the
#: server's request-authentication state (nonces, challenges, sessions: no projection).
NOT_REPLAYED = frozenset(
    {
        "ledger_checkpoint",
        "ledger_snapshot",
        "alembic_version",
        "identity_request_nonce",
        "identity_login_challenge",
        "identity_browser_session",
    }
)


def verify_database(
    ledger: Ledger,
    verifier: NoteVerifier,
    *,
    trusted_note: str | None = None,
    progress: Progress | None = None,
    parallel_from: int = PARALLEL_FROM,
    pool: SignaturePool | None = None,
) -> VerifyReport:
    """Verify the live log in the ledger's database, end to end.

    A log of ``parallel_from`` entries or more is checked in ranges by worker
    processes when the ledger may use workers at all: those of ``pool``, or the
    ledger's own (one per spare core), with this process checking ranges too while
    they are busy.
    """
    url = ledger.engine.url
    # One read snapshot: appends made while the log is checked (entries, checkpoint and
    # projections, committed together) are left for the next run.
    with _snapshot(ledger.engine) as live, Session(bind=live) as session:
        size = store.tree_size(session)
        workers = pool or ledger.signature_pool
        parallel = (
            workers is not None
            and size >= parallel_from
            and (url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:"))
        )
        pool = workers if parallel else ledger.signature_pool
        return verify_entries(
            store.iter_entries_with_leaves(session, end=size),
            store.all_checkpoint_notes(session),
            verifier,
            ledger.registry,
            origin=ledger.origin,
            trusted_note=trusted_note,
            max_entry_bytes=ledger.max_entry_bytes,
            progress=progress,
            pool=pool,
            stored_tree=StoredTreeCheck(database_nodes(session)),
            source=DatabaseEntries(url.render_as_string(hide_password=False)) if parallel else None,
            size=size,
            parallel_from=parallel_from,
            check_identity=lambda replayed, n: check_identity_tables(session, replayed, n),
        )


def check_identity_tables(session: Session, replayed: IdentityState, size: int) -> None:
    """The identity tables must say what the first ``size`` entries of the log say: every
    principal with its name, roles and party, every key with its public key, start and
    revocation (rows that later entries wrote, while the check ran, are left out)."""
    stored = _stored_identity(session, size)
    # Rows written after ``size`` must belong to entries the log holds by now (a row and
    # its entry are committed together; the rows are read before the log's size).
    later = [
        *session.execute(
            select(Principal.principal_id, Principal.registered_at).where(
                Principal.registered_at >= size
            )
        ),
        *session.execute(
            select(PrincipalKey.key_id, PrincipalKey.registered_at).where(
                PrincipalKey.registered_at >= size
            )
        ),
    ]
    now = store.tree_size(session)
    beyond = [name for name, index in later if index >= now]
    expected = {
        p.principal_id: (
            p.name,
            tuple(sorted(p.roles)),
            p.party,
            {
                key_id: (
                    k.public_key,
                    _utc_naive(k.valid_from),
                    k.revoked,
                    None if k.revoked_from is None else _utc_naive(k.revoked_from),
                )
                for key_id, k in p.keys.items()
            },
        )
        for p in replayed.principals.values()
    }
    problems = [f"{name}: registered at a log index beyond the log" for name in beyond]
    for pid in sorted(set(stored) | set(expected)):
        have, want = stored.get(pid), expected.get(pid)
        if have is None:
            problems.append(f"principal {pid}: registered in the log, missing from the table")
        elif want is None:
            problems.append(f"principal {pid}: in the table but never registered in the log")
        else:
            for what, a, b in zip(("name", "roles", "party"), have[:3], want[:3], strict=True):
                if a != b:
                    problems.append(f"principal {pid}: the table's {what} {a!r}, the log's {b!r}")
            for key_id in sorted(set(have[3]) | set(want[3])):
                if have[3].get(key_id) != want[3].get(key_id):
                    problems.append(f"principal {pid}: key {key_id} differs from the log")
    if problems:
        raise VerificationError(
            f"the identity tables differ from the identity statements in the log "
            f"({len(problems)} difference(s)): {problems[0]}",
            details=problems[:20],
        )


_StoredKey = tuple[bytes, datetime, bool, datetime | None]


def _utc_naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _stored_identity(
    session: Session, size: int
) -> dict[str, tuple[str, tuple[str, ...], str | None, dict[str, _StoredKey]]]:
    keys: dict[str, dict[str, _StoredKey]] = {}
    for key in session.scalars(select(PrincipalKey).where(PrincipalKey.registered_at < size)):
        later = key.revoked_at is not None and key.revoked_at >= size
        keys.setdefault(key.principal_id, {})[key.key_id] = (
            bytes(key.public_key),
            _utc_naive(key.valid_from),
            bool(key.revoked) and not later,
            None if key.revoked_from is None or later else _utc_naive(key.revoked_from),
        )
    return {
        p.principal_id: (
            p.name,
            tuple(sorted(p.roles.split(","))),
            p.party,
            keys.get(p.principal_id, {}),
        )
        for p in session.scalars(select(Principal).where(Principal.registered_at < size))
    }


@dataclass(frozen=True, slots=True)
class RebuildReport:
    size: int
    tables: dict[str, int]
    differences: list[str]


def rebuild(
    ledger: Ledger,
    registry: StatementRegistry,
    *,
    target_url: str | None = None,
    progress: Progress | None = None,
) -> RebuildReport:
    """Replay the whole log into fresh projections and compare them with the live state."""
    with tempfile.TemporaryDirectory(prefix="concord-rebuild-") as tmp:
        url = target_url or f"sqlite:///{Path(tmp) / 'rebuild.db'}"
        engine = make_engine(url)
        copy_attachments(ledger.engine, engine)
        try:
            migrate(engine)
            replica = Ledger(
                engine,
                registry,
                NoteSigner.generate(ledger.origin),
                origin=ledger.origin,
                max_entry_bytes=ledger.max_entry_bytes,
            )
            # One read transaction for the entries and the live tables: appends made
            # meanwhile are in neither, so they cannot show as a difference.
            with _snapshot(ledger.engine) as live:
                size = _replay(live, replica, progress)
                differences, counts = compare_tables(live, engine)
        finally:
            engine.dispose()
    return RebuildReport(size, counts, differences)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see the database as it stood at the first one
    (SQLite: a WAL read transaction; PostgreSQL: REPEATABLE READ)."""
    options: dict[str, Any] = {}
    if engine.url.get_backend_name() == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with engine.connect().execution_options(**options) as conn, conn.begin():
        yield conn


def _replay(live: Connection, replica: Ledger, progress: Progress | None) -> int:
    batch: list[bytes] = []
    size = 0
    with Session(bind=live) as session:
        for _index, entry in store.iter_entries(session):
            batch.append(entry)
            size += 1
            if len(batch) == 2048:
                replica.submit_many(batch)
                if progress is not None:
                    progress(len(batch))
                batch = []
    if batch:
        replica.submit_many(batch)
        if progress is not None:
            progress(len(batch))
    return size


def _normal(value: Any) -> Any:
    """One representation for values that SQLite and PostgreSQL return differently."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    return value


def _rows(bind: Engine | Connection, table_name: str) -> list[tuple[Any, ...]]:
    table = Base.metadata.tables[table_name]
    order = list(table.primary_key.columns) or list(table.columns)
    query = select(table).order_by(*order)
    if isinstance(bind, Connection):
        rows = bind.execute(query).all()
    else:
        with bind.connect() as conn:
            rows = conn.execute(query).all()
    return [tuple(_normal(v) for v in row) for row in rows]


def compare_tables(live: Engine | Connection, rebuilt: Engine) -> tuple[list[str], dict[str, int]]:
    """Differences between two databases, table by table (replayable tables only)."""
    differences: list[str] = []
    counts: dict[str, int] = {}
    for name in sorted(Base.metadata.tables):
        if name in NOT_REPLAYED:
            continue
        a, b = _rows(live, name), _rows(rebuilt, name)
        counts[name] = len(a)
        if a != b:
            only_live = len(set(a) - set(b))
            only_rebuilt = len(set(b) - set(a))
            differences.append(
                f"{name}: {len(a)} live rows, {len(b)} rebuilt; {only_live} only live, "
                f"{only_rebuilt} only rebuilt"
            )
    return differences, counts

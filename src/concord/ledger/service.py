"""The ledger service: the one ``submit`` path through which every statement enters.

A batch of statements is appended in one database transaction that holds the
sequencer lock: every statement is parsed, authorised, checked and projected, the new
tree nodes are stored, and the office signs a checkpoint over the new tree. Receipts
are built only after the transaction commits (group commit: one durable write for the
whole batch). If any statement fails, the whole batch is rolled back and nothing is
appended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from concord.errors import (
    ConflictError,
    MalformedStatement,
    NotFoundError,
    StatementError,
    VerificationError,
)
from concord.identity.dsse import Envelope
from concord.identity.preverify import SignaturePool, Triple
from concord.identity.service import IDENTITY_TYPES
from concord.identity.state import IdentityState, attach_identity
from concord.ledger import merkle, store, trusted
from concord.ledger.models import LedgerCheckpoint, LedgerEntry
from concord.ledger.notes import Checkpoint, NoteSigner
from concord.ledger.receipts import Receipt
from concord.ledger.statements import Statement, StatementRegistry, format_time, parse_statement
from concord.ledger.trusted import TrustedState
from concord.runtime import cycle_collection_paused
from concord.storage.buffer import flush_inserts
from concord.storage.db import APPEND, lock_sequencer

#: How far after the office's time a party's statement may be dated.
MAX_AHEAD = timedelta(days=366)


def _machine_clock() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class RecordTime:
    """The latest signed checkpoint's size, and the time of the last entry it covers."""

    checkpoint_size: int
    at: datetime

    def describe(self) -> str:
        return f"the record at checkpoint {self.checkpoint_size} ({self.at.date().isoformat()})"


RawStatement = bytes | str | dict[str, Any] | Envelope
_Prechecks = tuple[list[tuple[bytes, bytes, bytes]], list[Future[list[bool]]]]
#: Below this many statements a batch is verified inline: starting workers costs more.
_PREVERIFY_MIN = 256


def _collect(checks: _Prechecks | None) -> frozenset[tuple[bytes, bytes, bytes]]:
    if checks is None:
        return frozenset()
    owners, futures = checks
    try:
        results = [ok for future in futures for ok in future.result()]
    except BrokenProcessPool:
        # Pre-verification only saves time: without it every signature is checked inline.
        return frozenset()
    return frozenset(o for o, ok in zip(owners, results, strict=True) if ok)


@dataclass(slots=True)
class _Pending:
    statement: Statement
    index: int
    leaf: bytes


class Ledger:
    """Appends statements, signs checkpoints, serves proofs."""

    def __init__(
        self,
        engine: Engine,
        registry: StatementRegistry,
        signer: NoteSigner,
        *,
        origin: str,
        max_entry_bytes: int,
        batch_size: int = 2048,
        signature_pool: SignaturePool | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        #: The office's clock (UTC): the machine's unless the workspace sets one.
        self.clock = clock or _machine_clock
        self.batch_size = batch_size
        self.signature_pool = signature_pool
        self.registry = registry
        self.signer = signer
        self.origin = origin
        self.max_entry_bytes = max_entry_bytes
        #: The log size the trusted state is at (-1: not read yet).
        self._size = -1
        self._state = TrustedState(IdentityState(), merkle.Frontier())

    # -- reading ---------------------------------------------------------------

    @property
    def identity(self) -> IdentityState:
        with Session(self.engine) as session:
            self._sync(session)
        return self._state.identity

    def size(self) -> int:
        with Session(self.engine) as session:
            return store.tree_size(session)

    def latest_checkpoint(self) -> str:
        with Session(self.engine) as session:
            row = store.latest_checkpoint(session)
            if row is None:
                raise VerificationError("the log is empty: no checkpoint has been signed")
            return row.note

    def latest_record(self) -> RecordTime:
        """The record's "now": the latest signed checkpoint, and the time its last entry
        states (reads default to it, never to the office's wall clock)."""
        with Session(self.engine) as session:
            row = store.latest_checkpoint(session)
            if row is None:
                raise VerificationError("the log is empty: no checkpoint has been signed")
            entry = session.scalar(select(LedgerEntry.entry).where(LedgerEntry.idx == row.size - 1))
        assert entry is not None
        statement = parse_statement(
            bytes(entry), self.registry, max_entry_bytes=self.max_entry_bytes
        )
        return RecordTime(row.size, statement.issued_at)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Inclusion proof of leaf ``index`` in the tree of ``size`` (RFC 9162 §2.1.3.1)."""
        with self.engine.connect() as conn:
            self._check_size(conn, size)
            return self._inclusion(store.NodeView(conn, {}), index, size)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        with Session(self.engine) as session:
            self._check_size(session, new_size)
            view = store.NodeView(session, {})
            ranges = merkle.consistency_proof_ranges(old_size, new_size)
            view.prefetch(merkle.nodes_for_ranges(ranges))
            return [merkle.range_hash(a, b, view) for a, b in ranges]

    def root(self, size: int) -> bytes:
        with Session(self.engine) as session:
            self._check_size(session, size)
            return self._root(store.NodeView(session, {}), size)

    def entry(self, index: int) -> bytes:
        """The stored bytes of entry ``index``."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(LedgerEntry.entry).where(LedgerEntry.idx == index)
            ).scalar_one_or_none()
        if found is None:
            raise NotFoundError(f"entry {index} is not in the log")
        return bytes(found)

    def receipt(self, statement_id: str) -> Receipt:
        """The receipt of a logged statement against the latest checkpoint."""
        with Session(self.engine) as session:
            found = store.existing_statements(session, [statement_id])
            if statement_id not in found:
                raise NotFoundError(f"statement {statement_id!r} is not in the log")
            return self._receipts_at_latest(session, [(statement_id, found[statement_id][0])])[0]

    # -- appending -------------------------------------------------------------

    def submit(self, raw: RawStatement) -> Receipt:
        """Append one statement and return its receipt (idempotent for the same statement)."""
        return self.submit_many([raw])[0]

    def submit_many(
        self,
        raws: Sequence[RawStatement],
        *,
        progress: Callable[[int], None] | None = None,
        atomic: bool = False,
    ) -> list[Receipt]:
        """Append statements in batches; all of a batch or none of it is appended
        (``atomic``: one batch, so all of them or none)."""
        # Bulk appends make many small objects and no cycles: without the cyclic
        # collector they ran about a third faster.
        with cycle_collection_paused():
            statements = [self._parse(i, raw, len(raws)) for i, raw in enumerate(raws)]
            step = max(1, len(statements)) if atomic else self.batch_size
            batches = [statements[i : i + step] for i in range(0, len(statements), step)]
            pending = [self._preverify(batch) for batch in batches]
            receipts: list[Receipt] = []
            for batch, checks in zip(batches, pending, strict=True):
                receipts.extend(self._append_batch(batch, _collect(checks)))
                if progress is not None:
                    progress(len(batch))
            return receipts

    def _preverify(self, batch: list[Statement]) -> _Prechecks | None:
        """Start checking a batch's signatures in worker processes (bulk appends only)."""
        if self.signature_pool is None or len(batch) < _PREVERIFY_MIN:
            return None
        owners: list[tuple[bytes, bytes, bytes]] = []
        items: list[Triple] = []
        for st in batch:
            for public, message, sig in self._state.identity.signing_candidates(st):
                items.append((public, message, sig))
                owners.append((public, sig, st.payload_sha256))
        futures = self.signature_pool.submit(items)
        return None if futures is None else (owners, futures)

    def close(self) -> None:
        if self.signature_pool is not None:
            self.signature_pool.close()

    def _parse(self, position: int, raw: RawStatement, total: int) -> Statement:
        try:
            return parse_statement(raw, self.registry, max_entry_bytes=self.max_entry_bytes)
        except StatementError as exc:
            if total > 1:
                exc.message = f"statement #{position + 1}: {exc.message}"
                exc.args = (exc.message,)
            raise

    def _append_batch(
        self, statements: list[Statement], verified: frozenset[tuple[bytes, bytes, bytes]]
    ) -> list[Receipt]:
        with Session(self.engine) as session:
            with session.begin():
                lock_sequencer(session.connection(execution_options=APPEND))
                self._sync(session, appending=True)
                fresh, known = self._split_known(session, statements)
                state = self._state.copy() if fresh else self._state
                frontier = state.frontier
                # Every proof node of a new leaf is either a node the batch creates or a
                # perfect subtree on the old right edge, so receipts need no reads.
                overlay: dict[store.NodeId, bytes] = frontier.nodes()
                pending = self._stage(session, fresh, state, overlay, verified)
                if pending:
                    self._sign_checkpoint(session, frontier, overlay)
                    if state.snapshot_due():
                        trusted.save_snapshot(session, self.signer, state)
            # Committed: the batch is durable. Only now does the in-memory state move on.
            if pending:
                self._state, self._size = state, frontier.size
            return self._receipts(session, statements, pending, known, overlay)

    def _split_known(
        self, session: Session, statements: list[Statement]
    ) -> tuple[list[Statement], dict[str, int]]:
        existing = store.existing_statements(session, [s.id for s in statements])
        fresh: list[Statement] = []
        seen: dict[str, Statement] = {}
        known: dict[str, int] = {}
        for st in statements:
            if st.id in existing:
                index, digest = existing[st.id]
                if digest != st.payload_sha256:
                    raise ConflictError(
                        f"{st.id}: this id is already used by a different statement "
                        f"(log index {index})"
                    )
                known[st.id] = index
            elif st.id in seen:
                if seen[st.id].payload != st.payload:
                    raise ConflictError(f"{st.id}: two different statements in one batch")
            else:
                seen[st.id] = st
                fresh.append(st)
        return fresh, known

    def _stage(
        self,
        session: Session,
        fresh: list[Statement],
        state: TrustedState,
        overlay: dict[store.NodeId, bytes],
        verified: frozenset[tuple[bytes, bytes, bytes]],
    ) -> list[_Pending]:
        identity, frontier = state.identity, state.frontier
        entries: list[dict[str, Any]] = []
        nodes: list[tuple[int, int, bytes]] = []
        pending: list[_Pending] = []
        attach_identity(session, identity)
        for st in fresh:
            kind = self.registry.kind(st.type)
            index = frontier.size
            identity.authorize(st, kind, index, verified)
            self._check_issued_at(st, state)
            if st.type in IDENTITY_TYPES:
                identity.check(st)
            elif kind.check is not None:
                flush_inserts(session)
                store.stage_tree(session, index, overlay)
                kind.check(session, st)
            if kind.apply is not None:
                kind.apply(session, st, index)
            if st.type in IDENTITY_TYPES:
                identity.apply(st)
            state.saw(st.author, st.issued_at)
            leaf = merkle.leaf_hash(st.entry)
            created = frontier.append(leaf)
            nodes.extend(created)
            for level, idx, digest in created:
                overlay[(level, idx)] = digest
            entries.append(
                {
                    "idx": index,
                    "statement_id": st.id,
                    "statement_type": st.type,
                    "author": st.author,
                    "payload_sha256": st.payload_sha256,
                    "entry": st.entry,
                }
            )
            pending.append(_Pending(st, index, leaf))
        flush_inserts(session)
        session.flush()
        store.insert_entries(session, entries)
        store.insert_nodes(session, nodes)
        return pending

    def _check_issued_at(self, statement: Statement, state: TrustedState) -> None:
        """A party's statement may not be dated more than :data:`MAX_AHEAD` after the
        office's clock (or the record's time, for a record kept in simulated time,
        whichever is later); the office's own statements set the record's time."""
        if statement.author == state.identity.office_id or state.identity.office_id is None:
            return
        now = self.clock()
        if state.office_time is not None and state.office_time > now:
            now = state.office_time
        if statement.issued_at > now + MAX_AHEAD:
            raise MalformedStatement(
                f"{statement.id}: issued_at {format_time(statement.issued_at)} is more than "
                f"{MAX_AHEAD.days} days after the office's time ({format_time(now)})",
                details=["field: issued_at", "reason: dated too far in the future"],
            )

    def office_time(self) -> datetime | None:
        """The record's time at the latest checkpoint: the latest time the office itself
        signed (see :class:`~concord.ledger.trusted.TrustedState`)."""
        with Session(self.engine) as session:
            self._sync(session)
        return self._state.office_time

    def _sign_checkpoint(
        self, session: Session, frontier: merkle.Frontier, overlay: dict[store.NodeId, bytes]
    ) -> None:
        root = frontier.root()
        previous = store.latest_checkpoint(session)
        if previous is not None:
            # The office never signs two checkpoints that are inconsistent with each other.
            view = store.NodeView(session, overlay)
            if previous.size > frontier.size or self._root(view, previous.size) != bytes(
                previous.root
            ):
                raise VerificationError(
                    f"refusing to sign: the stored tree does not extend the checkpoint of "
                    f"size {previous.size}; run `concord verify`"
                )
        note = self.signer.sign(Checkpoint(self.origin, frontier.size, root).text())
        session.add(LedgerCheckpoint(size=frontier.size, root=root, note=note))

    # -- receipts and proofs ---------------------------------------------------

    def _receipts(
        self,
        session: Session,
        statements: list[Statement],
        pending: list[_Pending],
        known: dict[str, int],
        overlay: dict[store.NodeId, bytes],
    ) -> list[Receipt]:
        with Session(self.engine) as reader:
            checkpoint = store.latest_checkpoint(reader)
            assert checkpoint is not None
            size, note = checkpoint.size, checkpoint.note
            view = store.NodeView(reader, overlay)
            index_of = {p.statement.id: p.index for p in pending} | known
            if known:
                wanted = sorted(set(known.values()))
                view.prefetch(
                    merkle.nodes_for_ranges(
                        [r for i in wanted for r in merkle.inclusion_proof_ranges(i, size)]
                    )
                )
            memo: dict[tuple[int, int], bytes] = {}
            out: list[Receipt] = []
            for st in statements:
                index = index_of[st.id]
                proof = [
                    memo[r] if r in memo else memo.setdefault(r, merkle.range_hash(*r, view))
                    for r in merkle.inclusion_proof_ranges(index, size)
                ]
                out.append(Receipt(st.id, index, view[(0, index)], tuple(proof), note))
            return out

    def _receipts_at_latest(self, session: Session, items: list[tuple[str, int]]) -> list[Receipt]:
        checkpoint = store.latest_checkpoint(session)
        assert checkpoint is not None
        view = store.NodeView(session, {})
        return [
            Receipt(
                sid,
                index,
                view[(0, index)],
                tuple(self._inclusion(view, index, checkpoint.size)),
                checkpoint.note,
            )
            for sid, index in items
        ]

    @staticmethod
    def _inclusion(view: store.NodeView, index: int, size: int) -> list[bytes]:
        ranges = merkle.inclusion_proof_ranges(index, size)
        view.prefetch(merkle.nodes_for_ranges(ranges))
        return [merkle.range_hash(a, b, view) for a, b in ranges]

    @staticmethod
    def _root(view: store.NodeView, size: int) -> bytes:
        if size == 0:
            return merkle.EMPTY_ROOT
        view.prefetch(merkle.nodes_for_ranges([(0, size)]))
        return merkle.range_hash(0, size, view)

    def _check_size(self, session: Session | Connection, size: int) -> None:
        if 0 <= size <= self._size:
            return  # the log only grows: a size seen before is still inside it
        current = store.tree_size(session)
        if not 0 <= size <= current:
            raise VerificationError(f"tree size {size} is outside the log (size {current})")

    # -- state -----------------------------------------------------------------

    def _sync(self, session: Session, *, appending: bool = False) -> None:
        """Catch up with appends made by other writers since this process last looked.

        The state is derived from the entries and checked against the office's latest
        signed checkpoint (:mod:`concord.ledger.trusted`), never read from the tables
        that project it: an edited table cannot change who may sign what. With
        ``appending`` (under the sequencer lock, where reads are current) a log shorter
        than one this process signed is a rollback.
        """
        size = store.tree_size(session)
        if size == self._size:
            return
        if size < self._size and not appending:
            # A reader's snapshot older than an append this process has made since (in
            # another thread): the state held is newer, and trusted. A log that really
            # shrank is refused by the next append, which reads under the lock.
            return
        checkpoint = trusted.latest_signed(session, self.signer.verifier(), self.origin)
        signed = 0 if checkpoint is None else checkpoint.size
        if size != signed:
            raise VerificationError(
                f"the log holds {size} entries but the office's latest signed checkpoint "
                f"covers {signed}: "
                + (
                    f"{size - signed} entries were never signed by the office"
                    if size > signed
                    else f"{signed - size} signed entries are missing"
                )
                + "; refusing to append",
                details=["run `concord verify` to find what was altered"],
            )
        if checkpoint is None:
            self._state, self._size = TrustedState(IdentityState(), merkle.Frontier()), 0
            return
        base = self._state if self._size >= 0 else None
        if base is None or checkpoint.size - base.size > trusted.SNAPSHOT_EVERY:
            snapshot = trusted.load_snapshot(session, self.signer.verifier(), checkpoint.size)
            if snapshot is not None and (base is None or snapshot.size > base.size):
                base = snapshot
        if base is None:
            base = TrustedState(IdentityState(), merkle.Frontier())
        self._state = trusted.catch_up(
            session, base, checkpoint, self.registry, max_entry_bytes=self.max_entry_bytes
        )
        self._size = size

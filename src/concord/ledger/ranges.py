"""Verification in ranges on every core.

Worker processes each take a range of entries and do everything that does not depend
on what came before: read the entries, re-hash them, compare the stored leaf hashes,
parse and schema-check the statements, check the signatures of keys already seen
signing, work out what identity statements change, and hash the range's part of the
tree, comparing it with the stored tree hashes. The main process takes the ranges
back in log order and does what does: it replays the identity changes, checks that
each signing key was its author's and valid at that point and that the author's role
allows the statement, appends each range's subtrees to the tree, compares the stored
hashes above them, and checks the signed checkpoints.

While every worker is busy, the main process checks the next range itself: with one
worker per spare core, every core is then busy and no more processes run than there
are cores (three processes on two cores took about a tenth more CPU for the same work).

A signature a worker could not check (its key had not yet signed anything when the
range was handed out) is checked by the main process, so the verdict never depends
on how the work was divided. The first problem is reported by entry, as in a
sequential pass: a range's problem is raised only after every earlier entry passed.
"""

from __future__ import annotations

import binascii
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
from pydantic import BaseModel
from sqlalchemy import Engine, create_engine

from concord.errors import ConcordError, VerificationError
from concord.identity.dsse import PAYLOAD_TYPE, Envelope, Signature, pae, parse_envelope
from concord.identity.keys import verify_signature
from concord.identity.preverify import SignaturePool
from concord.identity.schemas import OfficeEstablished
from concord.identity.service import IDENTITY_TYPES
from concord.identity.state import PlainChange, identity_change
from concord.ledger.merkle import Segment
from concord.ledger.statements import Statement, StatementRegistry, StatementType
from concord.ledger.store import EntryRangeReader
from concord.ledger.tiles import TileReader
from concord.ledger.tree_check import TreeProblem, compare_stored
from concord.runtime import cycle_collection_paused

#: Entries per range: large enough that handing a range over costs little, small
#: enough that every worker has several. A power of two, so that each range is one
#: perfect subtree of the log.
RANGE = 4096
#: Whether the main process checks ranges itself while the workers are busy.
SHARE = True
#: Ranges handed to each worker and not yet checked: enough that a worker still has
#: one to check while the main process checks a range of its own.
AHEAD = 4

Row = tuple[int, bytes, bytes | None]
#: A signature as plain values: (key id, signature).
SignatureRow = tuple[str, bytes]
#: (statement id, type, author, issued at, what is left to check, the signatures the
#: worker verified, in order, as (key id, public key), what the statement changes in
#: identity, as plain tuples). What is left to check is None when the worker verified
#: every signature; otherwise it is the payload and every signature, for the main
#: process to check the statement in full (it reads the entry again should it need to
#: after all). Bodies stay behind: the main process needs only the identity change.
#: Only plain values, which pickle fast: named tuples and pydantic's time zones made
#: handing a range back cost a fifth of checking it, and payloads and signatures made
#: the worker wait while the main process read them from the pipe.
Checked = tuple[
    str,
    str,
    str,
    datetime,
    tuple[bytes, tuple[SignatureRow, ...]] | None,
    tuple[tuple[str, bytes], ...],
    PlainChange | None,
]


class EntrySource(Protocol):
    """Where workers read entries from; it must pickle (workers open it themselves)."""

    @property
    def tree_stored(self) -> bool:
        """Whether the tree's hashes are stored beside the entries (each leaf is checked)."""
        ...

    def read(self, start: int, end: int) -> list[Row]: ...

    def next_index(self, position: int) -> int | None: ...

    def stored_nodes(self, level: int, start: int, end: int) -> dict[int, bytes]:
        """Stored hashes of the tree nodes of ``level`` with index in ``[start, end)``."""
        ...

    def close(self) -> None:
        """Release what this process opened to read (the workers keep theirs)."""
        ...


#: Per database URL, this process's engine, raw connection and reader (a worker keeps
#: one for as long as it lives; the main process closes its own when it is done).
_OPEN: dict[str, tuple[Engine, Any, EntryRangeReader]] = {}


def _reader(url: str) -> EntryRangeReader:
    if url not in _OPEN:
        engine = create_engine(url)
        connection = engine.raw_connection()
        reader = EntryRangeReader(connection.driver_connection, engine.dialect.paramstyle)
        _OPEN[url] = (engine, connection, reader)
    return _OPEN[url][2]


@dataclass(frozen=True, slots=True)
class DatabaseEntries:
    """The entries of a workspace's database, read with the driver's cursor."""

    url: str
    tree_stored: bool = True

    def read(self, start: int, end: int) -> list[Row]:
        return _reader(self.url).read(start, end)

    def next_index(self, position: int) -> int | None:
        return _reader(self.url).next_index(position)

    def stored_nodes(self, level: int, start: int, end: int) -> dict[int, bytes]:
        return _reader(self.url).nodes(level, start, end)

    def close(self) -> None:
        """Close this process's connection, if it opened one."""
        opened = _OPEN.pop(self.url, None)
        if opened is not None:
            engine, connection, reader = opened
            reader.close()
            connection.close()
            engine.dispose()


@dataclass(frozen=True, slots=True)
class TileEntries:
    """The entry bundles of a tiles export."""

    directory: str
    size: int
    tree_stored: bool = False

    def read(self, start: int, end: int) -> list[Row]:
        entries = TileReader(Path(self.directory)).entry_range(start, end, self.size)
        return [(start + offset, entry, None) for offset, entry in enumerate(entries)]

    def next_index(self, position: int) -> int | None:
        return position if position < self.size else None

    def stored_nodes(self, level: int, start: int, end: int) -> dict[int, bytes]:
        return {}  # an export's tree is checked against its tiles elsewhere

    def close(self) -> None:
        pass


@dataclass(slots=True)
class RangeResult:
    """What a worker established about a range: per entry, the tree, then the problems."""

    start: int
    statements: list[Checked] = field(default_factory=list)
    #: The checked entries as perfect subtrees (level, hash), largest first.
    edge: list[tuple[int, bytes]] = field(default_factory=list)
    #: For each checkpoint size after a checked entry (the range's end included): the
    #: edge of the range's entries before it (hashes, largest first).
    roots: dict[int, list[bytes]] = field(default_factory=dict)
    #: Stored interior tree hashes compared with the recomputed ones.
    tree_nodes: int = 0
    #: The first bad entry (the entries before it were checked).
    error: tuple[str, list[str]] | None = None
    #: The lowest stored tree hash inside the range that is not as recomputed (every
    #: entry was checked); reported once everything else has been.
    tree_problem: TreeProblem | None = None


def check_range(
    source: EntrySource,
    registry: StatementRegistry,
    start: int,
    end: int,
    signers: dict[str, bytes],
    max_entry_bytes: int,
    sizes: tuple[int, ...] = (),
) -> RangeResult:
    """Everything about entries ``start..end-1`` that needs no earlier entry (in a worker).

    ``start`` must be a multiple of a power of two no smaller than ``end - start``;
    ``sizes`` are the checkpoint sizes in ``(start, end]``.
    """
    from concord.ledger.verify import check_leaf, parse_entry

    with cycle_collection_paused():  # many small objects, no cycles
        result = RangeResult(start)
        leaves: list[bytes] = []
        try:
            rows = source.read(start, end)
        except VerificationError as exc:
            result.error = (exc.message, exc.details)
            return result
        expected = start
        statements: list[Statement] = []
        for index, entry, stored in rows:
            if index != expected:
                result.error = _missing(expected, index)
                break
            try:
                leaf = check_leaf(index, entry, stored, tree_stored=source.tree_stored)
                statement = parse_entry(index, entry, registry, max_entry_bytes)
            except VerificationError as exc:
                result.error = (exc.message, exc.details)
                break
            leaves.append(leaf)
            statements.append(statement)
            expected += 1
        # Signatures in a pass of their own: between parses they ran about 10% slower.
        verified = _verify_known(statements, signers)
        result.statements = [
            _checked(statement, good) for statement, good in zip(statements, verified, strict=True)
        ]
        if result.error is None and expected < end:
            result.error = _missing(expected, source.next_index(expected))
        segment = Segment(start, leaves)
        result.roots = {
            size: [value for _, value in segment.edge(size - start)]
            for size in sizes
            if size - start <= len(leaves)
        }
        if result.error is None:
            result.edge = segment.edge()
            if source.tree_stored:
                result.tree_nodes, result.tree_problem = _compare_stored(source, segment)
        return result


def _verify_known(
    statements: list[Statement], signers: dict[str, bytes]
) -> list[tuple[tuple[str, bytes], ...]]:
    """Per statement, the signatures that verify by a key in ``signers``, in order, as
    (key id, public key)."""
    out: list[tuple[tuple[str, bytes], ...]] = []
    for statement in statements:
        verified = []
        message = None
        for sig in statement.envelope.signatures:
            public = signers.get(sig.keyid)
            if public is not None:
                message = message or pae(statement.envelope.payload_type, statement.payload)
                if verify_signature(public, message, sig.sig):
                    verified.append((sig.keyid, public))
        out.append(tuple(verified))
    return out


def _checked(statement: Statement, verified: tuple[tuple[str, bytes], ...]) -> Checked:
    """A parsed statement for the main process, with the signatures checked here."""
    change = identity_change(statement.body) if statement.type in IDENTITY_TYPES else None
    signatures = statement.envelope.signatures
    unverified = None
    if len(verified) < len(signatures):
        unverified = (statement.payload, tuple((sig.keyid, sig.sig) for sig in signatures))
    return (
        statement.id,
        statement.type,
        statement.author,
        statement.issued_at,
        unverified,
        verified,
        None if change is None else change.plain(),
    )


def _compare_stored(source: EntrySource, segment: Segment) -> tuple[int, TreeProblem | None]:
    """Compare the segment's interior nodes with the stored ones, level by level."""
    compared = 0
    for level in range(1, len(segment.levels)):
        values = segment.levels[level]
        first = segment.start >> level
        stored = source.stored_nodes(level, first, first + len(values))
        problem = compare_stored(level, list(enumerate(values, first)), stored)
        if problem is not None:
            return compared, problem
        compared += len(values)
    return compared, None


def _missing(expected: int, following: int | None) -> tuple[str, list[str]]:
    where = f"the next stored entry is {following}" if following is not None else "the log ends"
    return f"entry {expected}: missing ({where})", ["entries were deleted or reordered"]


class _Unread(BaseModel):
    """The body of a statement whose body the main process does not need."""


_UNREAD = _Unread()


class Walker(Protocol):
    """The main process's side (``concord.ledger.verify``'s walk)."""

    def accept(
        self,
        index: int,
        statement: Statement,
        preverified: frozenset[tuple[bytes, bytes, bytes]] = ...,
    ) -> None: ...

    def accept_verified(
        self,
        index: int,
        checked: Checked,
        kind: StatementType,
    ) -> bool: ...

    def check_root(self, size: int, edge: list[bytes]) -> None: ...

    def grow_range(
        self, edge: list[tuple[int, bytes]], compared: int, problem: TreeProblem | None
    ) -> None: ...

    def signing_key(self, author: str, keyid: str) -> bytes | None: ...


@dataclass(slots=True)
class _Slot:
    """A range in log order: handed to a worker (a future) or checked here (a result)."""

    start: int
    end: int
    inside: tuple[int, ...]
    work: Future[RangeResult] | RangeResult | None = None


def verify_ranges(
    source: EntrySource,
    size: int,
    walk: Walker,
    pool: SignaturePool,
    registry: StatementRegistry,
    max_entry_bytes: int,
    progress: Callable[[int], None] | None,
    checkpoint_sizes: Iterable[int] = (),
) -> bool:
    """Verify entries ``0..size-1`` in ranges; False when the pool cannot run them.

    Should the workers stop part-way, the ranges they had not returned are checked here.
    This process's reading connection is closed when it returns.
    """
    with closing(source):
        if RANGE < 1 or RANGE & (RANGE - 1):
            raise ValueError(f"ranges of {RANGE} entries: not a power of two")
        signers = _genesis_signer(source, registry, max_entry_bytes)
        ranges = _Ranges(source, registry, size, max_entry_bytes, signers, sorted(checkpoint_sizes))
        ahead = AHEAD * pool.workers + 1
        held = 4 * ahead  # ranges checked and not yet taken back, at most
        slots = ranges.slots
        while ranges.left or slots:
            if not ranges.hand_out(pool, ahead, held):
                return False
            head = slots[0] if slots else None
            waiting = head is None or (isinstance(head.work, Future) and not head.work.done())
            if waiting and (SHARE or pool.broken) and ranges.check_one(held):
                continue  # the workers are busy (or gone): a range was checked here
            if head is None:
                continue
            slots.popleft()
            result = _result(head, pool, ranges.here)
            _take(walk, registry, result, signers, source)
            if progress is not None:
                progress(len(result.statements))
            problem = result.error
            if problem is not None:
                for pending in slots:
                    if isinstance(pending.work, Future):
                        pending.work.cancel()
                message, details = problem
                raise VerificationError(message, details=details)
        return True


@dataclass(slots=True)
class _Ranges:
    """The ranges of one verification in log order, handed out or checked here."""

    source: EntrySource
    registry: StatementRegistry
    size: int
    max_entry_bytes: int
    #: Keys known to have signed, by key id (grows as the main process takes ranges).
    signers: dict[str, bytes]
    #: Checkpoint sizes, in order.
    wanted: list[int]
    slots: deque[_Slot] = field(default_factory=deque)
    #: Where the next range starts.
    start: int = 0

    @property
    def left(self) -> bool:
        """Whether some entries are in no range yet."""
        return self.start < self.size

    def _next(self) -> _Slot:
        start, end = self.start, min(self.size, self.start + RANGE)
        return _Slot(start, end, tuple(n for n in self.wanted if start < n <= end))

    def _add(self, slot: _Slot) -> None:
        self.slots.append(slot)
        self.start = slot.end

    def arguments(self, slot: _Slot) -> tuple[Any, ...]:
        """What :func:`check_range` needs for ``slot``, with the signers known now."""
        return (
            self.source,
            self.registry,
            slot.start,
            slot.end,
            dict(self.signers),
            self.max_entry_bytes,
            slot.inside,
        )

    def here(self, slot: _Slot) -> RangeResult:
        return check_range(*self.arguments(slot))

    def hand_out(self, pool: SignaturePool, ahead: int, held: int) -> bool:
        """Give the workers ranges until ``ahead`` are unchecked or ``held`` not taken
        back; False when the pool cannot run the first range."""
        while self.left and _pending(self.slots) < ahead and len(self.slots) < held:
            if pool.broken:
                break
            slot = self._next()
            slot.work = pool.call(check_range, *self.arguments(slot))
            if slot.work is None:
                return self.start > 0  # the pool stopped: the rest is checked here
            self._add(slot)
        return True

    def check_one(self, held: int) -> bool:
        """Check a range here: the next one, or else one handed out that no worker has
        started; False when there is neither."""
        slot: _Slot | None
        if self.left and len(self.slots) < held:
            slot = self._next()
            self._add(slot)
        else:
            slot = _unstarted(self.slots)
            if slot is None:
                return False
        slot.work = self.here(slot)
        return True


def _result(slot: _Slot, pool: SignaturePool, here: Callable[[_Slot], RangeResult]) -> RangeResult:
    """The slot's result: a worker's, or, if the workers stopped, one checked here."""
    work = slot.work
    if isinstance(work, RangeResult):
        return work
    assert work is not None
    try:
        return work.result()
    except BrokenProcessPool:
        pool.broken = True
        return here(slot)


def _pending(slots: deque[_Slot]) -> int:
    """Ranges handed to the workers and not yet checked: a worker that has checked its
    ranges gets more, even while the main process has not yet taken them back."""
    return sum(isinstance(slot.work, Future) and not slot.work.done() for slot in slots)


def _unstarted(slots: deque[_Slot]) -> _Slot | None:
    """The last range handed out that no worker has started, taken back (cancelled) so
    that the main process checks it instead of waiting; None if there is none."""
    for slot in reversed(slots):
        if isinstance(slot.work, Future) and slot.work.cancel():
            return slot
    return None


def _take(
    walk: Walker,
    registry: StatementRegistry,
    result: RangeResult,
    signers: dict[str, bytes],
    source: EntrySource,
) -> None:
    """A range's entries in log order, the checkpoints inside it, then its subtrees."""
    index = result.start
    roots = result.roots
    types = registry.types
    for checked in result.statements:
        kind = types[checked[1]]
        if not (index and checked[4] is None and walk.accept_verified(index, checked, kind)):
            _accept(walk, registry, index, checked, signers, source)
        index += 1
        if index in roots:
            walk.check_root(index, roots[index])
    if result.error is None:
        walk.grow_range(result.edge, result.tree_nodes, result.tree_problem)


def _accept(
    walk: Walker,
    registry: StatementRegistry,
    index: int,
    checked: Checked,
    signers: dict[str, bytes],
    source: EntrySource,
) -> None:
    """A statement checked in full: the genesis, a statement with a signature the worker
    did not verify, or one whose key turned out to be another (rare)."""
    sid, kind, author, issued_at, unverified, verified, _change = checked
    if unverified is None:
        envelope = _read_again(source, index)
    else:
        payload, rows = unverified
        envelope = Envelope(PAYLOAD_TYPE, payload, tuple(Signature(*row) for row in rows))
    payload, signatures = envelope.payload, envelope.signatures
    body: BaseModel = _UNREAD
    if kind in IDENTITY_TYPES:  # schema-checked by the worker already
        body = registry.types[kind].body.model_validate(orjson.loads(payload)["body"])
    statement = Statement(sid, kind, author, issued_at, body, payload, envelope, b"")
    publics = dict(verified)
    digest = statement.payload_sha256
    preverified = frozenset(
        (publics[sig.keyid], sig.sig, digest) for sig in signatures if sig.keyid in publics
    )
    walk.accept(index, statement, preverified)
    if len(verified) < len(signatures):  # let later ranges check this author's key
        for sig in signatures:
            if sig.keyid not in signers:
                public = walk.signing_key(author, sig.keyid)
                if public is not None:
                    signers[sig.keyid] = public


def _read_again(source: EntrySource, index: int) -> Envelope:
    """The envelope of entry ``index``, read again (a worker checked it)."""
    rows = source.read(index, index + 1)
    if not rows or rows[0][0] != index:
        raise VerificationError(f"entry {index}: removed while the log was being verified")
    return parse_envelope(rows[0][1])


def _genesis_signer(
    source: EntrySource, registry: StatementRegistry, max_entry_bytes: int
) -> dict[str, bytes]:
    """The office's key from the genesis entry, so that the first ranges can use it."""
    from concord.ledger.verify import parse_entry

    try:
        rows = source.read(0, 1)
        if not rows or rows[0][0] != 0:
            return {}
        body = parse_entry(0, rows[0][1], registry, max_entry_bytes).body
    except ConcordError:
        return {}  # the walk reports it, in order
    if not isinstance(body, OfficeEstablished):
        return {}
    try:
        return {body.key.key_id: binascii.a2b_base64(body.key.public_key, strict_mode=True)}
    except ValueError:
        return {}

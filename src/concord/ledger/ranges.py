"""Verification in ranges on every core.

Worker processes each take a range of entries and do everything that does not depend
on what came before: read the entries, re-hash them, compare the stored leaf hashes,
parse and schema-check the statements, and check the signatures of keys already seen
signing. The main process takes the ranges back in log order and does what does:
it replays the identity statements, checks that each signing key was its author's
and valid at that point and that the author's role allows the statement, grows the
tree and compares it with the stored hashes and the signed checkpoints.

A signature a worker could not check (its key had not yet signed anything when the
range was handed out) is checked by the main process, so the verdict never depends
on how the work was divided. The first problem is reported by entry, as in a
sequential pass: a range's problem is raised only after every earlier entry passed.
"""

from __future__ import annotations

import binascii
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import orjson
from pydantic import BaseModel
from sqlalchemy import Engine, create_engine

from concord.errors import ConcordError, VerificationError
from concord.identity.dsse import PAYLOAD_TYPE, Envelope, Signature, pae
from concord.identity.keys import verify_signature
from concord.identity.preverify import SignaturePool
from concord.identity.schemas import OfficeEstablished
from concord.identity.service import IDENTITY_TYPES
from concord.ledger.statements import Statement, StatementRegistry
from concord.ledger.store import EntryRangeReader
from concord.ledger.tiles import TileReader

#: Entries per range: large enough that handing a range over costs little, small
#: enough that every worker has several.
RANGE = 4096

Row = tuple[int, bytes, bytes | None]
#: (statement id, type, author, issued at, payload, signatures as (key id, signature),
#: signatures the worker verified as (public key, signature, payload SHA-256)). Bodies stay behind:
#: the main process needs only identity bodies, and reads them from the payload
#: (cheaper than unpickling a model).
Checked = tuple[
    str,
    str,
    str,
    datetime,
    bytes,
    tuple[tuple[str, bytes], ...],
    tuple[tuple[bytes, bytes, bytes], ...],
]


class EntrySource(Protocol):
    """Where workers read entries from; it must pickle (workers open it themselves)."""

    @property
    def tree_stored(self) -> bool:
        """Whether the tree's hashes are stored beside the entries (each leaf is checked)."""
        ...

    def read(self, start: int, end: int) -> list[Row]: ...

    def next_index(self, position: int) -> int | None: ...


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return create_engine(url)


@lru_cache(maxsize=4)
def _reader(url: str) -> EntryRangeReader:
    engine = _engine(url)
    connection = engine.raw_connection()
    return EntryRangeReader(connection.driver_connection, engine.dialect.paramstyle)


@dataclass(frozen=True, slots=True)
class DatabaseEntries:
    """The entries of a workspace's database, read with the driver's cursor."""

    url: str
    tree_stored: bool = True

    def read(self, start: int, end: int) -> list[Row]:
        return _reader(self.url).read(start, end)

    def next_index(self, position: int) -> int | None:
        return _reader(self.url).next_index(position)


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


@dataclass(slots=True)
class RangeResult:
    """What a worker established about a range: per entry, then the first problem."""

    start: int
    leaves: list[bytes] = field(default_factory=list)
    statements: list[Checked] = field(default_factory=list)
    error: tuple[str, list[str]] | None = None


def check_range(
    source: EntrySource,
    registry: StatementRegistry,
    start: int,
    end: int,
    signers: dict[str, bytes],
    max_entry_bytes: int,
) -> RangeResult:
    """Everything about entries ``start..end-1`` that needs no earlier entry (in a worker)."""
    from concord.ledger.verify import check_leaf, parse_entry

    result = RangeResult(start)
    try:
        rows = source.read(start, end)
    except VerificationError as exc:
        result.error = (exc.message, exc.details)
        return result
    expected = start
    for index, entry, stored in rows:
        if index != expected:
            result.error = _missing(expected, index)
            return result
        try:
            leaf = check_leaf(index, entry, stored, tree_stored=source.tree_stored)
            statement = parse_entry(index, entry, registry, max_entry_bytes)
        except VerificationError as exc:
            result.error = (exc.message, exc.details)
            return result
        verified = []
        message = None
        for sig in statement.envelope.signatures:
            public = signers.get(sig.keyid)
            if public is not None:
                message = message or pae(statement.envelope.payload_type, statement.payload)
                if verify_signature(public, message, sig.sig):
                    verified.append((public, sig.sig, statement.payload_sha256))
        result.leaves.append(leaf)
        result.statements.append(
            (
                statement.id,
                statement.type,
                statement.author,
                statement.issued_at,
                statement.payload,
                tuple((sig.keyid, sig.sig) for sig in statement.envelope.signatures),
                tuple(verified),
            )
        )
        expected += 1
    if expected < end:
        result.error = _missing(expected, source.next_index(expected))
    return result


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

    def grow(self, leaf: bytes) -> None: ...

    def signing_key(self, author: str, keyid: str) -> bytes | None: ...


def verify_ranges(
    source: EntrySource,
    size: int,
    walk: Walker,
    pool: SignaturePool,
    registry: StatementRegistry,
    max_entry_bytes: int,
    progress: Callable[[int], None] | None,
) -> bool:
    """Verify entries ``0..size-1`` in ranges; False when the pool cannot run them."""
    signers = _genesis_signer(source, registry, max_entry_bytes)
    in_flight: deque[Future[RangeResult]] = deque()
    next_start = 0
    ahead = 2 * pool.workers + 1
    while next_start < size or in_flight:
        while next_start < size and len(in_flight) < ahead:
            end = min(size, next_start + RANGE)
            future = pool.call(
                check_range, source, registry, next_start, end, dict(signers), max_entry_bytes
            )
            if future is None:
                if next_start == 0:
                    return False
                raise VerificationError("the verification workers stopped")
            in_flight.append(future)
            next_start = end
        result = in_flight.popleft().result()
        for offset, (leaf, checked) in enumerate(
            zip(result.leaves, result.statements, strict=True)
        ):
            _accept(walk, registry, result.start + offset, checked, signers)
            walk.grow(leaf)
        if progress is not None:
            progress(len(result.leaves))
        if result.error is not None:
            for pending in in_flight:
                pending.cancel()
            message, details = result.error
            raise VerificationError(message, details=details)
    return True


def _accept(
    walk: Walker,
    registry: StatementRegistry,
    index: int,
    checked: Checked,
    signers: dict[str, bytes],
) -> None:
    sid, kind, author, issued_at, payload, signatures, verified = checked
    envelope = Envelope(
        PAYLOAD_TYPE, payload, tuple(Signature(keyid, sig) for keyid, sig in signatures)
    )
    body: BaseModel = _UNREAD
    if kind in IDENTITY_TYPES:  # schema-checked by the worker already
        body = registry.types[kind].body.model_validate(orjson.loads(payload)["body"])
    statement = Statement(sid, kind, author, issued_at, body, payload, envelope, b"")
    walk.accept(index, statement, frozenset(verified))
    if len(verified) < len(signatures):  # let later ranges check this author's key
        for keyid, _sig in signatures:
            if keyid not in signers:
                public = walk.signing_key(author, keyid)
                if public is not None:
                    signers[keyid] = public


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

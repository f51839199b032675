"""Signature checks deferred to worker processes during a full verification.

The verifier parses every entry and replays the identity statements in order in the
main process; the Ed25519 checks — most of the work — are collected in chunks and
sent to worker processes. When the workers already have enough queued, the main
process checks the chunk itself, so every core stays busy whichever side is slower.
Results are consumed in log order, so the entry reported is always the first bad
one: before any other failure at entry ``j`` is reported, every deferred check of an
entry before ``j`` is awaited.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from concord.errors import VerificationError
from concord.identity.keys import verify_signature
from concord.identity.preverify import SignaturePool, Triple

_CHUNK = 2048
#: Chunks waiting in the workers beyond which the main process checks the next one.
_QUEUED_PER_WORKER = 2
#: Chunks kept (pending or checked) before the oldest is awaited.
_KEPT = 64


@dataclass(slots=True)
class _Chunk:
    indexes: list[int]
    items: list[Triple]
    futures: list[Future[list[bool]]] | None
    results: list[bool] | None = None

    def pending(self) -> bool:
        return (
            self.results is None
            and self.futures is not None
            and not all(future.done() for future in self.futures)
        )


class DeferredSignatures:
    """Collects (entry index, public key, message, signature) and checks them in order."""

    def __init__(self, pool: SignaturePool) -> None:
        self._pool = pool
        self._indexes: list[int] = []
        self._items: list[Triple] = []
        self._chunks: deque[_Chunk] = deque()
        self.index = 0
        #: How many signatures the main process checked itself.
        self.checked_here = 0

    def __call__(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        self._indexes.append(self.index)
        self._items.append((public_key, message, signature))

    def pump(self) -> None:
        """Dispatch a full chunk; settle the chunks that are done."""
        if len(self._items) >= _CHUNK:
            self._send()

    def _send(self) -> None:
        if not self._items:
            return
        while self._chunks and not self._chunks[0].pending():
            self._settle_one()
        chunk = _Chunk(self._indexes, self._items, None)
        self._indexes, self._items = [], []
        waiting = sum(1 for queued in self._chunks if queued.pending())
        if waiting < _QUEUED_PER_WORKER * self._pool.workers:
            chunk.futures = self._pool.submit(chunk.items)
        if chunk.futures is None:  # the workers are busy (or unavailable): check it here
            chunk.results = [verify_signature(*item) for item in chunk.items]
            self.checked_here += len(chunk.items)
        self._chunks.append(chunk)
        while len(self._chunks) > _KEPT:
            self._settle_one()

    def _settle_one(self) -> None:
        chunk = self._chunks.popleft()
        results = chunk.results
        if results is None and chunk.futures is not None:
            try:
                results = [ok for future in chunk.futures for ok in future.result()]
            except BrokenProcessPool:
                results = None
        if results is None:
            results = [verify_signature(*item) for item in chunk.items]
        for index, ok in zip(chunk.indexes, results, strict=True):
            if not ok:
                # Later entries no longer matter: this is the first problem to report.
                self._chunks.clear()
                self._indexes, self._items = [], []
                raise VerificationError(f"entry {index}: its signature does not verify")

    def settle(self) -> None:
        """Check everything deferred so far; raise for the first bad entry."""
        self._send()
        while self._chunks:
            self._settle_one()

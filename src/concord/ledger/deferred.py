"""Signature checks deferred to worker processes during a full verification.

The verifier parses every entry and replays the identity statements in order in the
main process; the Ed25519 checks — most of the work — go to worker processes in
chunks. Results are consumed in log order, so the entry reported is always the first
bad one: before any other failure at entry ``j`` is reported, every deferred check of
an entry before ``j`` is awaited.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

from concord.errors import VerificationError
from concord.identity.keys import verify_signature
from concord.identity.preverify import SignaturePool

_CHUNK = 2048
_IN_FLIGHT = 8


class DeferredSignatures:
    """Collects (entry index, public key, message, signature) and checks them in order."""

    def __init__(self, pool: SignaturePool) -> None:
        self._pool = pool
        self._indexes: list[int] = []
        self._items: list[tuple[bytes, bytes, bytes]] = []
        self._flight: deque[
            tuple[list[int], list[tuple[bytes, bytes, bytes]], list[Future[list[bool]]] | None]
        ] = deque()
        self.index = 0

    def __call__(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        self._indexes.append(self.index)
        self._items.append((public_key, message, signature))

    def pump(self) -> None:
        """Send a full chunk to the workers; check the oldest results if too many wait."""
        if len(self._items) >= _CHUNK:
            self._send()

    def _send(self) -> None:
        if not self._items:
            return
        futures = self._pool.submit(self._items)
        self._flight.append((self._indexes, self._items, futures))
        self._indexes, self._items = [], []
        while len(self._flight) > _IN_FLIGHT:
            self._settle_one()

    def _settle_one(self) -> None:
        indexes, items, futures = self._flight.popleft()
        results: list[bool] | None = None
        if futures is not None:
            try:
                results = [ok for future in futures for ok in future.result()]
            except BrokenProcessPool:
                results = None
        if results is None:
            results = [verify_signature(*item) for item in items]
        for index, ok in zip(indexes, results, strict=True):
            if not ok:
                raise VerificationError(f"entry {index}: its signature does not verify")

    def settle(self) -> None:
        """Check everything deferred so far; raise for the first bad entry."""
        self._send()
        while self._flight:
            self._settle_one()

"""Signature checks in worker processes, ahead of the sequencer.

Verifying Ed25519 signatures is most of the CPU an append costs. For bulk appends the
ledger hands each batch's (public key, message, signature) triples to worker
processes before it takes the sequencer lock, and stages earlier batches while the
workers verify later ones. Inside the lock it only confirms that the key that
verified is still the author's valid key; anything not pre-verified is verified
inline, so the result never depends on whether the pool was used.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from concord.identity.keys import verify_signature
from concord.runtime import start_worker

Triple = tuple[bytes, bytes, bytes]
R = TypeVar("R")


def _verify_chunk(items: Sequence[Triple]) -> list[bool]:
    return [verify_signature(public, message, sig) for public, message, sig in items]


def default_workers() -> int:
    """One worker per spare core (at most 4); none on a single core."""
    cores = os.cpu_count() or 1
    return max(0, min(4, cores - 1))


class SignaturePool:
    """A lazily started pool of signature-verifying processes."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self.broken = False

    def submit(self, items: Sequence[Triple]) -> list[Future[list[bool]]] | None:
        """Start verifying ``items``; one future per chunk, in order.

        None when the pool cannot run (for example when the main program cannot be
        re-imported by a spawned worker): the caller then verifies inline.
        """
        if self.broken:
            return None
        pool = self._executor()
        step = max(64, len(items) // (2 * self.workers) + 1)
        try:
            return [
                pool.submit(_verify_chunk, list(items[i : i + step]))
                for i in range(0, len(items), step)
            ]
        except BrokenProcessPool:
            self.broken = True
            return None

    def call(self, fn: Callable[..., R], *args: Any) -> Future[R] | None:
        """Run ``fn(*args)`` in a worker; None when the pool cannot run."""
        if self.broken:
            return None
        try:
            return self._executor().submit(fn, *args)
        except BrokenProcessPool:
            self.broken = True
            return None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

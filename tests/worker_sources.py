"""Entry sources that behave badly in worker processes, for the tests of verification in
ranges. They live in a module of their own, which workers can import by name (a test
module's name is not importable in a spawned worker)."""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass

from concord.ledger.ranges import DatabaseEntries


def _in_worker() -> bool:
    return multiprocessing.parent_process() is not None


@dataclass(frozen=True, slots=True)
class DyingEntries(DatabaseEntries):
    """Entries whose reading kills a worker process at the second range (of 8)."""

    def read(self, start: int, end: int) -> list[tuple[int, bytes, bytes | None]]:
        if start >= 8 and _in_worker():
            os._exit(3)
        return DatabaseEntries.read(self, start, end)


@dataclass(frozen=True, slots=True)
class SlowEntries(DatabaseEntries):
    """Entries that workers read slowly: ranges handed out wait for a worker."""

    def read(self, start: int, end: int) -> list[tuple[int, bytes, bytes | None]]:
        if _in_worker():
            # Long enough that the main process, itself slowed on a loaded two-core
            # machine, still finds a range handed out that no worker has started (at
            # 0.3 s the workers sometimes started every range first under CI).
            time.sleep(0.8)
        return DatabaseEntries.read(self, start, end)

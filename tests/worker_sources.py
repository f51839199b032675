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


#: The environment variable naming the file whose creation lets gated workers read.
GATE = "CONCORD_TEST_READ_GATE"


@dataclass(frozen=True, slots=True)
class GatedEntries(DatabaseEntries):
    """Entries that workers read only once the file named by ``$CONCORD_TEST_READ_GATE``
    exists (at most 30 s): until the test opens the gate, every range handed out waits
    for a worker, whatever the load of the machine."""

    def read(self, start: int, end: int) -> list[tuple[int, bytes, bytes | None]]:
        if _in_worker():
            gate = os.environ[GATE]
            deadline = time.monotonic() + 30
            while not os.path.exists(gate) and time.monotonic() < deadline:
                time.sleep(0.01)
        return DatabaseEntries.read(self, start, end)

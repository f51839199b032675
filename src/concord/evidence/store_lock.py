"""One command at a time on the analytic store.

DuckDB lets one process write a database file, or several read it, but not both: a
second ``concord evaluate`` that opens the store while the first rebuilds it fails on
DuckDB's lock. So every use of the store (build, refresh, evaluate, reports, verify)
holds an exclusive lock on ``evidence.duckdb.lock`` beside it (``flock``, released by
the kernel when a process dies), and a second command waits for the first.

Within one process the lock is re-entrant for the thread that holds it, and other
threads wait for it as other processes do.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

Waiting = Callable[[], None]


@dataclass
class _Held:
    thread_lock: threading.RLock = field(default_factory=threading.RLock)
    fd: int | None = None
    depth: int = 0


_held: dict[str, _Held] = {}
_guard = threading.Lock()


def lock_path(store: Path) -> Path:
    """The lock file of the store at ``store``."""
    return store.with_name(store.name + ".lock")


def _flock(fd: int, on_wait: Waiting | None) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if on_wait is not None:
            on_wait()
        fcntl.flock(fd, fcntl.LOCK_EX)


@contextmanager
def store_lock(store: Path, *, on_wait: Waiting | None = None) -> Iterator[None]:
    """Hold the store's lock; ``on_wait`` is called once if another holder makes us wait."""
    path = lock_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _guard:
        held = _held.setdefault(key, _Held())
    if not held.thread_lock.acquire(blocking=False):
        if on_wait is not None:
            on_wait()
        held.thread_lock.acquire()
    try:
        if held.depth == 0:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                _flock(fd, on_wait)
            except BaseException:
                os.close(fd)
                raise
            held.fd = fd
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0 and held.fd is not None:
                fcntl.flock(held.fd, fcntl.LOCK_UN)
                os.close(held.fd)
                held.fd = None
    finally:
        held.thread_lock.release()

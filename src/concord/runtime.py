"""Process-level settings for long passes over many small objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a pass that makes no reference cycles.

    A pass that makes millions of small objects (findings of an evaluation, statements
    and identity records of a verification) would otherwise set off a collection every
    few hundred of them that walks every object already alive: in a verification of a
    large log that took longer than the checks themselves. Reference counting still
    frees everything; the collector is switched back on as it was found.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def start_worker() -> None:
    """Set up a worker process of a :class:`~concord.identity.preverify.SignaturePool`.

    Its tasks (signature chunks, ranges of a verification) make many small objects and
    no reference cycles, so the cyclic collector stays off for the worker's life.
    Switching it back on after each task cost a collection over everything the task
    had made and still held: about a twelfth of the time of a range of entries.
    """
    gc.disable()

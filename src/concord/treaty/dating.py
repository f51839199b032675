"""Which dated thing is in force on a day: the rule every part of the treaty follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from concord.treaty.types import Effective

T = TypeVar("T")
E = TypeVar("E", bound=Effective)


def bounds(item: Effective, default_start: date) -> tuple[date, date]:
    """Inclusive ``(from, to)`` of an item; open ends become the default start and date.max."""
    return item.effective_from or default_start, item.effective_to or date.max


def in_force(item: Effective, day: date, default_start: date) -> bool:
    """Whether ``item`` is in force on ``day`` (both bounds inclusive)."""
    start, end = bounds(item, default_start)
    return start <= day <= end


def in_force_items(items: Sequence[E], day: date, default_start: date) -> list[E]:
    """The items of ``items`` in force on ``day``, in their order."""
    return [item for item in items if in_force(item, day, default_start)]


def overlap(a: Effective, b: Effective, default_start: date) -> bool:
    """Whether two dated items are ever in force on the same day."""
    a_start, a_end = bounds(a, default_start)
    b_start, b_end = bounds(b, default_start)
    return a_start <= b_end and b_start <= a_end


def version_on(versions: Sequence[T], day: date, start: Callable[[T], date]) -> T | None:
    """The latest version whose start is on or before ``day`` (ties: the last listed)."""
    best: T | None = None
    for version in versions:
        if start(version) <= day and (best is None or start(version) >= start(best)):
            best = version
    return best

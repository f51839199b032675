"""Reporting periods, due dates and procedural deadlines, computed from the treaty's rules.

Period ids: quarterly ``2187-Q2``, monthly ``2187-04``, annual ``2187``. Pure functions
over dates; a malformed period id raises :class:`concord.errors.TreatyError`.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from concord.errors import TreatyError
from concord.treaty.types import Duration, PeriodKind

_PATTERNS: dict[PeriodKind, re.Pattern[str]] = {
    "quarterly": re.compile(r"([0-9]{4})-Q([1-4])"),
    "monthly": re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])"),
    "annual": re.compile(r"([0-9]{4})"),
}
_MONTHS_PER_PERIOD: dict[PeriodKind, int] = {"quarterly": 3, "monthly": 1, "annual": 12}


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A reporting period; ``start`` and ``end`` are both inside it."""

    start: date
    end: date
    kind: PeriodKind

    @property
    def id(self) -> str:
        if self.kind == "quarterly":
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "monthly":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}"

    def __str__(self) -> str:
        return self.id

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def period_containing(day: date, kind: PeriodKind = "quarterly") -> Period:
    """The period of ``kind`` that contains ``day``."""
    size = _MONTHS_PER_PERIOD[kind]
    first_month = (day.month - 1) // size * size + 1
    start = date(day.year, first_month, 1)
    return Period(start=start, end=add_months(start, size) - timedelta(days=1), kind=kind)


def parse_period(text: str, kind: PeriodKind | None = None) -> Period:
    """``"2187-Q2"`` → the period from 2187-04-01 to 2187-06-30."""
    kinds = [kind] if kind else list(_PATTERNS)
    for candidate in kinds:
        match = _PATTERNS[candidate].fullmatch(text)
        if not match:
            continue
        year = int(match.group(1))
        if not 1 <= year <= 9998:  # a period and the one after it are real dates
            raise TreatyError(f'period "{text}": the year must be from 0001 to 9998')
        if candidate == "quarterly":
            month = (int(match.group(2)) - 1) * 3 + 1
        elif candidate == "monthly":
            month = int(match.group(2))
        else:
            month = 1
        return period_containing(date(year, month, 1), candidate)
    expected = {"quarterly": "2187-Q2", "monthly": "2187-04", "annual": "2187"}
    examples = " or ".join(f'"{expected[k]}"' for k in kinds)
    raise TreatyError(f'not a {kind or "reporting"} period id: "{text}" (expected {examples})')


def next_period(period: Period) -> Period:
    return period_containing(period.end + timedelta(days=1), period.kind)


def periods_between(first: Period, last_day: date) -> list[Period]:
    """Every period from ``first`` up to the one containing ``last_day``, in order."""
    out: list[Period] = []
    current = first
    while current.start <= last_day:
        out.append(current)
        current = next_period(current)
    return out


def due_date(period: Period, days_after_end: int) -> date:
    """The last day on which a report for ``period`` is on time."""
    return period.end + timedelta(days=days_after_end)


def deadline(received: date, limit: Duration) -> date:
    """The last day of a time limit that runs from the receipt of a notice.

    UNCITRAL Arbitration Rules art. 2(6): the period begins on the day after receipt, so
    a 30-day limit from a notice received on day D ends on D + 30; a limit in months ends
    on the same day of the month, or the month's last day if there is none.
    """
    if limit.days is not None:
        return received + timedelta(days=limit.days)
    return add_months(received, limit.months or 0)

"""Inspection requests by the office's inspectors and the parties' grants of access.

Article 48 (R16): access within seventy-two hours of the request. Clean grants come 4 to
48 hours after the request; with violations, one grant a quarter comes 100 to 160 hours
after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import numpy as np

from concord.scenario.sites import PlannedSite
from concord.scenario.violations import INSPECTION_LATE, INSPECTION_LATE_HOURS, Violation
from concord.treaty.calendar import Period

ACCESS_LIMIT_HOURS = 72
CLEAN_GRANT_HOURS = (4, 48)


@dataclass(frozen=True, slots=True)
class Inspection:
    request_id: str
    inspector: str  # principal id
    site: PlannedSite
    requested_at: datetime
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class InspectionQuarter:
    inspections: tuple[Inspection, ...]
    truth: tuple[Violation, ...]


def inspection_quarter(
    period: Period,
    sites: Sequence[PlannedSite],
    inspectors: Sequence[str],
    size: int,
    rng: np.random.Generator,
    *,
    violations: bool,
) -> InspectionQuarter:
    """``size + 1`` inspections in the quarter, requested before its last two weeks."""
    count = size + 1
    late = int(rng.integers(count)) if violations else -1
    tag = period.id.replace("-", "")
    out: list[Inspection] = []
    truth: list[Violation] = []
    chosen = rng.choice(len(sites), size=min(count, len(sites)), replace=False)
    for number, index in enumerate(sorted(int(i) for i in chosen)):
        site = sites[index]
        day = period.start + timedelta(days=int(rng.integers(3, 75)))
        requested = datetime.combine(day, time(int(rng.integers(6, 18)), 0), tzinfo=UTC)
        low, high = INSPECTION_LATE_HOURS if number == late else CLEAN_GRANT_HOURS
        delay = int(rng.integers(low, high + 1))
        request_id = f"IR-{tag}-{number + 1:03d}"
        out.append(
            Inspection(
                request_id,
                inspectors[number % len(inspectors)],
                site,
                requested,
                requested + timedelta(hours=delay),
            )
        )
        if number == late:
            truth.append(
                Violation(
                    INSPECTION_LATE,
                    "R16",
                    site.operator,
                    request_id,
                    period.id,
                    {
                        "site": site.site_id,
                        "hours_to_access": delay,
                        "limit_hours": ACCESS_LIMIT_HOURS,
                    },
                )
            )
    return InspectionQuarter(tuple(out), tuple(truth))

"""Small builders for claims tests: GeoJSON dicts, rules, and claim facts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from concord.claims.priority import ActivityRecord, ClaimFacts, PriorityRule

RATIFIED = date(2030, 6, 1)


def polygon_json(ring: list[list[float]], **extra: Any) -> dict[str, Any]:
    return {"type": "Polygon", "crs": "sector-km", "coordinates": [ring], **extra}


def square(x: float, y: float, side: float = 1.0) -> list[list[float]]:
    return [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def treaty_rules() -> list[PriorityRule]:
    """Station Unity's priority rules, as the example treaty states them."""
    return [
        PriorityRule(
            "grandfathered", "grandfathered", RATIFIED, ("Provision 1",), {"cutoff": RATIFIED}
        ),
        PriorityRule("first-filed", "first_filed", RATIFIED, ("Provision 12(1)",)),
        PriorityRule("presence", "operational_presence", RATIFIED, ("Provision 12(2)",)),
        PriorityRule("use-it", "activity_lapse", RATIFIED, ("Provision 14",), {"due_days": 30}),
    ]


PRECEDENCE = {
    ("use-it", "grandfathered"),
    ("grandfathered", "first-filed"),
    ("grandfathered", "presence"),
}
# Sector Seven-Beta: the treaty leaves presence against first filing to a case.
CONTESTED = {frozenset({"first-filed", "presence"})}


def quarterly_reports(
    first_quarter: date, count: int, *, worked_area: BaseGeometry | None = None
) -> tuple[ActivityRecord, ...]:
    """``count`` on-time reports for consecutive quarters starting at ``first_quarter``."""
    reports = []
    year, month = first_quarter.year, first_quarter.month
    for _ in range(count):
        start = date(year, month, 1)
        next_year, next_month = (year + 1, 1) if month == 10 else (year, month + 3)
        end = date.fromordinal(date(next_year, next_month, 1).toordinal() - 1)
        reported = date.fromordinal(end.toordinal() + 10)
        reports.append(ActivityRecord(start, end, reported, True, worked_area))
        year, month = next_year, next_month
    return tuple(reports)


def claim(
    claim_id: str,
    holder: str,
    filed: str,
    geometry: BaseGeometry | None = None,
    *,
    registered: date | None = None,
    activity: tuple[ActivityRecord, ...] = (),
) -> ClaimFacts:
    return ClaimFacts(
        claim_id=claim_id,
        holder=holder,
        filed_at=at(filed),
        geometry=geometry if geometry is not None else box(0, 0, 10, 10),
        registered_on=registered,
        activity=activity,
    )

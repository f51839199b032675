"""What every requirement kind is evaluated with: the analytic store, the treaty in force,
the period, and reference tables derived from the treaty (loaded once per evaluation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from concord.compliance.findings import UNLOGGED, Finding, RecordTime, Statistic, Status
from concord.compliance.statistics import UncertaintyTable
from concord.evidence.rules import is_bound
from concord.treaty.calendar import Period, parse_period, periods_between
from concord.treaty.models import Requirement, Sector
from concord.treaty.versions import TreatyVersion

#: Reporter names that stand for kinds of party (treaty format, ``reporters``).
REPORTER_KINDS = {
    "signatories": ("signatory",),
    "third_parties": ("third_party",),
    "parties": ("signatory", "third_party"),
    "office": ("office",),
}


def polygon_area(points: Sequence[Sequence[float]]) -> float:
    """Area of a simple polygon by the shoelace formula (km², for km coordinates)."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, [*points[1:], points[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluationContext:
    """One evaluation: the store, the treaty, the period, the day it is made, and the
    checkpoint of the record the store was built from (every finding names it)."""

    con: duckdb.DuckDBPyConnection
    treaty: TreatyVersion
    period: Period
    as_of: date
    uncertainties: UncertaintyTable
    record_time: RecordTime = UNLOGGED
    #: ``period.id``, computed once: every finding carries it.
    period_id: str = field(init=False)
    #: What requirements of this evaluation share (e.g. reconciliation sums), by name.
    shared: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "period_id", self.period.id)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def periods_through(self) -> list[str]:
        """Every reporting period from the treaty's first up to the evaluated one."""
        calendar = self.treaty.treaty.calendar
        first = parse_period(calendar.first_period, calendar.period)
        return [p.id for p in periods_between(first, self.period.end)]

    def reporters(self, names: Sequence[str]) -> list[str]:
        """Party ids named by ``reporters`` that are bound during the period, in order."""
        out: list[str] = []
        for name in names:
            kinds = REPORTER_KINDS.get(name)
            for party in self.treaty.treaty.parties:
                named = party.kind in kinds if kinds else party.id == name
                bound = is_bound(party, self.treaty, self.period.start, self.period.end)
                if named and bound and party.id not in out:
                    out.append(party.id)
        return out

    @property
    def office_party(self) -> str:
        return next((p.id for p in self.treaty.treaty.parties if p.kind == "office"), "office")

    def finding(
        self,
        requirement: Requirement,
        status: Status,
        explanation: str,
        *,
        party: str = "",
        subject: str = "",
        measured: float | None = None,
        threshold: float | None = None,
        statistic: tuple[str, float] | None = None,
        evidence: Sequence[int] | None = None,
    ) -> Finding:
        return Finding(
            requirement=requirement.id,
            provisions=tuple(requirement.cites),
            party=str(party),
            subject=str(subject),
            period=self.period_id,
            record_time=self.record_time,
            status=status,
            explanation=explanation,
            measured=measured,
            threshold=threshold,
            statistic=None if statistic is None else Statistic(*statistic),
            evidence=() if evidence is None else map(int, evidence),
        )


def _sector_rows(sectors: Sequence[Sector]) -> list[dict[str, Any]]:
    parents = {s.id: s.parent for s in sectors}
    rows = []
    for sector in sectors:
        ancestor: str | None = sector.id
        while ancestor is not None:
            rows.append(
                {
                    "sector": sector.id,
                    "ancestor": ancestor,
                    "is_root": parents.get(ancestor) is None,
                }
            )
            ancestor = parents.get(ancestor)
    return rows


def prepare(
    con: duckdb.DuckDBPyConnection, treaty: TreatyVersion, uncertainties: UncertaintyTable
) -> None:
    """Load the treaty's reference tables as TEMP tables (the store itself is untouched)."""
    sectors = treaty.sectors()
    tables = {
        "methods": [
            {"method": m.method, "random_rel": m.random_rel, "systematic_rel": m.systematic_rel}
            for m in uncertainties.methods
        ],
        "sector_tree": _sector_rows(sectors),
        "sector_areas": [{"sector": s.id, "area_km2": polygon_area(s.boundary)} for s in sectors],
        "sector_allocations": [
            {"sector": s.id, "party": p} for s in sectors for p in s.allocated_to
        ],
        "fee_rates": [
            {
                "schedule": sched.id,
                "currency": sched.currency,
                "effective_from": v.effective_from,
                "vessel_class": r.vessel_class,
                "berth": r.berth,
                "amount": float(r.amount),
                "per": r.per,
            }
            for sched in treaty.treaty.fee_schedules
            for v in sched.versions
            for r in v.rates
        ],
    }
    schemas = {
        "methods": "method VARCHAR, random_rel DOUBLE, systematic_rel DOUBLE",
        "sector_tree": "sector VARCHAR, ancestor VARCHAR, is_root BOOLEAN",
        "sector_areas": "sector VARCHAR, area_km2 DOUBLE",
        "sector_allocations": "sector VARCHAR, party VARCHAR",
        "fee_rates": "schedule VARCHAR, currency VARCHAR, effective_from DATE, "
        "vessel_class VARCHAR, berth VARCHAR, amount DECIMAL(18, 4), per VARCHAR",
    }
    for name, rows in tables.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({schemas[name]})")
        if rows:
            con.register("incoming", pa.Table.from_pylist(rows))
            con.execute(f"INSERT INTO temp.{name} SELECT * FROM incoming")
            con.unregister("incoming")

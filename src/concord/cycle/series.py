"""Chart series for a report, read from the analytic store (set-oriented DuckDB).

The same log prefix gives the same series: rows are ordered and figures rounded.
"""

from __future__ import annotations

import math

import duckdb

from concord.compliance.engine import cusum_paths
from concord.compliance.findings import DECIMALS
from concord.compliance.statistics import UncertaintyTable
from concord.reports.model import CusumSeries, FeeCharge, SiteReconciliation
from concord.treaty.calendar import Period
from concord.treaty.requirements import Reconciliation
from concord.treaty.versions import TreatyVersion

#: At most this many CUSUM paths are drawn: those that came closest to their threshold.
MAX_CUSUM_PATHS = 8


def _method_values(table: UncertaintyTable) -> str:
    rows = ", ".join(
        f"('{m.method}', {m.random_rel!r}, {m.systematic_rel!r})" for m in table.methods
    )
    return f"(VALUES {rows}) AS u(method, r, s)"


def _per_site(
    con: duckdb.DuckDBPyConnection, periods: list[str], table: UncertaintyTable
) -> list[tuple[str, str, str, float, float, float]]:
    """(period, party, site, declared t, measured t, σ of the difference) per site and period."""
    sql = f"""
        WITH m AS (
            SELECT em.period, em.party, em.site, sum(em.measured_tonnes) AS measured,
                   sum(power(em.measured_tonnes * u.r, 2)) AS var_r,
                   sum(em.measured_tonnes * u.s) AS sys
            FROM extraction_measurements em JOIN {_method_values(table)} ON u.method = em.method
            WHERE list_contains($periods::VARCHAR[], em.period)
              -- as the engine: a party that filed no declaration is not reconciled
              AND EXISTS (SELECT 1 FROM declarations f
                          WHERE f.declaration_type = 'extraction' AND f.party = em.party
                            AND f.period = em.period)
            GROUP BY ALL),
        d AS (
            SELECT period, party, site, sum(declared_tonnes) AS declared,
                   sum(power(coalesce(declared_sigma_tonnes, 0), 2)) AS var_d
            FROM extraction_declarations
            WHERE list_contains($periods::VARCHAR[], period)
            GROUP BY ALL)
        SELECT m.period, m.party, m.site, coalesce(d.declared, 0), m.measured,
               sqrt(m.var_r + m.sys * m.sys + coalesce(d.var_d, 0))
        FROM m LEFT JOIN d USING (period, party, site)
        ORDER BY m.period, m.party, m.site"""
    rows = con.execute(sql, {"periods": periods}).fetchall()
    return [
        (str(p), str(a), str(s), float(dv), float(mv), float(sg)) for p, a, s, dv, mv, sg in rows
    ]


def reconciliation_series(
    con: duckdb.DuckDBPyConnection, period: Period, table: UncertaintyTable | None = None
) -> list[SiteReconciliation]:
    """Declared against measured tonnes per site in ``period``."""
    rows = _per_site(con, [period.id], table or UncertaintyTable.default())
    return [
        SiteReconciliation(
            party=party, site=site, declared=round(d, 3), measured=round(m, 3), sigma=round(s, 3)
        )
        for _p, party, site, d, m, s in rows
        if s > 0
    ]


def cusum_series(
    con: duckdb.DuckDBPyConnection,
    treaty: TreatyVersion,
    period: Period,
    table: UncertaintyTable | None = None,
) -> list[CusumSeries]:
    """Page's CUSUM path per party and site up to ``period``, as the per-site
    reconciliation requirement computes it (with its restarts after an alarm): the
    chart draws the statistic the findings use."""
    site_rule = next(
        (
            r
            for r in treaty.requirements()
            if isinstance(r, Reconciliation) and r.params.per == "site"
        ),
        None,
    )
    if site_rule is None:
        return []
    out = [
        CusumSeries(
            party=path.party,
            subject=path.subject,
            points=tuple((p, round(v, DECIMALS)) for p, v in path.points),
            threshold=path.h,
        )
        for path in cusum_paths(con, treaty, period, site_rule, uncertainties=table)
    ]
    out.sort(key=lambda c: (-max(v for _p, v in c.points), c.party, c.subject))
    return sorted(out[:MAX_CUSUM_PATHS], key=lambda c: (c.party, c.subject))


def fee_series(
    con: duckdb.DuckDBPyConnection, treaty: TreatyVersion, period: Period
) -> list[FeeCharge]:
    """Fee per day charged for each call, against the scheduled daily rate at arrival."""
    schedules = [s for s in treaty.treaty.fee_schedules if s.fee_kind == "docking"]
    rows = con.execute(
        """SELECT party, vessel_class, berth, CAST(arrived_at AS DATE),
                  CAST(fee_charged AS DOUBLE) / greatest(days, 1)
           FROM docking_fees WHERE period = $period
           ORDER BY party, vessel_class, berth, arrived_at, vessel""",
        {"period": period.id},
    ).fetchall()
    out: list[FeeCharge] = []
    for party, vessel_class, berth, arrived, per_day in rows:
        scheduled = None
        for schedule in schedules:
            version = None
            for v in schedule.versions:
                if v.effective_from <= arrived:
                    version = v
            rate = version.rate(vessel_class, berth) if version else None
            if rate is not None and rate.per == "day":
                scheduled = float(rate.amount)
        if per_day is None or not math.isfinite(per_day):
            continue
        out.append(
            FeeCharge(
                party=str(party),
                vessel_class=str(vessel_class),
                berth=str(berth),
                charged_per_day=round(float(per_day), 4),
                schedule_per_day=scheduled,
            )
        )
    return out

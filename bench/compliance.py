"""Benchmark of the compliance engine: all 17 requirements of the Treaty of Station Unity
over ten million evidence rows, and the same reconciliation written straightforwardly in
pandas, on the same data in the same process.

Evidence is synthetic but shaped like the scenario: sites spread over the sectors and
zones, ten minerals, eight quarters; declarations follow measurements within the
method's uncertainty, with a few sites under-declaring sharply and a few a little every
quarter (which only the CUSUM catches); docking calls of 1–5 days charged per Annex II,
a few overcharged. Rows go straight into DuckDB (never through the ledger).

The engine's R7 time is a whole evaluation of that requirement on the store: the treaty's
reference tables loaded, the evidence joined and summed, the statistics, and the findings
with their explanations and evidence, in canonical order. The pandas time starts from the
three frames already in memory and ends with a frame of per-site results.

Run with ``python -m bench.compliance [ROWS]`` (default 10,000,000).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from concord.compliance.engine import evaluate_requirements
from concord.compliance.statistics import UncertaintyTable
from concord.evidence.analytics_schema import create_tables
from concord.scenario.treaty import station_unity_text
from concord.treaty.calendar import parse_period
from concord.treaty.service import load_treaty_text
from concord.treaty.versions import TreatyVersion, treaty_at

DEFAULT_ROWS = 10_000_000
PERIODS = [
    f"{y}-Q{q}"
    for y, q in [
        (2187, 2),
        (2187, 3),
        (2187, 4),
        (2188, 1),
        (2188, 2),
        (2188, 3),
        (2188, 4),
        (2189, 1),
    ]
]
EVALUATED = PERIODS[-1]
AS_OF = date(2189, 6, 30)
MINERALS = 10
SECTORS = ["seven-alpha", "seven-beta-north", "seven-beta-common", "seven-beta-south", "four-gamma"]
PARTIES = ["PA", "EF", "MI", "HMC", "MC", "TR", "BMF"]
METHODS = ["weighing", "volumetric", "sampling_assay", "xrf"]


def _u(*parts: str) -> str:
    """A deterministic uniform number in [0, 1) from a hash of the SQL expressions."""
    return f"(hash({', '.join(parts)}) % 1000003) / 1000003.0"


def generate(con: duckdb.DuckDBPyConnection, rows: int) -> dict[str, int]:
    """Fill the analytic store's tables with about ``rows`` evidence rows."""
    create_tables(con)
    sites = max(10, rows * 2 // 5 // (2 * MINERALS * len(PERIODS)))
    calls = max(10, rows * 58 // 100)
    requests = max(10, rows // 100)
    starts = [parse_period(p).start for p in PERIODS]
    con.execute(
        "CREATE TEMP TABLE periods AS SELECT unnest(?) AS period, "
        "generate_subscripts(?, 1) AS n, unnest(?::DATE[]) AS start",
        [PERIODS, PERIODS, starts],
    )
    con.execute(
        f"""
        INSERT INTO sites SELECT 'S' || lpad(CAST(i AS VARCHAR), 6, '0'), 'Site ' || i,
            (?::VARCHAR[])[1 + i % 5], i % 200, i % 80,
            CASE i % 5 WHEN 1 THEN 'PA' WHEN 3 THEN 'EF'
                 ELSE (?::VARCHAR[])[1 + CAST(floor({_u("i", "'op'")} * 7) AS INTEGER)] END, 0
        FROM range(?) t(i)""",
        [SECTORS, PARTIES, sites],
    )
    con.execute(
        f"""
        INSERT INTO extraction_measurements
        SELECT 1000 + p.n, 'inspector-1', s.operator, p.period, s.site, s.sector,
               'mineral-' || m.m, 200 + 4000 * {_u("s.site", "m.m", "p.period")},
               (?::VARCHAR[])[1 + CAST(floor({_u("s.site", "'method'")} * 4) AS INTEGER)]
        FROM sites s, periods p, range(?) m(m)""",
        [METHODS, MINERALS],
    )
    # Honest sites declare within the method's noise; 1 % declare 8 % less in the last
    # quarter; 1 % declare 0.3 % less every quarter (protracted, CUSUM territory).
    con.execute(
        f"""
        INSERT INTO extraction_declarations
        SELECT 500 + p.n, x.party, x.period, x.site, x.sector, x.mineral,
               x.measured_tonnes * CASE
                   WHEN {_u("x.site", "'sharp'")} < 0.01 AND x.period = ? THEN 0.92
                   WHEN {_u("x.site", "'slow'")} < 0.01 THEN 0.997
                   ELSE 1 + 0.002 * ({_u("x.site", "x.mineral", "x.period", "'n'")} - 0.5) END,
               0.0
        FROM extraction_measurements x JOIN periods p USING (period)""",
        [EVALUATED],
    )
    con.execute(
        """
        INSERT INTO declarations SELECT 500 + n, 'd-' || party || period, 'extraction', party,
            period, CAST(start + INTERVAL 100 DAY AS TIMESTAMP), NULL
        FROM (SELECT unnest(?::VARCHAR[]) AS party), periods""",
        [PARTIES],
    )
    con.execute("""
        INSERT INTO measurements SELECT 1000 + n, 'm-' || period, 'extraction', 'inspector-1',
            period, CAST(start + INTERVAL 120 DAY AS TIMESTAMP), NULL FROM periods""")
    con.execute(
        f"""
        INSERT INTO docking_fees
        WITH c AS (
            SELECT i, (?::VARCHAR[])[1 + i % 8] AS period,
                   (?::VARCHAR[])[1 + CAST(floor({_u("i", "'p'")} * 7) AS INTEGER)] AS party,
                   (['light', 'medium', 'heavy'])[1 + i % 3] AS vessel_class,
                   (['standard', 'priority'])[1 + (i // 3) % 2] AS berth,
                   1 + CAST(floor({_u("i", "'d'")} * 5) AS INTEGER) AS days,
                   CAST(floor({_u("i", "'t'")} * 88) AS INTEGER) AS day_in_period
            FROM range(?) t(i)),
        a AS (SELECT c.*, CAST(p.start + day_in_period * INTERVAL 1 DAY AS TIMESTAMP)
                      AS arrived FROM c JOIN periods p USING (period))
        SELECT 2000 + (i % 8), period, 'V' || (i % 50000), party, a.vessel_class, a.berth,
               arrived, arrived + (days * 24 - 2) * INTERVAL 1 HOUR, days,
               CAST(r.amount * days * CASE WHEN i % 997 = 0 THEN 1.1 ELSE 1 END
                    AS DECIMAL(18, 4)), 'UCR'
        FROM a JOIN rates r ON r.vessel_class = a.vessel_class AND r.berth = a.berth
         AND r.effective_from = (SELECT max(effective_from) FROM rates v
                                 WHERE v.effective_from <= CAST(a.arrived AS DATE))
        """,
        [PERIODS, PARTIES, calls],
    )
    con.execute(
        f"""
        INSERT INTO inspection_requests
        SELECT 'IR-' || i, s.operator, s.site, r.at, r.at + INTERVAL 1 HOUR *
               CASE WHEN i % 50 = 0 THEN 90 ELSE 24 END, 3000, 3001
        FROM range(?) t(i)
        JOIN sites s ON s.site = 'S' || lpad(CAST(i % {sites} AS VARCHAR), 6, '0'),
        LATERAL (SELECT TIMESTAMP '2187-04-01' + INTERVAL 1 HOUR * (i * 7 % 17000) AS at) r
        """,
        [requests],
    )
    con.execute(
        """
        INSERT INTO docking_requests SELECT 'DR-' || i, (?::VARCHAR[])[1 + i % 7], 'V' || i,
            TIMESTAMP '2187-04-01' + INTERVAL 1 HOUR * (i * 11 % 17000),
            CASE WHEN i % 40 = 0 THEN 'refused' ELSE 'granted' END,
            CASE WHEN i % 80 = 0 THEN 'congestion' WHEN i % 40 = 0 THEN 'safety' END, 4000
        FROM range(?) t(i)""",
        [PARTIES, requests],
    )
    con.execute(f"""
        INSERT INTO claims SELECT 'C' || i, operator, sector, 'registered',
               5 + 40 * {_u("i", "'a'")}
        FROM (SELECT row_number() OVER () AS i, * FROM sites)""")
    con.execute(
        "INSERT INTO site_claims SELECT site, 'C' || (row_number() OVER ()), operator FROM sites"
    )
    return {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
        for t in (
            "extraction_declarations",
            "extraction_measurements",
            "docking_fees",
            "inspection_requests",
            "docking_requests",
            "claims",
            "site_claims",
            "sites",
        )
    }


def _rates(con: duckdb.DuckDBPyConnection, treaty: TreatyVersion) -> None:
    schedule = treaty.treaty.fee_schedules[0]
    rows = [
        (v.effective_from, r.vessel_class, r.berth, float(r.amount))
        for v in schedule.versions
        for r in v.rates
    ]
    con.execute(
        "CREATE TEMP TABLE rates (effective_from DATE, vessel_class VARCHAR, "
        "berth VARCHAR, amount DECIMAL(18, 4))"
    )
    con.executemany("INSERT INTO rates VALUES (?, ?, ?, ?)", rows)


def pandas_reconciliation(
    decl: pd.DataFrame, meas: pd.DataFrame, filed: pd.DataFrame
) -> pd.DataFrame:
    """Per-site reconciliation (item test, materiality, CUSUM), the straightforward way,
    with the engine's rules: only parties that filed a declaration for a period are
    reconciled for it, and the CUSUM restarts after an alarm."""
    table = UncertaintyTable.default()
    meas = meas.merge(filed, on=["party", "period"], how="inner")
    merged = decl.merge(meas, on=["party", "site", "mineral", "period"], how="outer")
    merged["random_rel"] = merged["method"].map(lambda m: table.get(m).random_rel)
    merged["systematic_rel"] = merged["method"].map(lambda m: table.get(m).systematic_rel)
    merged["random_var"] = (merged["measured_tonnes"] * merged["random_rel"]) ** 2
    merged["systematic_sd"] = merged["measured_tonnes"] * merged["systematic_rel"]
    by_method = merged.groupby(["party", "site", "period", "method"], as_index=False).agg(
        declared=("declared_tonnes", "sum"),
        measured=("measured_tonnes", "sum"),
        random_var=("random_var", "sum"),
        systematic_sd=("systematic_sd", "sum"),
    )
    by_method["var"] = by_method["random_var"] + by_method["systematic_sd"] ** 2
    sites = by_method.groupby(["party", "site", "period"], as_index=False).agg(
        declared=("declared", "sum"), measured=("measured", "sum"), var=("var", "sum")
    )
    sites["sigma"] = np.sqrt(sites["var"])
    sites["z"] = (sites["declared"] - sites["measured"]) / sites["sigma"]
    diff = (sites["declared"] - sites["measured"]).abs()
    reference = sites[["declared", "measured"]].abs().max(axis=1)
    sites["material"] = (diff > 0.02 * reference) & (diff > 50)
    sites = sites.sort_values(["party", "site", "period"])

    def page(group: pd.DataFrame) -> float:
        level = last = 0.0
        for _, row in group.iterrows():
            last = max(0.0, level + (row["measured"] - row["declared"]) / row["sigma"] - 0.5)
            level = 0.0 if last > 4 else last
        return last

    levels = sites.groupby(["party", "site"]).apply(page, include_groups=False)
    current = sites[sites["period"] == EVALUATED].set_index(["party", "site"])
    current["cusum"] = levels
    current["violation"] = ((current["z"] < -3) & current["material"]) | (current["cusum"] > 4)
    return current.reset_index()


def _median(action: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run(rows: int = DEFAULT_ROWS, repeats: int = 3) -> list[dict[str, Any]]:
    """Benchmark rows: name, median_s, comparison (what ratio is against), ratio."""
    treaty = treaty_at(load_treaty_text(station_unity_text(), "station_unity.yaml"), [], AS_OF)
    period = parse_period(EVALUATED)
    con = duckdb.connect()
    _rates(con, treaty)
    counts = generate(con, rows)
    total = sum(v for k, v in counts.items() if k not in ("sites",))
    requirements = treaty.requirements()
    reconciliation = [r for r in requirements if r.id == "R7"]

    def all_17() -> int:
        return len(evaluate_requirements(con, treaty, period, requirements, as_of=AS_OF))

    def r7_duckdb() -> int:
        found = evaluate_requirements(con, treaty, period, reconciliation, as_of=AS_OF)
        return sum(f.status == "violation" for f in found)

    all_s, n_findings = _median(all_17, repeats)
    r7_s, r7_violations = _median(r7_duckdb, repeats)
    decl = con.execute(
        "SELECT party, site, mineral, period, declared_tonnes FROM extraction_declarations"
    ).df()
    meas = con.execute(
        "SELECT party, site, mineral, period, measured_tonnes, method FROM extraction_measurements"
    ).df()
    filed = con.execute(
        "SELECT DISTINCT party, period FROM declarations WHERE declaration_type = 'extraction'"
    ).df()
    pandas_s, frame = _median(lambda: pandas_reconciliation(decl, meas, filed), repeats)
    pandas_violations = int(frame["violation"].sum())
    return [
        {
            "name": f"all 17 requirements, {total:,} evidence rows, {n_findings:,} findings",
            "median_s": all_s,
            "comparison": None,
            "ratio": None,
        },
        {
            "name": f"R7 reconciliation in DuckDB ({r7_violations:,} violations)",
            "median_s": r7_s,
            "comparison": None,
            "ratio": None,
        },
        {
            "name": f"R7 reconciliation in pandas ({pandas_violations:,} violations)",
            "median_s": pandas_s,
            "comparison": "R7 reconciliation in DuckDB",
            "ratio": pandas_s / r7_s,
        },
    ]


def _print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'benchmark':<80} {'median':>10} {'ratio':>8}")
    for row in rows:
        ratio = f"{row['ratio']:.1f}×" if row["ratio"] is not None else ""
        print(f"{row['name']:<80} {row['median_s']:>9.2f}s {ratio:>8}")


if __name__ == "__main__":
    _print_table(run(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_ROWS))

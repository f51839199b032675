"""The report's CUSUM chart draws the statistic the findings use, restarts included."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from compliance.engine_cases import case_store
from concord.compliance.engine import evaluate_requirements
from concord.compliance.findings import Finding
from concord.cycle.series import cusum_series
from concord.reports import charts
from concord.reports.model import CusumSeries
from concord.treaty.calendar import parse_period
from concord.treaty.versions import TreatyVersion

PERIODS = ["2187-Q2", "2187-Q3", "2187-Q4", "2188-Q1"]
#: Weighing 1000 t: σ = 1000 × √(0.001² + 0.0005²) = 1.118034 t, and k = 0.5, h = 4.
SIGMA = 1000 * (0.001**2 + 0.0005**2) ** 0.5


def _shortfalls(per_quarter_excess: list[float]) -> dict[str, list[dict[str, object]]]:
    """Declarations short of 1000 t weighed by (x − k + k) σ, so that each quarter adds
    ``x − k`` (the given excess) to the CUSUM."""
    rows_d, rows_m = [], []
    for period, excess in zip(PERIODS, per_quarter_excess, strict=True):
        short = (excess + 0.5) * SIGMA
        common = {"party": "PA", "site": "SB-N-03", "sector": "seven-beta-north"}
        common |= {"mineral": "ore", "period": period}
        rows_d.append(common | {"declared_tonnes": 1000 - short})
        rows_m.append(common | {"measured_tonnes": 1000, "method": "weighing"})
    return {"extraction_declarations": rows_d, "extraction_measurements": rows_m}


def cusum_series_without_alarm() -> CusumSeries:
    points = (("2187-Q2", 1.0), ("2187-Q3", 2.0))
    return CusumSeries(party="PA", subject="SB-N-03", points=points, threshold=4)


def _r7(
    con: duckdb.DuckDBPyConnection, version: TreatyVersion, period: str, as_of: date
) -> list[Finding]:
    wanted = [r for r in version.requirements() if r.id == "R7"]
    return evaluate_requirements(con, version, parse_period(period), wanted, as_of=as_of)


def test_the_chart_restarts_after_an_alarm_as_the_finding_does() -> None:
    # Hand-worked: x − k = 4.5, 1, 1, 1. With Page's restart after the alarm of 2187-Q2
    # (4.5 > h = 4) the path is 4.5, 1, 2, 3, and 2188-Q1 is no alarm; drawn without the
    # restart it would be 4.5, 5.5, 6.5, 7.5, an alarm in every quarter that no finding has.
    evidence = _shortfalls([4.5, 1.0, 1.0, 1.0])
    as_of = date(2188, 6, 1)
    with case_store(["R7"], "2188-Q1", as_of=as_of, evidence=evidence) as (con, version):
        (series,) = cusum_series(con, version, parse_period("2188-Q1"))
        assert [p for p, _ in series.points] == PERIODS
        assert [v for _, v in series.points] == pytest.approx([4.5, 1.0, 2.0, 3.0], abs=1e-4)
        assert series.restarts == 1
        (first,) = _r7(con, version, "2187-Q2", as_of)
        (last,) = _r7(con, version, "2188-Q1", as_of)
    assert first.status == "violation"
    assert first.statistic is not None
    assert first.statistic.name == "cusum"
    assert first.statistic.value == pytest.approx(series.points[0][1], abs=1e-4)
    assert last.status == "compliant"  # 3 < h: the restart is the finding's too
    svg = charts.cusum_chart([series])
    assert "restart from 0 after an alarm" in svg  # the legend says so (a comment in SVG)
    quiet = charts.cusum_chart([cusum_series_without_alarm()])
    assert "restart from 0" not in quiet


def test_the_last_point_of_every_drawn_path_is_its_findings_statistic() -> None:
    evidence = _shortfalls([1.0, 2.0, 1.6, 0.2])
    as_of = date(2188, 6, 1)
    for index, period in enumerate(PERIODS):
        with case_store(["R7"], period, as_of=as_of, evidence=evidence) as (con, version):
            (series,) = cusum_series(con, version, parse_period(period))
            found = _r7(con, version, period, as_of)
        (finding,) = found
        level = series.points[-1][1]
        assert len(series.points) == index + 1
        if finding.statistic is not None and finding.statistic.name == "cusum":
            assert finding.statistic.value == pytest.approx(level, abs=1e-4)
        assert (finding.status == "violation") == (level > 4)

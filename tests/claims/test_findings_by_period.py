"""The claims requirements (R14, R15) judged on the registry of the evaluated period.

Each case runs the real path: claim statements into the ledger, the analytic store built
from the log (``build_into``), and the compliance engine on one period.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from sqlalchemy.orm import Session

from concord.compliance.engine import Evaluation, evaluate, evaluate_requirements
from concord.compliance.findings import Finding, RecordTime, ValidTime
from concord.evidence.analytics import StoreState, build_into
from concord.treaty.calendar import parse_period
from concord.treaty.registry import treaty_in_force

from .registry_world import World, make_world


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    made = make_world(tmp_path, database_url)
    yield made
    made.ws.close()


def r14(world: World, period: str) -> dict[tuple[str, str], tuple[str, float | None]]:
    """R14's findings for ``period`` at the current end of the log."""
    size = world.ws.ledger.size()
    state = StoreState(size, world.ws.ledger.root(size).hex())
    parsed = parse_period(period)
    with Session(world.ws.engine) as session:
        version = treaty_in_force(session, parsed.end)
    requirement = version.requirement("R14")
    assert requirement is not None
    with duckdb.connect() as con:
        build_into(world.ws, con, state)
        found: list[Finding] = evaluate_requirements(
            con,
            version,
            parsed,
            [requirement],
            as_of=date(2188, 3, 1),
            record_time=RecordTime(state.size, state.root),
        )
    return {(f.party, f.subject): (f.status, f.measured) for f in found}


def test_a_holders_overlapping_claims_count_their_common_ground_once(world: World) -> None:
    # Seven-Alpha is 100 × 80 = 8,000 km²; the cap is 40 % (3,200 km²). MI's claims are
    # 50 × 40 = 2,000 km² each and share 30 × 40 = 1,200 km²: they cover 70 × 40 =
    # 2,800 km² (35 %, within the cap). Added up they would be 4,000 km² (50 %).
    world.file("MI-1", "MI", (0, 0, 50, 40), "2187-04-05")
    world.file("MI-2", "MI", (20, 0, 70, 40), "2187-04-06")
    assert r14(world, "2187-Q2") == {("MI", "seven-alpha"): ("compliant", pytest.approx(0.35))}


def test_a_claim_filed_after_the_quarter_does_not_change_its_findings(world: World) -> None:
    # HMC covers 50 × 40 = 2,000 km² of Seven-Alpha's 8,000 km² in 2187-Q2 (25 %). On
    # 15 July (2187-Q3) it files another 2,000 km²: 4,000 km² is 50 %, above the cap, in
    # 2187-Q3 only.
    world.file("HMC-1", "HMC", (0, 0, 50, 40), "2187-04-05")
    before = r14(world, "2187-Q2")
    world.file("HMC-2", "HMC", (50, 0, 100, 40), "2187-07-15")
    assert (
        r14(world, "2187-Q2")
        == before
        == {("HMC", "seven-alpha"): ("compliant", pytest.approx(0.25))}
    )
    assert r14(world, "2187-Q3") == {("HMC", "seven-alpha"): ("violation", pytest.approx(0.5))}


def test_a_claim_relinquished_after_the_quarter_still_counts_in_it(world: World) -> None:
    # TR holds 60 × 60 = 3,600 km² (45 %, above the cap) through 2187-Q2 and gives the
    # claim up on 10 July: 2187-Q2 stays a violation; in 2187-Q3 TR holds nothing.
    world.file("TR-1", "TR", (0, 0, 60, 60), "2187-04-05")
    world.file("HMC-1", "HMC", (70, 0, 80, 10), "2187-04-06")  # keeps the registry non-empty
    world.relinquish("TR-1", "TR", "2187-07-10")
    assert r14(world, "2187-Q2")[("TR", "seven-alpha")] == ("violation", pytest.approx(0.45))
    assert ("TR", "seven-alpha") not in r14(world, "2188-Q1")


def test_a_claim_amended_after_the_quarter_keeps_its_earlier_ground_in_it(world: World) -> None:
    # HMC's claim is 50 × 40 = 2,000 km² (25 %) through 2187-Q2. On 20 July it is
    # amended to 90 × 40 = 3,600 km² (45 %, above the cap): only 2187-Q3 sees that.
    world.file("HMC-1", "HMC", (0, 0, 50, 40), "2187-04-05")
    world.amend("HMC-1", "HMC", (0, 0, 90, 40), "2187-07-20")
    assert r14(world, "2187-Q2") == {("HMC", "seven-alpha"): ("compliant", pytest.approx(0.25))}
    assert r14(world, "2187-Q3") == {("HMC", "seven-alpha"): ("violation", pytest.approx(0.45))}


def test_a_claim_lapsed_after_the_quarter_changes_only_the_record_time_of_its_findings(
    world: World,
) -> None:
    # TR holds 60 × 60 = 3,600 km² (45 %, above the cap) through 2187-Q2 and files no
    # activity report: Art. 11 lapses the claim once the report of its first full
    # quarter (2187-Q3) is 120 days late, and the office records the lapse on
    # 1 February 2188. 2187-Q2 evaluated again after that names the
    # later checkpoint, and the same period, dates and finding.
    world.file("TR-1", "TR", (0, 0, 60, 60), "2187-04-05")
    world.register("TR-1", "2187-04-05")
    world.file("HMC-1", "HMC", (70, 0, 80, 10), "2187-04-06")
    before = evaluate(world.ws, "2187-Q2")
    world.lapse("TR-1", "2188-02-01")
    after = evaluate(world.ws, "2187-Q2")

    assert after.checkpoint_size > before.checkpoint_size
    quarter = ValidTime(date(2187, 4, 1), date(2187, 6, 30))
    for evaluation in (before, after):
        record = RecordTime(evaluation.checkpoint_size, evaluation.checkpoint_root)
        assert {f.valid_time for f in evaluation.findings} == {quarter}
        assert {f.record_time for f in evaluation.findings} == {record}

    def r14_of(evaluation: Evaluation) -> list[dict[str, object]]:
        found = [f.to_json() for f in evaluation.findings if f.requirement == "R14"]
        return [{k: v for k, v in f.items() if k != "record_time"} for f in found]

    assert r14_of(after) == r14_of(before)
    (tr,) = [f for f in r14_of(before) if f["party"] == "TR"]
    assert tr["status"] == "violation"
    assert tr["valid_time"] == {"from": "2187-04-01", "to": "2187-06-30"}
    assert ("TR", "seven-alpha") not in r14(world, "2188-Q1")

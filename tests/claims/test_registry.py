"""The claims registry in the ledger, on SQLite and PostgreSQL: priority, lapses, cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims.models import ClaimOverlap
from concord.claims.schemas import ClaimRegistered
from concord.claims.service import claims_registry, contested_cases, settle
from concord.claims.shares import holder_shares, site_claims
from concord.errors import ClaimError
from concord.evidence.analytics_schema import create_tables
from concord.ledger.audit import rebuild

from .registry_world import World, make_world, when


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    made = make_world(tmp_path, database_url)
    yield made
    made.ws.close()


def assert_rebuilds(world: World) -> None:
    report = rebuild(world.ws.ledger, world.ws.ledger.registry)
    assert report.differences == []
    assert report.tables["claim"] > 0


def test_seven_beta_presence_against_first_filing_is_queued_as_a_case(world: World) -> None:
    # Art. 17: in Seven-Beta neither operational presence nor prior filing prevails.
    world.file("EF-7B-C1", "EF", (140, 36, 195, 44), "2187-04-05", sector="seven-beta-common")
    world.file("PA-7B-C1", "PA", (165, 36, 215, 44), "2187-04-10", sector="seven-beta-common")
    world.register("EF-7B-C1", "2187-04-20")
    world.register("PA-7B-C1", "2187-04-21")
    for period, day in (("2187-Q2", "2187-07-05"), ("2187-Q3", "2187-10-05")):
        world.report("PA-7B-C1", "PA", period, day)
        world.report("EF-7B-C1", "EF", period, day, operational=False)
    with Session(world.ws.engine) as session:
        # Before 180 days of presence, first filing alone decides (Art. 9).
        early = settle(session, date(2187, 7, 10))
        assert early.standing("EF-7B-C1").status == "prevails"
        (case,) = contested_cases(session, date(2187, 10, 10))
    assert (case.claim_a, case.claim_b) == ("EF-7B-C1", "PA-7B-C1")
    assert case.holders == ("EF", "PA")
    assert case.rules == ("first-filed", "operational-presence")
    assert set(case.cites) == {"P9", "P17"}
    assert not case.undeclared_conflict
    assert case.area_km2 == pytest.approx(30 * 8)
    assert case.open_case is None

    world.contest("CASE-7B-1", ["EF-7B-C1", "PA-7B-C1"], "2187-10-12")
    with Session(world.ws.engine) as session:
        (case,) = contested_cases(session, date(2187, 10, 12))
        statuses = {c.claim_id: c.status for c in claims_registry(session)}
    assert case.open_case == "CASE-7B-1"
    assert statuses == {"EF-7B-C1": "contested", "PA-7B-C1": "contested"}
    assert_rebuilds(world)


def test_a_grandfathered_claim_prevails_over_an_earlier_filing(world: World) -> None:
    # Art. 1: registered with a Party before ratification (1 March 2187), entered after
    # entry into force; it prevails over a claim filed earlier but registered later.
    world.file("HMC-7A-1", "HMC", (10, 10, 40, 30), "2187-01-10")
    world.file("MI-7A-1", "MI", (30, 10, 60, 30), "2187-01-20")
    world.register("MI-7A-1", "2187-02-10", cites=["P1", "P8"])
    world.register("HMC-7A-1", "2187-04-15")
    with Session(world.ws.engine) as session:
        settlement = settle(session, date(2187, 6, 30))
    (resolution,) = settlement.resolutions
    assert resolution.winner == "MI-7A-1"
    assert resolution.decided_by == ("grandfathered",)
    assert resolution.cites == ("P1",)
    first_filed = next(f for f in resolution.findings if f.rule_id == "first-filed")
    assert first_filed.favours == "HMC-7A-1"  # overridden: grandfathered takes precedence
    assert settlement.standing("HMC-7A-1").yields_to == ("MI-7A-1",)
    assert_rebuilds(world)


def test_a_claim_without_activity_reports_lapses_and_its_overlap_is_released(
    world: World,
) -> None:
    world.file("TR-7A-1", "TR", (0, 40, 30, 60), "2187-04-10")
    world.file("BMF-7A-1", "BMF", (20, 40, 50, 60), "2187-04-12")
    world.register("TR-7A-1", "2187-04-20")
    world.register("BMF-7A-1", "2187-04-25")
    world.report("BMF-7A-1", "BMF", "2187-Q3", "2187-10-10")
    # Art. 11: the 2187-Q3 report was due 120 days after 30 September, on 28 January.
    with Session(world.ws.engine) as session:
        before = settle(session, date(2188, 1, 28))
        after = settle(session, date(2188, 2, 1))
    assert before.standing("TR-7A-1").status == "prevails"
    assert after.standing("TR-7A-1").status == "lapsed"
    assert after.standing("TR-7A-1").lapsed_on == date(2188, 1, 29)
    assert after.released == (("TR-7A-1", "BMF-7A-1"),)
    assert after.standing("BMF-7A-1").status == "clear"

    size = world.ws.ledger.size()
    with pytest.raises(ClaimError, match="has not lapsed"):
        world.lapse("BMF-7A-1", "2188-02-01")
    assert world.ws.ledger.size() == size
    world.lapse("TR-7A-1", "2188-02-01")
    with Session(world.ws.engine) as session:
        assert list(session.scalars(select(ClaimOverlap))) == []
        statuses = {c.claim_id: c.status for c in claims_registry(session)}
    assert statuses == {"BMF-7A-1": "registered", "TR-7A-1": "lapsed"}
    assert_rebuilds(world)


def test_holder_shares_count_each_holders_union_against_the_sector_area(world: World) -> None:
    # Seven-Alpha is 100 × 80 = 8,000 km². MI's two claims overlap by 100 km²: its union
    # is 200 + 200 − 100 = 300 km² (3.75 %). HMC holds 40 × 20 = 800 km² (10 %).
    world.file("MI-1", "MI", (0, 0, 20, 10), "2187-04-05")
    world.file("MI-2", "MI", (10, 0, 30, 10), "2187-04-06")
    world.file("HMC-1", "HMC", (0, 20, 40, 40), "2187-04-07")
    # A claim in the North Zone (120 × 35 = 4,200 km²) counts in Seven-Beta (9,600 km²)
    # too: 60 × 35 = 2,100 km² is 50 % of the zone and 21.875 % of the sector.
    world.file("PA-N1", "PA", (100, 45, 160, 80), "2187-04-08", sector="seven-beta-north")
    with Session(world.ws.engine) as session:
        rows = holder_shares(session, date(2187, 6, 1))
    got = {(r.sector, r.holder): (r.area_km2, r.share) for r in rows}
    assert got == {
        ("seven-alpha", "HMC"): (pytest.approx(800), pytest.approx(0.1)),
        ("seven-alpha", "MI"): (pytest.approx(300), pytest.approx(0.0375)),
        ("seven-beta", "PA"): (pytest.approx(2100), pytest.approx(0.21875)),
        ("seven-beta-north", "PA"): (pytest.approx(2100), pytest.approx(0.5)),
    }


def test_site_claims_name_the_claims_that_prevail_at_each_site(world: World) -> None:
    world.file("EF-A", "EF", (0, 0, 20, 20), "2187-04-05")
    world.file("MI-B", "MI", (10, 0, 30, 20), "2187-04-06")  # yields to EF-A (Art. 9)
    world.file("HMC-C", "HMC", (50, 50, 60, 60), "2187-04-07")
    sites = [
        ("S-only-EF", 5.0, 5.0),
        ("S-overlap", 15.0, 5.0),
        ("S-only-MI", 25.0, 5.0),
        ("S-HMC", 55.0, 55.0),
        ("S-nowhere", 90.0, 70.0),
    ]
    with Session(world.ws.engine) as session:
        rows = site_claims(session, sites, date(2187, 6, 1))
    assert [(r.site, r.claim_id, r.holder) for r in rows] == [
        ("S-HMC", "HMC-C", "HMC"),
        ("S-only-EF", "EF-A", "EF"),
        ("S-only-MI", "MI-B", "MI"),
        ("S-overlap", "EF-A", "EF"),
    ]


def test_the_analytic_store_gets_claims_and_site_claims(world: World) -> None:
    import duckdb

    from concord.claims.analytics import load_claims

    world.file("TR-7A-1", "TR", (0, 40, 30, 60), "2187-04-10")
    world.file("BMF-7A-1", "BMF", (20, 40, 50, 60), "2187-04-12")
    world.register("TR-7A-1", "2187-04-20")
    world.register("BMF-7A-1", "2187-04-25")
    world.report("BMF-7A-1", "BMF", "2187-Q3", "2187-10-10")
    world.report("BMF-7A-1", "BMF", "2187-Q4", "2188-02-01")
    con = duckdb.connect()
    create_tables(con)
    con.execute("INSERT INTO sites (site, x, y) VALUES ('S-1', 25, 50), ('S-2', 45, 50)")
    load_claims(world.ws, con, world.ws.ledger.size())
    # The log's last statement is dated 1 February 2188, so the store holds 2187-Q2 to
    # 2188-Q1, each period's registry as on its last day (2188-Q1: on 1 February).
    # TR-7A-1 (filed 10 April) wins the 10 × 20 km overlap by first filing until it lapses
    # on 29 January 2188 (Art. 11); from 2188-Q1 on BMF-7A-1 holds the former overlap.
    rows = con.execute("SELECT * FROM claims ORDER BY period, claim_id").fetchall()
    quarters = ["2187-Q2", "2187-Q3", "2187-Q4"]
    assert rows == [
        *[
            row
            for q in quarters
            for row in (
                (q, "BMF-7A-1", "BMF", "seven-alpha", "registered", 600.0),
                (q, "TR-7A-1", "TR", "seven-alpha", "registered", 600.0),
            )
        ],
        ("2188-Q1", "BMF-7A-1", "BMF", "seven-alpha", "registered", 600.0),
        ("2188-Q1", "TR-7A-1", "TR", "seven-alpha", "lapsed", 600.0),
    ]
    sites = con.execute("SELECT * FROM site_claims ORDER BY period, site").fetchall()
    assert sites == [
        *[
            row
            for q in quarters
            for row in ((q, "S-1", "TR-7A-1", "TR"), (q, "S-2", "BMF-7A-1", "BMF"))
        ],
        ("2188-Q1", "S-1", "BMF-7A-1", "BMF"),
        ("2188-Q1", "S-2", "BMF-7A-1", "BMF"),
    ]
    # A lapsed claim covers nothing: in 2188-Q1 only BMF holds ground (30 × 20 km).
    areas = con.execute(
        "SELECT holder, area_km2 FROM holder_areas WHERE period = '2188-Q1'"
    ).fetchall()
    assert areas == [("BMF", 600.0)]


def test_first_filing_goes_by_the_registrys_receipt_not_the_time_the_filer_wrote(
    world: World,
) -> None:
    # EF's filing reaches the registry first (dated 10 April). MI's arrives after it but
    # says filed_at 5 April, five days earlier. Receipt decides (Art. 9, first come first
    # served): EF-R prevails on the 10 × 20 km overlap and MI-R yields.
    first = world.file("EF-R", "EF", (0, 0, 20, 20), "2187-04-10")
    second = world.file("MI-R", "MI", (10, 0, 30, 20), "2187-04-05")
    assert first.index < second.index
    with Session(world.ws.engine) as session:
        settlement = settle(session, date(2187, 6, 1))
    (resolution,) = settlement.resolutions
    assert (resolution.winner, resolution.loser) == ("EF-R", "MI-R")
    assert resolution.decided_by == ("first-filed",)
    assert settlement.standing("MI-R").status == "yields"
    reasons = [f.reason for f in resolution.findings if f.rule_id == "first-filed"]
    assert reasons == [
        f"EF-R received at log index {first.index}, before MI-R (log index {second.index})"
    ]


def test_a_claim_registered_before_ratification_is_grandfathered_only_if_entered_in_time(
    world: World,
) -> None:
    # Art. 1(2): registered with a Party before ratification (1 March 2187) and entered in
    # the registry within ninety days of entry into force (1 April to 30 June 2187).
    # Both claims were registered with their Party on 1 February. TR-OLD reaches the
    # registry first, but the Office enters it only on 15 July, too late; MI-OLD is
    # entered on 1 May. Grandfathering, above first filing (Art. 9), favours MI-OLD.
    tr = world.file("TR-OLD", "TR", (0, 0, 20, 20), "2187-01-10")
    mi = world.file("MI-OLD", "MI", (10, 0, 30, 20), "2187-01-20")
    assert tr.index < mi.index
    for claim_id, entered in (("MI-OLD", "2187-05-01"), ("TR-OLD", "2187-07-15")):
        body = ClaimRegistered(
            claim_id=claim_id, registered_at=when("2187-02-01"), cites=["P1", "P8"]
        )
        world.ws.submit_as(world.ws.office_key, body.statement_type, body, issued_at=when(entered))
    with Session(world.ws.engine) as session:
        settlement = settle(session, date(2187, 8, 1))
    (resolution,) = settlement.resolutions
    assert (resolution.winner, resolution.loser) == ("MI-OLD", "TR-OLD")
    assert resolution.decided_by == ("grandfathered",)
    (reason,) = [f.reason for f in resolution.findings if f.rule_id == "grandfathered"]
    assert reason == (
        "MI-OLD registered 2187-02-01, entered 2187-05-01: registered before 2187-03-01, "
        "entered in the registry from 2187-04-01 and before 2187-07-01; TR-OLD not"
    )

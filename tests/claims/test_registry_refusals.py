"""Refused claim statements: a clear error, and nothing appended to the log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from concord.claims.service import claim_entry, tenure_history
from concord.errors import AuthorizationError, ClaimError, ConcordError, MalformedStatement
from concord.ledger.audit import rebuild

from .registry_world import World, make_world, polygon


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    made = make_world(tmp_path, database_url)
    made.file("EF-1", "EF", (10, 10, 20, 20), "2187-04-05")
    made.register("EF-1", "2187-04-20")
    made.add_principal("XX", "third_party")  # a principal for a party the treaty lacks
    yield made
    made.ws.close()


BOWTIE = {
    "type": "Polygon",
    "crs": "sector-km",
    "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]],
}


def filing(geometry: dict[str, Any]) -> dict[str, Any]:
    return {
        "claim_id": "MI-1",
        "holder": "MI",
        "mineral": "platinum",
        "sector": "seven-alpha",
        "geometry": geometry,
        "filed_at": "2187-04-06T00:00:00Z",
    }


Attempt = Callable[[World], Any]
REFUSALS: list[tuple[str, Attempt, type[ConcordError], str]] = [
    (
        "self-intersecting geometry",
        lambda w: w.submit_raw("MI", "claims.filed", filing(BOWTIE)),
        ClaimError,
        "geometry.coordinates: geometry is not valid",
    ),
    (
        "claim crossing the sector boundary (Art. 7(2))",
        lambda w: w.file("MI-1", "MI", (90, 10, 110, 20), "2187-04-06"),
        ClaimError,
        "crosses the sector boundary",
    ),
    (
        "unknown sector",
        lambda w: w.file("MI-1", "MI", (0, 0, 5, 5), "2187-04-06", sector="nine-omega"),
        ClaimError,
        "sector 'nine-omega' is not a sector",
    ),
    (
        "holder who is not a treaty party",
        lambda w: w.file("XX-1", "XX", (0, 0, 5, 5), "2187-04-06"),
        ClaimError,
        "holder 'XX' is not a party",
    ),
    (
        "zone allocated to another party (Art. 15)",
        lambda w: w.file("EF-N", "EF", (100, 50, 110, 60), "2187-04-06", sector="seven-beta-north"),
        ClaimError,
        "allocated to PA",
    ),
    (
        "filing signed for another party",
        lambda w: w.file("EF-2", "EF", (0, 0, 5, 5), "2187-04-06", signer="PA"),
        AuthorizationError,
        "acts for PA, not for the holder EF",
    ),
    (
        "transfer by a party that does not hold the claim",
        lambda w: w.transfer("EF-1", "MI", "HMC", "2187-05-01"),
        ClaimError,
        "by MI, who is not the holder \\(EF\\)",
    ),
    (
        "transfer of an unknown claim",
        lambda w: w.transfer("NOPE-1", "EF", "HMC", "2187-05-01"),
        ClaimError,
        "claim NOPE-1 is not in the registry",
    ),
    (
        "activity report on an unknown claim",
        lambda w: w.report("NOPE-1", "EF", "2187-Q2", "2187-07-01"),
        ClaimError,
        "not in the registry",
    ),
    (
        "claim id filed twice",
        lambda w: w.file("EF-1", "EF", (30, 30, 40, 40), "2187-04-06"),
        ClaimError,
        "already in the registry",
    ),
    (
        "registration twice",
        lambda w: w.register("EF-1", "2187-04-21"),
        ClaimError,
        "registered not allowed while registered",
    ),
    (
        "geometry in longitude and latitude",
        lambda w: w.submit_raw(
            "MI", "claims.filed", filing({**polygon((0, 0, 1, 1)), "crs": "EPSG:4326"})
        ),
        MalformedStatement,
        "body does not match the schema",
    ),
]


def test_refused_statements_leave_the_log_unchanged(world: World) -> None:
    # One workspace for every refusal: a refused statement changes nothing, so each
    # attempt starts from the same registry.
    size = world.ws.ledger.size()
    for name, attempt, error, message in REFUSALS:
        with pytest.raises(error, match=message):
            attempt(world)
        assert world.ws.ledger.size() == size, name
    with Session(world.ws.engine) as session:
        assert claim_entry(session, "EF-1").holder == "EF"
        assert len(tenure_history(session, "EF-1")) == 2


def test_the_full_tenure_history_is_kept(world: World) -> None:
    world.amend("EF-1", "EF", (10, 10, 25, 20), "2187-05-01")
    world.transfer("EF-1", "EF", "HMC", "2187-06-01")
    world.report("EF-1", "HMC", "2187-Q2", "2187-07-02")
    world.relinquish("EF-1", "HMC", "2187-08-01")
    with Session(world.ws.engine) as session:
        history = tenure_history(session, "EF-1")
        entry = claim_entry(session, "EF-1")
    assert [(h.event, h.status, h.holder) for h in history] == [
        ("filed", "filed", "EF"),
        ("registered", "registered", "EF"),
        ("amended", "amended", "EF"),
        ("transferred", "transferred", "HMC"),
        ("relinquished", "relinquished", "HMC"),
    ]
    assert [h.at.date().isoformat() for h in history] == [
        "2187-04-05",
        "2187-04-20",
        "2187-05-01",
        "2187-06-01",
        "2187-08-01",
    ]
    assert entry.area_km2 == pytest.approx(150)
    assert entry.status == "relinquished"
    # Relinquished is final (Art. 8(2): a change is a new entry, but none can follow).
    with pytest.raises(ClaimError, match="no further changes are possible"):
        world.amend("EF-1", "HMC", (10, 10, 12, 12), "2187-09-01")
    assert rebuild(world.ws.ledger, world.ws.ledger.registry).differences == []

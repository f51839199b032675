"""Filing evidence through the ledger, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from concord.errors import AuthorizationError, EvidenceError
from concord.evidence.analytics import rebuild_analytics, refresh_analytics
from concord.evidence.blobs import BlobStore
from concord.evidence.filing import file_declaration, file_measurement
from concord.evidence.schemas import SITE_REGISTERED, SiteRegistered
from concord.ledger.audit import rebuild
from concord.workspace import sign_statement

from .station import EXTRACTION, MEASUREMENT, Q2_FILED, Station, csv_bytes, make_station


@pytest.fixture
def station(tmp_path: Path, database_url: str) -> Iterator[Station]:
    made = make_station(tmp_path, database_url)
    yield made
    made.ws.close()


def _blobs(station: Station) -> list[Path]:
    return sorted(p for p in station.ws.settings.blobs_dir.rglob("*") if p.is_file())


def test_a_bad_table_is_rejected_whole_and_nothing_is_kept(station: Station) -> None:
    size = station.ws.ledger.size()
    data = csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,40", "SB-N-07,ore,-5,t,1", "X,ore,1,lbs,1")
    with pytest.raises(EvidenceError) as caught:
        file_declaration(
            station.ws, station.keys["PA"], "extraction", "PA", "2187-Q2", data, Q2_FILED
        )
    assert caught.value.details == [
        "row 3: quantity -5 is negative (a tonnage cannot be negative)",
        'row 4: unit "lbs" is not one of t, kg, kt',
    ]
    assert station.ws.ledger.size() == size
    assert _blobs(station) == []


def test_references_are_checked_against_the_record(station: Station) -> None:
    size = station.ws.ledger.size()
    unknown_site = csv_bytes(EXTRACTION, "SB-N-99,ore,4100,t,40")
    with pytest.raises(EvidenceError, match="rejected") as caught:
        file_declaration(
            station.ws, station.keys["PA"], "extraction", "PA", "2187-Q2", unknown_site, Q2_FILED
        )
    assert caught.value.details == ['row 2: site "SB-N-99" is not registered']
    good = csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,40")
    with pytest.raises(AuthorizationError, match="acts for PA"):
        file_declaration(
            station.ws, station.keys["PA"], "extraction", "EF", "2187-Q2", good, Q2_FILED
        )
    with pytest.raises(EvidenceError, match="first reporting period"):
        file_declaration(
            station.ws, station.keys["PA"], "extraction", "PA", "2187-Q1", good, Q2_FILED
        )
    assert station.ws.ledger.size() == size
    assert _blobs(station) == []


def test_a_tampered_blob_fails_the_rebuild_of_the_analytic_store(station: Station) -> None:
    data = csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,40")
    file_declaration(station.ws, station.keys["PA"], "extraction", "PA", "2187-Q2", data, Q2_FILED)
    (blob,) = _blobs(station)
    blob.write_bytes(data.replace(b"4100", b"4900"))
    with pytest.raises(Exception, match="altered"):
        rebuild_analytics(station.ws)


def test_the_store_rebuilt_from_the_log_equals_the_incremental_one(
    station: Station, tmp_path: Path
) -> None:
    ws, keys = station.ws, station.keys
    file_declaration(
        ws,
        keys["PA"],
        "extraction",
        "PA",
        "2187-Q2",
        csv_bytes(EXTRACTION, "SB-N-03,ore,4.1,kt,0.04", "SB-N-07,ore,2000,t,20"),
        Q2_FILED,
    )
    refresh_analytics(ws)
    file_measurement(
        ws,
        keys["inspector"],
        "extraction",
        "2187-Q2",
        csv_bytes(MEASUREMENT, "PA,SB-N-03,ore,4300,t,weighing"),
        datetime(2187, 8, 1, tzinfo=UTC),
    )
    # A correction replaces PA's first declaration for the period.
    file_declaration(
        ws,
        keys["PA"],
        "extraction",
        "PA",
        "2187-Q2",
        csv_bytes(EXTRACTION, "SB-N-03,ore,4200,t,40"),
        datetime(2187, 7, 25, tzinfo=UTC),
    )
    incremental = _dump(refresh_analytics(ws))
    rebuilt = _dump(rebuild_analytics(ws))
    assert incremental == rebuilt
    assert rebuilt["extraction_declarations"] == [
        (
            rebuilt["declarations"][1][0],
            "PA",
            "2187-Q2",
            "SB-N-03",
            "seven-beta-north",
            "ore",
            4200.0,
            40.0,
        )
    ]
    assert [row[1:] for row in rebuilt["extraction_measurements"]] == [
        ("inspector-1", "PA", "2187-Q2", "SB-N-03", "seven-beta-north", "ore", 4300.0, "weighing")
    ]
    report = rebuild(ws.ledger, ws.ledger.registry)  # replaying re-checks every table
    assert report.differences == []


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        return {n: sorted(con.execute(f"SELECT * FROM {n}").fetchall(), key=repr) for n in names}


def test_blob_store_is_where_the_settings_say(station: Station) -> None:
    assert BlobStore(station.ws.settings.blobs_dir).root == station.ws.settings.home / "blobs"


@pytest.mark.parametrize(
    ("sector", "location", "accepted"),
    [
        # Seven-Beta North is x 100–220, y 45–80 km (Annex I).
        ("seven-beta-north", (150.0, 60.0), True),
        ("seven-beta-north", (150.0, 45.0), True),  # on the boundary: inside
        ("seven-beta-north", (150.0, 20.0), False),  # in Seven-Beta South
        ("seven-alpha", (150.0, 60.0), False),  # Seven-Alpha is x 0–100: 50 km east of it
    ],
)
def test_a_site_must_lie_in_the_sector_it_names(
    station: Station, sector: str, location: tuple[float, float], accepted: bool
) -> None:
    body = SiteRegistered(
        site_id="SB-N-42",
        name="SB-N-42",
        sector=sector,
        location=location,
        operator="PA",
        minerals=["ore"],
    )
    size = station.ws.ledger.size()
    envelope = sign_statement(
        station.ws.office_key,
        SITE_REGISTERED,
        body,
        issued_at=datetime(2187, 4, 3, tzinfo=UTC),
    )
    if accepted:
        station.ws.ledger.submit(envelope)
        assert station.ws.ledger.size() == size + 1
        return
    with pytest.raises(EvidenceError) as caught:
        station.ws.ledger.submit(envelope)
    x, y = location
    assert caught.value.message == (
        f"location ({x:g}, {y:g}) of site 'SB-N-42' lies outside sector {sector!r}: "
        "a site must lie inside the sector it names"
    )
    assert caught.value.details == [
        "field: location",
        f"reason: outside the boundary of sector {sector}",
    ]
    assert station.ws.ledger.size() == size


def test_a_refresh_brings_the_claims_tables_of_an_older_store_to_their_current_shape(
    station: Station,
) -> None:
    # Stores built before the claims tables had their period column (and before stores
    # were sealed): refreshing one (here from one entry short of the log) gives the
    # current tables instead of failing.
    ws = station.ws
    size = ws.ledger.size()
    path = rebuild_analytics(ws, size - 1)
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE claims")
        con.execute(
            "CREATE TABLE claims (claim_id VARCHAR, holder VARCHAR, sector VARCHAR,"
            " status VARCHAR, area_km2 DOUBLE)"
        )
        con.execute("DROP TABLE holder_areas")
        con.execute("DELETE FROM store_meta WHERE key NOT IN ('log_size', 'log_root')")
    refresh_analytics(ws, size)
    with duckdb.connect(str(path), read_only=True) as con:
        columns = [r[0] for r in con.execute("DESCRIBE claims").fetchall()]
        assert columns[0] == "period"
        assert con.execute("SELECT count(*) FROM holder_areas").fetchone() == (0,)


def test_a_principal_repointed_in_the_table_still_acts_for_its_own_party(
    station: Station,
) -> None:
    """Who acts for which party comes from the signed registration, not the table."""
    from concord.workspace import open_workspace
    from factories import tamper_log

    tamper_log(
        station.ws, "UPDATE identity_principal SET party = 'EF' WHERE principal_id = 'pa-ministry'"
    )
    office = open_workspace(station.ws.settings)  # the office restarted after the edit
    size = office.ledger.size()
    good = csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,40")
    with pytest.raises(AuthorizationError, match="acts for PA and may not file for party EF"):
        file_declaration(office, station.keys["PA"], "extraction", "EF", "2187-Q2", good, Q2_FILED)
    assert office.ledger.size() == size
    office.close()

"""Reads of the record over HTTP answer what the command line's --json reads answer,
at the latest record, on a workspace after two quarters of the Station Unity cycle."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.helpers import PROBLEM
from cli_run import concord
from concord.api import create_app
from concord.config import Settings, sqlite_url
from concord.cycle.demo import DemoQuarter, run_demo


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[DemoQuarter]]:
    home = tmp_path_factory.mktemp("station") / "data"
    settings = Settings(home=home, database_url=sqlite_url(home), verify_workers=0)
    return home, run_demo(settings, seed=7, quarters=2, size=1)


@pytest.fixture(scope="module")
def reader(station: tuple[Path, list[DemoQuarter]]) -> Iterator[TestClient]:
    home, _ = station
    settings = Settings(home=home, database_url=sqlite_url(home), verify_workers=0)
    with TestClient(create_app(settings)) as client:
        yield client


def _cli_json(home: Path, *args: str) -> object:
    return json.loads(concord(home, *args, "--json").stdout)


def test_the_treaty_is_the_version_in_force_on_the_day_of_the_latest_record(
    station: tuple[Path, list[DemoQuarter]], reader: TestClient
) -> None:
    home, _ = station
    document = reader.get("/treaty").json()
    assert document == _cli_json(home, "treaty", "show")
    # The record of the scenario is of 2187, whatever the server's clock says.
    assert document["at"].startswith("2187-")
    assert document["in_force"] is True
    earlier = reader.get("/treaty", params={"at": "2187-02-01"}).json()
    assert earlier["at"] == "2187-02-01"
    assert earlier == _cli_json(home, "treaty", "show", "--at", "2187-02-01")
    bad = reader.get("/treaty", params={"at": "soon"})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == PROBLEM


def test_principals_come_with_their_public_keys(
    station: tuple[Path, list[DemoQuarter]], reader: TestClient
) -> None:
    home, _ = station
    principals = reader.get("/principals").json()
    assert principals == _cli_json(home, "principals", "list")
    assert {p["principal_id"] for p in principals} >= {"office"}
    assert all(k["public_key"] for p in principals for k in p["keys"])


def test_claims_are_a_geojson_feature_collection_with_their_tenure(
    station: tuple[Path, list[DemoQuarter]], reader: TestClient
) -> None:
    home, _ = station
    answer = reader.get("/claims")
    assert answer.headers["content-type"] == "application/geo+json"
    collection = answer.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["crs"] == "sector-km"
    assert collection["features"]
    first = collection["features"][0]
    assert first["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    shown = _cli_json(home, "claims", "show", first["id"])
    assert isinstance(shown, dict)
    for field in ("holder", "mineral", "sector", "status", "area_km2"):
        assert first["properties"][field] == shown[field]


def test_sites_are_geojson_points(reader: TestClient) -> None:
    collection = reader.get("/sites").json()
    assert collection["type"] == "FeatureCollection"
    assert collection["features"]
    for site in collection["features"]:
        assert site["geometry"]["type"] == "Point"
        assert len(site["geometry"]["coordinates"]) == 2
        assert site["properties"]["operator"]


def test_findings_are_the_published_document_of_the_period(
    station: tuple[Path, list[DemoQuarter]], reader: TestClient
) -> None:
    _, results = station
    for result in results:
        period = result.period
        published = reader.get("/findings", params={"period": period}).json()
        assert published["period"] == period
        assert published["statement_id"] == f"findings-{period}-{result.checkpoint_size}"
        # The office logs the findings right after the checkpoint they were computed at.
        assert published["log_index"] == result.checkpoint_size
        assert published["checkpoint_size"] == result.checkpoint_size
        assert published["counts"] == result.counts
        # The document the statement commits to is the one the quarter's report carries.
        assert published["findings"]["findings"] == list(result.findings)
    assert reader.get("/findings").json()["period"] == results[-1].period
    missing = reader.get("/findings", params={"period": "2190-Q1"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    assert reader.get("/findings", params={"period": "2187-Q5"}).status_code == 400


def test_cases_come_with_their_deadlines(
    station: tuple[Path, list[DemoQuarter]], reader: TestClient
) -> None:
    home, _ = station
    cases = reader.get("/cases").json()
    assert cases == _cli_json(home, "cases", "list")
    assert cases
    assert all(c["deadlines"] and all(d["due"] for d in c["deadlines"]) for c in cases)


def test_a_published_report_is_served_only_as_the_log_committed_to_it(
    station: tuple[Path, list[DemoQuarter]], reader: TestClient
) -> None:
    _, results = station
    period = results[0].period
    consolidated, *per_party = results[0].reports
    html = reader.get(f"/reports/{period}.html")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert html.content == consolidated.read_bytes()
    assert re.search(rb"https?://", html.content) is None
    pdf = reader.get(f"/reports/{period}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content == consolidated.with_suffix(".pdf").read_bytes()
    scope = per_party[0].stem.removeprefix(f"{period}-")
    scoped = reader.get(f"/reports/{period}.html", params={"scope": scope})
    assert scoped.content == per_party[0].read_bytes()
    assert reader.get("/reports/2190-Q1.html").status_code == 404
    original = consolidated.read_bytes()
    consolidated.write_bytes(original.replace(b"Compliant", b"Complaint", 1))
    try:
        changed = reader.get(f"/reports/{period}.html")
        assert changed.status_code == 409
        assert changed.headers["content-type"] == PROBLEM
        assert "not the one published" in changed.json()["detail"]
    finally:
        consolidated.write_bytes(original)


def test_principals_are_served_as_the_log_has_them_not_as_an_edited_table(
    tmp_path: Path,
) -> None:
    """A public key swapped in the table is not what a party is shown."""
    from fastapi.testclient import TestClient

    from concord.api import create_app
    from concord.identity.keys import SigningKey
    from factories import make_workspace, register, tamper_log

    ws = make_workspace(tmp_path)
    alice = register(ws, "alice")
    forged = SigningKey.generate("alice")
    tamper_log(
        ws,
        "UPDATE identity_key SET public_key = :p WHERE principal_id = 'alice'",
        p=forged.public_key,
    )
    tamper_log(ws, "UPDATE identity_principal SET roles = 'office' WHERE principal_id = 'alice'")
    settings = ws.settings
    ws.close()
    with TestClient(create_app(settings)) as client:
        rows = {p["principal_id"]: p for p in client.get("/principals").json()}
    import base64

    assert rows["alice"]["roles"] == ["signatory"]
    assert rows["alice"]["keys"][0]["public_key"] == base64.b64encode(alice.public_key).decode()

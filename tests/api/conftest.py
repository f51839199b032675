"""An office workspace built with the command line, a party's folder beside it, and
HTTP clients of the app over each (real SQLite files, no mocks)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cli_run import ENV, concord, concord_in
from concord.api import create_app
from concord.config import Settings, load_settings
from concord.scenario.treaty import station_unity_path
from concord.workspace import Workspace
from factories import make_workspace, registration


def office_settings(home: Path) -> Settings:
    """The settings ``concord --home HOME`` uses."""
    return load_settings({k: v for k, v in ENV.items() if v}, home=home)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A workspace with a registered party, the treaty and a site; the party's folder."""
    root = tmp_path_factory.mktemp("api")
    home, party = root / "office" / "ws", root / "party"
    party.mkdir()
    concord(home, "init", "--established", "2187-01-15T09:00:00Z")
    concord_in(party, "keys", "new", "pacific-alliance", "--out", "pa.json")
    shutil.copy(party / "pa.json.pub", root / "office" / "pa.json.pub")
    concord(
        home,
        "principals", "register", "pacific-alliance",
        "--name", "Pacific Alliance", "--role", "signatory", "--party", "PA",
        "--public-key", str(root / "office" / "pa.json.pub"),
        "--issued-at", "2187-01-15T10:00:00Z", "--valid-from", "2187-01-15T10:00:00Z",
    )  # fmt: skip
    concord(
        home, "treaty", "register", str(station_unity_path()),
        "--issued-at", "2187-01-15T11:00:00Z",
    )  # fmt: skip
    concord(
        home,
        "act", "evidence.site_registered", "--key", str(home / "keys" / "office.json"),
        "--issued-at", "2187-04-01T12:00:00Z", "--site-id", "SA-01", "--name", "Alpha One",
        "--sector", "seven-alpha", "--location", "[10, 10]", "--operator", "PA",
        "--minerals", "ore", "--submit",
    )  # fmt: skip
    shutil.copy(home / "log.vkey", party / "log.vkey")
    return home, party


@pytest.fixture(scope="module")
def client(office: tuple[Path, Path]) -> Iterator[TestClient]:
    home, _ = office
    with TestClient(create_app(office_settings(home))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def long_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A log of 301 entries: a full tile of entries and partial tiles beside it."""
    ws = make_workspace(tmp_path_factory.mktemp("long") / "ws")
    ws.ledger.submit_many([registration(ws, n) for n in range(300)])
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def long_client(long_log: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(long_log)) as test_client:
        yield test_client

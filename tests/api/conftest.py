"""An office workspace built with the command line, a party's folder beside it, and
HTTP clients of the app over each (real SQLite files, no mocks)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.helpers import EXTRACTION
from cli_run import ENV, concord, concord_in
from concord.api import create_app
from concord.api.client import SignatureAuth
from concord.config import Settings, load_settings
from concord.identity.keys import SigningKey
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
    """A client of the office whose requests the Pacific Alliance signs."""
    home, party = office
    with TestClient(create_app(office_settings(home))) as test_client:
        test_client.auth = SignatureAuth(SigningKey.load(party / "pa.json"))
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


@dataclass(frozen=True)
class Parties:
    """An office with a principal of every role, one of them with a revoked key, and a
    table the Pacific Alliance submitted."""

    home: Path
    #: The signing key of each principal, by principal id.
    keys: dict[str, SigningKey]
    #: A principal of each role of the policy table (None: the public).
    by_role: dict[str, str | None]
    table_sha: str
    submission: bytes


PRINCIPALS = [
    # principal, role, party
    ("pacific-alliance", "signatory", "PA"),
    ("european-federation", "signatory", "EF"),
    ("helios", "third_party", "HMC"),
    ("inspector-one", "inspector", None),
    ("arbiter-one", "arbiter", None),
    ("mars-lost", "signatory", "MI"),
]


@pytest.fixture(scope="module")
def parties(tmp_path_factory: pytest.TempPathFactory) -> Parties:
    root = tmp_path_factory.mktemp("parties")
    home, folder = root / "ws", root / "keys"
    folder.mkdir()
    concord(home, "init", "--established", "2187-01-15T09:00:00Z")
    keys = {"office": SigningKey.load(home / "keys" / "office.json")}
    for principal, role, party in PRINCIPALS:
        key = SigningKey.generate(principal)
        public = key.save_pair(folder / f"{principal}.json")
        keys[principal] = key
        concord(
            home,
            "principals", "register", principal, "--name", principal.title(), "--role", role,
            *(["--party", party] if party else []), "--public-key", str(public),
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
    (folder / "q2.csv").write_text(EXTRACTION)
    concord_in(
        folder,
        "act", "evidence.declaration_filed", "--key", "pacific-alliance.json",
        "--issued-at", "2187-07-20T09:00:00Z", "--declaration-type", "extraction",
        "--party", "PA", "--period", "2187-Q2", "--table", "q2.csv", "--out", "q2.json",
    )  # fmt: skip
    concord(home, "submit", str(folder / "q2.json"))
    concord(
        home, "keys", "revoke", "mars-lost", keys["mars-lost"].key_id, "--reason", "lost",
        "--issued-at", "2187-07-21T09:00:00Z",
    )  # fmt: skip
    submission = (folder / "q2.json").read_bytes()
    (sha,) = json.loads(submission)["tables"]
    by_role: dict[str, str | None] = {
        "public": None,
        "signatory": "pacific-alliance",
        "third_party": "helios",
        "inspector": "inspector-one",
        "arbiter": "arbiter-one",
        "office": keys["office"].principal,
    }
    return Parties(home, keys, by_role, sha, submission)


@pytest.fixture(scope="module")
def parties_app(parties: Parties) -> Iterator[FastAPI]:
    app = create_app(office_settings(parties.home))
    with TestClient(app):
        yield app

"""Following the log over HTTP: only new tiles are fetched, a rollback or a fork is
refused and the checkpoint trusted before is kept (real workspaces, the real app)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from concord.api import create_app
from concord.client import OfficeClient, follow
from concord.client.mirror import TRUSTED
from concord.errors import VerificationError
from concord.ledger.export import verify_tiles
from concord.registry import default_registry
from concord.workspace import Workspace, open_workspace
from factories import make_settings, make_workspace, registration


@contextmanager
def office_at(home: Path) -> Iterator[Workspace]:
    ws = open_workspace(make_settings(home))
    try:
        yield ws
    finally:
        ws.close()


@contextmanager
def client_of(ws: Workspace, requested: list[str]) -> Iterator[OfficeClient]:
    """The office's API over ``ws``; the path of every request made lands in ``requested``."""

    def record(request: httpx.Request) -> None:
        requested.append(request.url.path)

    with TestClient(create_app(ws)) as http:
        http.event_hooks["request"] = [record]
        yield OfficeClient.over(http)


def _follow(ws: Workspace, state: Path) -> tuple[list[str], int]:
    requested: list[str] = []
    with client_of(ws, requested) as client:
        report = follow(client, state, ws.verifier, default_registry())
    return [p.removeprefix("/log/") for p in requested if p.startswith("/log/tile/")], (
        report.checkpoint.size
    )


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """An office's workspace holding a log of 301 entries (closed: reopen with office_at)."""
    ws = make_workspace(tmp_path / "office")
    ws.ledger.submit_many([registration(ws, n) for n in range(300)])
    ws.close()
    return tmp_path / "office"


def test_a_second_run_fetches_only_the_tiles_it_does_not_hold(office: Path, tmp_path: Path) -> None:
    state = tmp_path / "mirror"
    with office_at(office) as ws:
        first, size = _follow(ws, state)
        assert size == 301
        assert sorted(first) == [
            "tile/0/000",
            "tile/0/001.p/45",
            "tile/1/000.p/1",
            "tile/entries/000",
            "tile/entries/001.p/45",
        ]
        ws.ledger.submit_many([registration(ws, n, prefix="q") for n in range(300)])
        second, size = _follow(ws, state)
    assert size == 601
    # The full tiles held since the first run are not asked for again.
    assert sorted(second) == [
        "tile/0/001",
        "tile/0/002.p/89",
        "tile/1/000.p/2",
        "tile/entries/001",
        "tile/entries/002.p/89",
    ]
    assert state.joinpath(TRUSTED).read_text().splitlines()[1] == "601"
    # The mirror is a tiles folder that `concord verify --tiles` accepts as it is.
    report = verify_tiles(state / "tiles", ws.verifier, default_registry())
    assert report.size == 601


def test_a_rolled_back_log_is_refused_and_the_trusted_checkpoint_kept(
    office: Path, tmp_path: Path
) -> None:
    shutil.copytree(office, tmp_path / "earlier")
    state = tmp_path / "mirror"
    with office_at(office) as ws:
        ws.ledger.submit_many([registration(ws, n, prefix="q") for n in range(50)])
        _follow(ws, state)
    trusted = state.joinpath(TRUSTED).read_text()
    with office_at(tmp_path / "earlier") as earlier, pytest.raises(VerificationError) as refused:
        _follow(earlier, state)
    assert refused.value.exit_code == 2
    assert "rollback" in refused.value.message
    assert "size 301, smaller than the checkpoint of size 351" in refused.value.message
    assert state.joinpath(TRUSTED).read_text() == trusted


def test_a_forked_log_is_refused_and_the_trusted_checkpoint_kept(
    office: Path, tmp_path: Path
) -> None:
    shutil.copytree(office, tmp_path / "fork")
    state = tmp_path / "mirror"
    with office_at(office) as ws:
        ws.ledger.submit_many([registration(ws, n, prefix="q") for n in range(50)])
        _follow(ws, state)
    trusted = state.joinpath(TRUSTED).read_text()
    # The same office key signs another log that shares the first 301 entries.
    with office_at(tmp_path / "fork") as fork:
        fork.ledger.submit_many([registration(fork, n, prefix="f") for n in range(60)])
        with pytest.raises(VerificationError) as refused:
            _follow(fork, state)
    assert refused.value.exit_code == 2
    assert "fork" in refused.value.message
    assert "does not extend the checkpoint of size 351" in refused.value.message
    assert state.joinpath(TRUSTED).read_text() == trusted
    assert verify_tiles(state / "tiles", ws.verifier, default_registry()).size == 351


def test_a_checkpoint_signed_by_another_key_is_refused(office: Path, tmp_path: Path) -> None:
    other = make_workspace(tmp_path / "other")
    try:
        requested: list[str] = []
        with (
            client_of(other, requested) as client,
            office_at(office) as ws,
            pytest.raises(VerificationError) as refused,
        ):
            follow(client, tmp_path / "mirror", ws.verifier, default_registry())
    finally:
        other.close()
    assert "the server's checkpoint is refused" in refused.value.message
    assert not (tmp_path / "mirror" / TRUSTED).exists()

"""The log over HTTP: a mirror of the served tiles verifies as an export does, and every
served file is the export's byte for byte."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.helpers import PROBLEM
from cli_run import concord
from concord.ledger import merkle
from concord.ledger.export import export_tiles, verify_tiles
from concord.ledger.notes import open_checkpoint
from concord.ledger.tiles import CHECKPOINT_PATH, entries_path, tile_path, tiles_for_size
from concord.registry import default_registry
from concord.workspace import VKEY, Workspace

IMMUTABLE = "public, max-age=31536000, immutable"


def _paths(size: int) -> list[str]:
    """Every tile a tiles client of a tree of ``size`` fetches."""
    hashes = [tile_path(level, index, width) for level, index, width in tiles_for_size(size)]
    bundles = [
        entries_path(index, min(256, size - index * 256)) for index in range((size + 255) // 256)
    ]
    return hashes + bundles


def _mirror(client: TestClient, folder: Path) -> int:
    """Fetch the checkpoint and every tile it names into ``folder``; return the size."""
    note = client.get("/log/checkpoint")
    size = int(note.text.splitlines()[1])
    for relative in _paths(size):
        answer = client.get(f"/log/{relative}")
        assert answer.status_code == 200, (relative, answer.text)
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(answer.content)
    (folder / CHECKPOINT_PATH).write_bytes(note.content)
    return size


def test_a_mirror_of_the_served_log_verifies_with_the_tiles_verifier(
    long_log: Workspace, long_client: TestClient, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    size = _mirror(long_client, mirror)
    assert size == 301
    report = verify_tiles(mirror, long_log.verifier, default_registry())
    assert report.size == size
    assert (
        report.root == open_checkpoint(long_log.ledger.latest_checkpoint(), long_log.verifier).root
    )


def test_the_office_cli_verifies_a_mirror_of_its_served_log(
    office: tuple[Path, Path], client: TestClient, tmp_path: Path
) -> None:
    home, _ = office
    _mirror(client, tmp_path)
    run = concord(home, "verify", "--tiles", str(tmp_path), "--vkey", str(home / VKEY), "--json")
    assert '"verified": true' in run.stdout


def test_every_served_tile_is_the_exported_file_byte_for_byte(
    long_log: Workspace, long_client: TestClient, tmp_path: Path
) -> None:
    export_tiles(long_log.ledger, tmp_path)
    size = long_log.ledger.size()
    for relative in [*_paths(size), CHECKPOINT_PATH]:
        assert long_client.get(f"/log/{relative}").content == (tmp_path / relative).read_bytes()


def test_full_tiles_are_immutable_and_the_checkpoint_and_partial_tiles_are_not_cached(
    long_client: TestClient,
) -> None:
    full = long_client.get("/log/tile/entries/000")
    assert full.status_code == 200
    assert full.headers["cache-control"] == IMMUTABLE
    assert full.headers["content-type"] == "application/octet-stream"
    assert long_client.get("/log/tile/0/000").headers["cache-control"] == IMMUTABLE
    for partial in ("/log/tile/entries/001.p/45", "/log/tile/0/001.p/45", "/log/tile/1/000.p/1"):
        answer = long_client.get(partial)
        assert answer.status_code == 200, partial
        assert answer.headers["cache-control"] == "no-cache"
    note = long_client.get("/log/checkpoint")
    assert note.headers["cache-control"] == "no-cache"
    assert note.headers["content-type"].startswith("text/plain")
    # A partial tile that an earlier checkpoint had is the prefix of today's tile.
    assert long_client.get("/log/tile/0/000.p/11").content == full_prefix(long_client, 11)


def full_prefix(client: TestClient, width: int) -> bytes:
    return client.get("/log/tile/0/000").content[: width * 32]


@pytest.mark.parametrize(
    "path",
    [
        "/log/tile/entries/001",  # the second bundle is not full yet
        "/log/tile/entries/001.p/46",  # wider than the log
        "/log/tile/0/002.p/1",
        "/log/tile/1/000",
        "/log/tile/0/1",  # not three digits
        "/log/tile/0/x000/001",  # not the canonical spelling of 1
        "/log/tile/0/000.p/0",
        "/log/tile/0/000.p/256",
        "/log/tile/64/000",
    ],
)
def test_a_tile_the_log_does_not_have_is_a_404_problem(long_client: TestClient, path: str) -> None:
    answer = long_client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM


def test_inclusion_and_consistency_proofs_verify_against_signed_checkpoints(
    long_log: Workspace, long_client: TestClient
) -> None:
    latest = open_checkpoint(long_client.get("/log/checkpoint").text, long_log.verifier)
    proof = long_client.get("/log/proof/inclusion", params={"index": 17}).json()
    assert proof["size"] == latest.size
    assert base64.b64decode(proof["root"]) == latest.root
    leaf = merkle.leaf_hash(long_log.ledger.entry(17))
    hashes = [base64.b64decode(h) for h in proof["proof"]]
    assert merkle.verify_inclusion(leaf, 17, latest.size, hashes, latest.root)
    old = long_client.get("/log/proof/inclusion", params={"index": 0, "size": 1}).json()
    step = long_client.get("/log/proof/consistency", params={"old": 1, "new": latest.size}).json()
    assert step["old_size"] == 1
    assert merkle.verify_consistency(
        1,
        latest.size,
        base64.b64decode(old["root"]),
        latest.root,
        [base64.b64decode(h) for h in step["proof"]],
    )


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("/log/proof/inclusion?index=301", 404),
        ("/log/proof/inclusion?index=3&size=302", 404),
        ("/log/proof/inclusion?index=three", 400),
        ("/log/proof/inclusion", 400),
        ("/log/proof/consistency?old=10&new=5", 404),
        ("/log/proof/consistency?old=-1", 400),
        ("/log/entries?limit=0", 400),
    ],
)
def test_a_proof_of_what_the_log_does_not_hold_is_a_problem(
    long_client: TestClient, query: str, status: int
) -> None:
    answer = long_client.get(query)
    assert answer.status_code == status
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"]


def test_entries_are_paged_in_log_order_up_to_the_signed_size(
    long_log: Workspace, long_client: TestClient
) -> None:
    seen: list[int] = []
    start: int | None = 0
    while start is not None:
        page = long_client.get("/log/entries", params={"start": start, "limit": 128}).json()
        assert page["size"] == 301
        seen.extend(entry["index"] for entry in page["entries"])
        start = page["next"]
    assert seen == list(range(301))
    first = long_client.get("/log/entries", params={"limit": 1}).json()["entries"][0]
    assert first["statement_id"] == "genesis"
    assert first["type"] == "identity.office_established"
    assert first["envelope"]["payloadType"] == "application/vnd.concord.statement+json"
    assert first["statement"]["id"] == "genesis"
    assert first["statement"]["body"]["log_verifier_key"] == long_log.verifier.vkey()


@pytest.mark.parametrize(
    "query",
    [
        f"/log/entries?start={2**70}",
        f"/log/proof/inclusion?index={2**70}",
        f"/log/proof/inclusion?index=0&size={2**70}",
        f"/log/proof/consistency?old={2**70}",
        f"/log/proof/consistency?old=1&new={2**70}",
    ],
)
def test_a_number_too_large_for_the_database_is_a_400_problem(
    long_client: TestClient, query: str
) -> None:
    answer = long_client.get(query)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == PROBLEM
    assert "less than or equal to" in answer.json()["detail"]

"""A party submits from its own machine, and an auditor follows the log, over HTTP to a
real ``concord serve`` process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from api.helpers import EXTRACTION
from cli_run import concord_in
from server_run import serving


def test_a_party_submits_over_http_and_an_auditor_follows_the_log(
    office: tuple[Path, Path], tmp_path: Path
) -> None:
    home, party = office
    shutil.copytree(home, tmp_path / "earlier")  # the office's log as it is now
    (party / "q3.csv").write_text(EXTRACTION)
    with serving(home, tmp_path) as base:
        # Sign on the party's machine and post at once: the receipt is printed.
        signed = concord_in(
            party,
            "act", "evidence.declaration_filed", "--key", "pa.json",
            "--issued-at", "2187-10-20T09:00:00Z", "--declaration-type", "extraction",
            "--party", "PA", "--period", "2187-Q3", "--table", "q3.csv",
            "--out", "q3.json", "--server", base,
        )  # fmt: skip
        (party / "q3-receipt.json").write_text(signed.stdout)
        checked = concord_in(
            party, "receipt", "verify", "q3-receipt.json", "--vkey", "log.vkey",
            "--submission", "q3.json", "--json",
        )  # fmt: skip
        assert json.loads(checked.stdout)["verified"] is True
        # The same submission again with `concord submit`: its receipt, nothing appended.
        again = concord_in(party, "submit", "--server", base, "--key", "pa.json", "q3.json")
        assert json.loads(again.stdout)["index"] == json.loads(signed.stdout)["index"]
        assert "already in the log" in again.stderr
        # An auditor follows the log; the second run fetches only what changed.
        first = concord_in(party, "verify", "--server", base, "--vkey", "log.vkey", "--json")
        followed = json.loads(first.stdout)
        assert followed["verified"] is True
        assert followed["trusted_size"] is None
        assert followed["tiles_kept"] == 0
        second = json.loads(
            concord_in(party, "verify", "--server", base, "--vkey", "log.vkey", "--json").stdout
        )
        assert second["trusted_size"] == second["size"] == followed["size"]
    # Another server answers with the log as it was before the declaration: refused.
    with serving(tmp_path / "earlier", tmp_path) as base:
        refused = concord_in(party, "verify", "--server", base, "--vkey", "log.vkey", ok=False)
    assert refused.returncode == 2
    assert "rollback" in refused.stderr
    assert f"keeps the checkpoint of size {followed['size']}" in refused.stderr


def test_a_refused_submission_shows_the_servers_problem(
    office: tuple[Path, Path], tmp_path: Path
) -> None:
    home, party = office
    concord_in(party, "keys", "new", "stranger", "--out", "stranger.json")
    (party / "q4.csv").write_text(EXTRACTION)
    with serving(home, tmp_path) as base:
        refused = concord_in(
            party,
            "act", "evidence.declaration_filed", "--key", "stranger.json",
            "--issued-at", "2187-10-21T09:00:00Z", "--declaration-type", "extraction",
            "--party", "PA", "--period", "2187-Q3", "--table", "q4.csv",
            "--server", base, ok=False,
        )  # fmt: skip
    # The request itself is signed by a key the log never registered: refused at the door.
    assert refused.returncode == 65
    assert "the server answered 401" in refused.stderr


def test_an_unreachable_server_is_named(office: tuple[Path, Path]) -> None:
    _, party = office
    run = concord_in(
        party, "verify", "--server", "http://127.0.0.1:9", "--vkey", "log.vkey", ok=False
    )
    assert run.returncode == 69
    assert "cannot reach the server" in run.stderr

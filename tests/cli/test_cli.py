"""The `concord` command as a user runs it: output, files written, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_run import concord
from concord.scenario.treaty import station_unity_path


def concord_process(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m concord`` as a user does, for the real exit codes."""
    env = dict(os.environ, CONCORD_HOME=str(home), CONCORD_VERIFY_WORKERS="0")
    env.pop("CONCORD_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "concord", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("ws") / "data"
    concord(home, "init", "--established", "2187-01-15T09:00:00Z")
    key = home.parent / "pa.json"
    concord(home, "keys", "new", "pacific-alliance", "--out", str(key))
    concord(
        home,
        "principals",
        "register",
        "pacific-alliance",
        "--name",
        "Pacific Alliance",
        "--role",
        "signatory",
        "--party",
        "PA",
        "--public-key",
        str(key) + ".pub",
        "--issued-at",
        "2187-01-15T10:00:00Z",
    )
    concord(
        home, "treaty", "register", str(station_unity_path()), "--issued-at", "2187-01-15T11:00:00Z"
    )
    return home


def test_checkpoint_receipt_and_proofs(home: Path) -> None:
    note = concord(home, "checkpoint").stdout
    assert note.splitlines()[1] == "3"
    assert "\n\n\u2014 concord.local/log " in note
    receipt = json.loads(concord(home, "receipt", "show", "genesis").stdout)
    assert receipt["index"] == 0
    assert len(receipt["inclusion_proof"]) == 2
    proof = json.loads(concord(home, "proof", "consistency", "1", "3").stdout)
    assert proof["old_size"] == 1
    assert len(proof["proof"]) >= 1


def test_treaty_show_prints_the_version_in_force_with_provenance(home: Path) -> None:
    out = concord(home, "treaty", "show", "--at", "2187-06-01").stdout
    assert "Treaty of Station Unity" in out
    assert "in force" in out
    assert "Monitoring requirements in force (17)" in out
    assert "63 provisions in force" in out
    before = concord(home, "treaty", "show", "--at", "2187-02-01").stdout
    assert "not yet in force" in before


def test_verify_export_and_rebuild(home: Path, tmp_path: Path) -> None:
    assert "verified" in concord(home, "verify").stdout
    tiles = tmp_path / "tiles"
    concord(home, "export", str(tiles))
    assert (tiles / "checkpoint").exists()
    vkey = str(home / "log.vkey")
    out = concord(home, "verify", "--tiles", str(tiles), "--vkey", vkey).stdout
    assert "verified: 3 entries" in out
    assert "identical state" in concord(home, "rebuild").stdout


def test_an_export_is_verified_only_against_a_key_from_outside_it(
    home: Path, tmp_path: Path
) -> None:
    tiles = tmp_path / "tiles"
    concord(home, "export", str(tiles))
    refused = concord(home, "verify", "--tiles", str(tiles), ok=False)
    assert refused.returncode == 2
    assert "--vkey" in refused.stderr
    # A substituted export signed by another key, shipping that key, fails against the
    # office's key and passes only when the user explicitly trusts the shipped key.
    other = tmp_path / "other"
    concord(other, "init", "--established", "2187-01-15T09:00:00Z")
    forged = tmp_path / "forged"
    concord(other, "export", str(forged))
    wrong = concord(
        home, "verify", "--tiles", str(forged), "--vkey", str(home / "log.vkey"), ok=False
    )
    assert wrong.returncode == 2
    proc = concord_process(home, "verify", "--tiles", str(forged), "--trust-export-key")
    assert proc.returncode == 0
    assert "warning: trusting the key shipped inside the export" in " ".join(proc.stderr.split())
    as_json = concord(
        home, "verify", "--tiles", str(tiles), "--vkey", str(home / "log.vkey"), "--json"
    )
    assert json.loads(as_json.stdout)["size"] == 3


def test_verify_fails_with_a_nonzero_exit_naming_the_bad_entry(home: Path, tmp_path: Path) -> None:
    tiles = tmp_path / "tiles"
    concord(home, "export", str(tiles))
    trusted = tmp_path / "trusted.txt"
    trusted.write_text((tiles / "checkpoint").read_text())
    bundle = tiles / "tile" / "entries" / "000.p" / "3"
    data = bytearray(bundle.read_bytes())
    data[300] ^= 0x20
    bundle.write_bytes(bytes(data))
    proc = concord_process(home, "verify", "--tiles", str(tiles), "--vkey", str(home / "log.vkey"))
    assert proc.returncode == 2
    assert "entry" in proc.stderr


def test_bad_input_exits_65_and_appends_nothing(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"payloadType": "application/vnd.concord.statement+json", "payload": "e30="}')
    proc = concord_process(home, "submit", str(bad))
    assert proc.returncode == 65
    assert "missing field(s) signatures" in proc.stderr
    assert concord(home, "checkpoint").stdout.splitlines()[1] == "3"


def test_treaty_check_reports_every_problem_with_its_place(tmp_path: Path) -> None:
    text = station_unity_path().read_text()
    broken = text.replace("k_sigma: 3", 'k_sigma: "five"', 1).replace("format:", "formaat:", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(broken)
    proc = concord(tmp_path / "none", "treaty", "check", str(path), ok=False)
    assert proc.returncode == 65
    assert "k_sigma" in proc.stderr
    assert "formaat" in proc.stderr


def test_no_workspace_is_a_configuration_error(tmp_path: Path) -> None:
    proc = concord(tmp_path / "nowhere", "checkpoint", ok=False)
    assert proc.returncode == 78
    assert "no Concord workspace here" in proc.stderr


def test_the_tour_shows_receipts_refusals_rotation_and_an_outside_check(tmp_path: Path) -> None:
    out = concord(tmp_path / "tour", "tour").stdout
    assert "receipt verifies" in out
    assert "may not submit identity.principal_registered" in out
    assert "has been revoked" in out
    assert "log size unchanged: 9 entries" in out
    assert "an outside auditor's check" in out
    assert "identical" in out


def test_commands_start_without_loading_scipy() -> None:
    # SciPy serves the statistics of an evaluation; loading it with every command (and
    # in every verification worker) cost a noticeable part of a second each time.
    import subprocess
    import sys

    probe = "import sys, concord.cli.main, concord.registry; print('scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_verify_replays_the_log_and_names_an_edited_projection(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    here = tmp_path / "data"
    concord(here, "init", "--established", "2187-01-15T09:00:00Z")
    concord(
        here, "treaty", "register", str(station_unity_path()), "--issued-at", "2187-01-15T11:00:00Z"
    )
    out = concord(here, "verify").stdout
    assert "every table matches a replay of the log" in out
    copy = tmp_path / "copy"
    shutil.copytree(here, copy)
    with sqlite3.connect(copy / "concord.db") as db:
        db.execute("UPDATE treaty_document SET document = document || ' '")
    crypto_only = concord_process(copy, "verify", "--no-replay")
    assert crypto_only.returncode == 0  # the log itself is intact...
    proc = concord_process(copy, "verify")
    assert proc.returncode == 2  # ...but a table no longer says what it says
    assert "the tables differ from a replay of the log" in proc.stderr
    assert "treaty_document" in proc.stderr

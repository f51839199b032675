"""What the office publishes is world-readable; its private keys are its own.

Checked with a strict umask (077), as a service account often runs: an export and the
reports must still be servable by a web server running as another user.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_run import concord
from concord.compliance.engine import evaluate
from concord.cycle.service import write_reports
from concord.workspace import open_workspace
from evidence.test_store_seal import make_case
from factories import make_settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def strict_umask() -> Iterator[None]:
    before = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(before)


def test_an_export_is_world_readable_and_the_keys_owner_only(
    tmp_path: Path, strict_umask: None
) -> None:
    home = tmp_path / "ws"
    concord(home, "init", "--established", "2187-01-15T09:00:00Z")
    ws_blob = home / "blobs" / "ab" / ("ab" + "0" * 62)
    ws_blob.parent.mkdir(parents=True)
    ws_blob.write_bytes(b"evidence")
    export = tmp_path / "site" / "log"
    concord(home, "export", str(export))
    files = [p for p in export.rglob("*") if p.is_file()]
    folders = [export, export.parent, *(p for p in export.rglob("*") if p.is_dir())]
    assert {p.name for p in files} >= {"checkpoint", "log.vkey", "ab" + "0" * 62}
    assert any("tile" in p.parts for p in files)
    assert {str(p.relative_to(export)): _mode(p) for p in files} == {
        str(p.relative_to(export)): 0o644 for p in files
    }
    assert {str(p): _mode(p) for p in folders} == {str(p): 0o755 for p in folders}
    keys = home / "keys"
    assert _mode(keys) == 0o700
    assert {p.name: _mode(p) for p in keys.iterdir()} == {"office.json": 0o600, "log.skey": 0o600}


def test_reports_are_world_readable(tmp_path: Path, strict_umask: None) -> None:
    make_case(tmp_path / "ws")
    ws = open_workspace(make_settings(tmp_path / "ws"))
    try:
        out = tmp_path / "public" / "reports"
        files = write_reports(ws, evaluate(ws, "2187-Q2"), out, publish=False)
    finally:
        ws.close()
    written = [p for f in files for p in (f.html, f.pdf)]
    assert written
    assert {_mode(p) for p in written} == {0o644}
    assert {_mode(out), _mode(out.parent)} == {0o755}

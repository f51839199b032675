"""``concord demo`` and ``concord tour`` never delete or overwrite a folder they did not
create: they refuse with a clear message, and the folder stays byte for byte as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cli_run import concord
from concord.config import Settings, sqlite_url
from concord.errors import WorkspaceInUseError
from concord.scenario.office import DEMO_MARKER, station_unity_workspace


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    } | {str(p.relative_to(folder)) + "/": "" for p in folder.rglob("*") if p.is_dir()}


@pytest.mark.parametrize("command", ["demo", "tour"])
def test_a_workspace_made_by_init_is_refused_and_left_byte_identical(
    tmp_path: Path, command: str
) -> None:
    home = tmp_path / "office"
    concord(home, "init", "--established", "2187-01-15T09:00:00Z")
    before = snapshot(home)
    run = concord(home, command, ok=False)
    assert run.returncode == 73
    assert f"was not created by `concord {command}`" in run.stderr
    assert "refusing to delete or overwrite it" in run.stderr
    assert snapshot(home) == before


@pytest.mark.parametrize("command", ["demo", "tour"])
def test_a_folder_of_other_files_is_refused_and_unchanged(tmp_path: Path, command: str) -> None:
    home = tmp_path / "thesis"
    home.mkdir()
    (home / "chapter-1.txt").write_text("years of work")
    before = snapshot(home)
    run = concord(home, command, ok=False)
    assert run.returncode == 73
    assert snapshot(home) == before


def test_the_demo_refuses_a_keys_folder_it_did_not_make_before_writing_anything(
    tmp_path: Path,
) -> None:
    home = tmp_path / "data"
    keys = tmp_path / "data-party-keys"
    keys.mkdir()
    (keys / "mine.json").write_text("{}")
    run = concord(home, "demo", ok=False)
    assert run.returncode == 73
    assert not home.exists()
    assert [p.name for p in keys.iterdir()] == ["mine.json"]


def test_a_demonstration_may_start_again_only_in_a_folder_it_created(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    settings = Settings(home=home, database_url=sqlite_url(home), verify_workers=0)
    station_unity_workspace(settings, command="demo").close()
    assert (home / DEMO_MARKER).read_text() == "demo\n"
    (home / "scratch.txt").write_text("the demo's own folder")
    station_unity_workspace(settings, command="demo").close()  # its own: emptied, made anew
    assert not (home / "scratch.txt").exists()
    with pytest.raises(WorkspaceInUseError, match="not created by `concord tour`"):
        station_unity_workspace(settings, command="tour")
    assert (home / DEMO_MARKER).read_text() == "demo\n"

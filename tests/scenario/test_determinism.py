from __future__ import annotations

from pathlib import Path

from tests.scenario.reading import OFFICE_KEY

from concord.scenario.generator import Scenario, generate


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def test_same_arguments_give_byte_identical_output(dirty: Scenario, tmp_path: Path) -> None:
    again = generate(OFFICE_KEY, seed=2187, quarters=4, size=1)
    dirty.write(tmp_path / "a")
    again.write(tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_another_seed_gives_other_data_and_other_keys(dirty: Scenario) -> None:
    other = generate(OFFICE_KEY, seed=2188, quarters=4, size=1)
    assert other.blobs.keys() != dirty.blobs.keys()
    mine = {pid: key.public_key for pid, _, _, key in dirty.principals}
    theirs = {pid: key.public_key for pid, _, _, key in other.principals}
    assert mine["office"] == theirs["office"]  # the office signs with the workspace's key
    assert all(mine[p] != theirs[p] for p in mine if p != "office")


def test_layout_is_shared_by_the_clean_and_the_dirty_run(dirty: Scenario, clean: Scenario) -> None:
    clean_sites = {s.site_id: s for s in clean.sites}
    assert all(clean_sites[s.site_id] == s for s in dirty.sites if s.site_id in clean_sites)
    assert len(dirty.sites) == len(clean.sites) + 1  # the site outside its operator's claims


def test_write_lays_out_statements_blobs_and_truth(dirty: Scenario, tmp_path: Path) -> None:
    dirty.write(tmp_path)
    lines = (tmp_path / "statements.jsonl").read_bytes().splitlines()
    assert lines == [s.envelope.canonical_bytes() for s in dirty.statements]
    assert {p.name for p in (tmp_path / "blobs").iterdir()} == set(dirty.blobs)
    assert (tmp_path / "truth.json").read_bytes() == dirty.truth.to_bytes()
    assert "seed" not in (tmp_path / "principals.json").read_text()

from __future__ import annotations

import json
from pathlib import Path

import typer
from tests.scenario.reading import OFFICE_KEY
from typer.testing import CliRunner, Result

from concord.cli import scenario as scenario_cli
from concord.config import load_settings


def _app(home: Path) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root(ctx: typer.Context) -> None:
        ctx.obj = load_settings({}, home=home)

    scenario_cli.register(app)
    return app


def test_generate_writes_the_scenario(tmp_path: Path) -> None:
    OFFICE_KEY.save(tmp_path / "office.json")
    result = CliRunner().invoke(
        _app(tmp_path / "home"),
        [
            "scenario",
            "generate",
            "--seed",
            "4",
            "--quarters",
            "2",
            "--size",
            "1",
            "--office-key",
            str(tmp_path / "office.json"),
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "out" / "truth.json").read_text())
    assert truth["seed"] == 4
    assert truth["periods"] == ["2187-Q2", "2187-Q3"]
    assert (tmp_path / "out" / "statements.jsonl").read_text().count("\n") > 100


def test_generate_needs_an_office_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(tmp_path / "home"), ["scenario", "generate", str(tmp_path / "out")]
    )
    assert result.exit_code != 0
    assert "no office key" in str(result.exception)


def _generate(tmp_path: Path, *extra: str) -> Result:
    OFFICE_KEY.save(tmp_path / "office.json")
    return CliRunner().invoke(
        _app(tmp_path / "home"),
        [
            "scenario",
            "generate",
            "--seed",
            "4",
            "--quarters",
            "2",
            "--office-key",
            str(tmp_path / "office.json"),
            str(tmp_path / "out"),
            *extra,
        ],
    )


def test_generate_writes_the_keys_and_one_submissions_file_per_quarter(tmp_path: Path) -> None:
    from concord.submission import read_submissions

    result = _generate(tmp_path, "--keys", str(tmp_path / "keys"), "--submissions")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "keys" / "pacific-alliance.json").exists()
    assert (tmp_path / "keys" / "pacific-alliance.json.pub").exists()
    folder = tmp_path / "out" / "submissions"
    files = sorted(p.name for p in folder.iterdir())
    assert files[:2] == ["2187-Q2.jsonl", "2187-Q3.jsonl"]
    assert set(files) <= {"2187-Q2.jsonl", "2187-Q3.jsonl", "later.jsonl"}
    taken = [s for name in files for s in read_submissions(folder / name)]
    # Every statement once, in log order, with the tables it commits to.
    lines = (tmp_path / "out" / "statements.jsonl").read_bytes().splitlines()
    assert [s.entry for s in taken] == lines
    assert any(s.tables for s in taken)


def test_generate_refuses_to_overwrite_a_key_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "titan-resources.json").write_text("a key of someone's own")
    result = _generate(tmp_path, "--keys", str(keys))
    assert result.exit_code != 0
    assert (keys / "titan-resources.json").read_text() == "a key of someone's own"
    assert not (keys / "pacific-alliance.json").exists()

from __future__ import annotations

import json
from pathlib import Path

import typer
from tests.scenario.reading import OFFICE_KEY
from typer.testing import CliRunner

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

"""``concord evidence file``, ``concord evidence rebuild`` and ``concord evaluate``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from concord.cli.evidence import register
from concord.errors import EvidenceError
from factories import make_settings

from .station import EXTRACTION, csv_bytes, make_station

runner = CliRunner()


def _app(home: Path) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root(ctx: typer.Context) -> None:
        ctx.obj = make_settings(home)

    register(app)
    return app


def test_file_rebuild_and_evaluate(tmp_path: Path) -> None:
    station = make_station(tmp_path)
    key_file = tmp_path / "pa.key"
    station.keys["PA"].save(key_file)
    station.ws.close()
    table = tmp_path / "q2.csv"
    table.write_bytes(csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,40"))
    app = _app(tmp_path)
    filed = runner.invoke(
        app,
        [
            "evidence",
            "file",
            "extraction",
            str(table),
            "--party",
            "PA",
            "--period",
            "2187-Q2",
            "--key",
            str(key_file),
            "--issued-at",
            "2187-07-20T09:00:00Z",
        ],
    )
    assert filed.exit_code == 0, filed.output
    assert "logged at index" in filed.output
    rebuilt = runner.invoke(app, ["evidence", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    result = runner.invoke(app, ["evaluate", "--period", "2187-Q2", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    r1 = {f["party"]: f["status"] for f in document["findings"] if f["requirement"] == "R1"}
    assert r1 == {"PA": "compliant", "EF": "not_applicable", "MI": "not_applicable"}
    table_view = runner.invoke(app, ["evaluate", "--period", "2187-Q2", "--publish"])
    assert table_view.exit_code == 0, table_view.output
    assert "findings published at log index" in table_view.output


def test_a_bad_table_is_an_evidence_error(tmp_path: Path) -> None:
    station = make_station(tmp_path)
    key_file = tmp_path / "pa.key"
    station.keys["PA"].save(key_file)
    station.ws.close()
    table = tmp_path / "bad.csv"
    table.write_bytes(csv_bytes(EXTRACTION, "SB-N-03,ore,41,lbs,1"))
    result = runner.invoke(
        _app(tmp_path),
        [
            "evidence",
            "file",
            "extraction",
            str(table),
            "--party",
            "PA",
            "--period",
            "2187-Q2",
            "--key",
            str(key_file),
        ],
    )
    assert isinstance(result.exception, EvidenceError)
    assert result.exception.details == ['row 2: unit "lbs" is not one of t, kg, kt']

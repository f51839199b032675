"""``concord treaty check`` and ``concord treaty test``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from concord.cli.treaty import treaty_app
from concord.errors import ComplianceError, TreatyError
from concord.scenario.treaty import station_unity_cases_dir, station_unity_path

from .conftest import AMENDMENT_A1

runner = CliRunner()


def test_check_prints_a_summary() -> None:
    result = runner.invoke(treaty_app, ["check", str(station_unity_path())])
    assert result.exit_code == 0, result.output
    assert "provisions: 63" in result.output
    assert "requirements: 17" in result.output


def test_check_with_an_amendment(tmp_path: Path) -> None:
    (tmp_path / "a1.yaml").write_text(AMENDMENT_A1)
    args = ["check", str(station_unity_path()), "-a", str(tmp_path / "a1.yaml")]
    result = runner.invoke(treaty_app, args)
    assert result.exit_code == 0, result.output
    assert "amendments: 1" in result.output


def test_check_reports_every_problem_with_its_place(tmp_path: Path, station_text: str) -> None:
    bad = station_text.replace("cites: [P31]", "cites: [P99]").replace(
        "k_sigma: 3", "k_sigma: x", 1
    )
    (tmp_path / "bad.yaml").write_text(bad)
    result = runner.invoke(treaty_app, ["check", str(tmp_path / "bad.yaml")])
    error = result.exception
    assert isinstance(error, TreatyError)
    assert error.exit_code == 65
    assert any(d.startswith("requirements[2].cites[0]: cites a missing") for d in error.details)
    assert any(d.startswith("requirements[6].params.k_sigma:") for d in error.details)


def test_test_runs_cases_with_a_named_evaluator() -> None:
    evaluator = f"{__package__}.fake_evaluator:evaluate"
    args = ["test", str(station_unity_cases_dir()), "--evaluator", evaluator]
    result = runner.invoke(treaty_app, args)
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output


def test_test_without_an_engine_says_so() -> None:
    args = ["test", str(station_unity_cases_dir()), "--evaluator", "nowhere:evaluate"]
    result = runner.invoke(treaty_app, args)
    assert isinstance(result.exception, ComplianceError)
    assert "evaluator" in result.exception.message


def test_the_example_treatys_own_cases_pass_on_the_real_engine() -> None:
    result = runner.invoke(treaty_app, ["test", str(station_unity_cases_dir())])
    assert result.exit_code == 0, result.output
    cases = len(list(station_unity_cases_dir().glob("*.yaml")))
    assert f"{cases} passed, 0 failed" in " ".join(result.output.split())

"""The treaty test-case format and its runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.errors import TreatyError
from concord.scenario.treaty import station_unity_cases_dir
from concord.treaty.models import Treaty
from concord.treaty.testcases import CaseRequest, ObservedFinding, load_cases, run_cases

from .fake_evaluator import evaluate


def test_the_station_unity_cases_pass_with_a_conforming_evaluator(station: Treaty) -> None:
    results = run_cases(station_unity_cases_dir(), station, evaluate)
    assert len(results) >= 3
    failures = [(r.case_id, r.missing, r.unexpected, r.error) for r in results if not r.passed]
    assert failures == []


def test_an_evaluator_that_misses_a_violation_fails_the_case(station: Treaty) -> None:
    def lenient(request: CaseRequest) -> list[ObservedFinding]:
        return [f for f in evaluate(request) if f.status == "compliant"]

    results = run_cases(station_unity_cases_dir() / "late_declarations.yaml", station, lenient)
    (result,) = results
    assert not result.passed
    assert {(f.subject, f.status) for f in result.missing} == {
        ("EF", "violation"),
        ("MI", "violation"),
    }


def test_an_unexpected_violation_fails_a_complete_case(station: Treaty) -> None:
    def strict(request: CaseRequest) -> list[dict[str, str]]:
        extra = {"requirement": "R1", "subject": "PA", "status": "violation", "note": "x"}
        return [f.model_dump() for f in evaluate(request)] + [extra]

    (result,) = run_cases(station_unity_cases_dir() / "late_declarations.yaml", station, strict)
    assert [f.subject for f in result.unexpected] == ["PA"]


def test_case_files_are_checked_against_the_treaty(station: Treaty, tmp_path: Path) -> None:
    source = (station_unity_cases_dir() / "seven_beta_caps.yaml").read_text()
    bad = source.replace("requirements: [R9, R10]", "requirements: [R9, R99]")
    bad = bad.replace("period: 2187-Q2\n", "period: 2187-06\n", 1)
    (tmp_path / "bad.yaml").write_text(bad + "surprise: 1\n")
    with pytest.raises(TreatyError) as caught:
        load_cases(tmp_path, station)
    details = "\n".join(caught.value.details)
    assert "surprise: unknown key" in details
    assert 'requirements[1]: unknown requirement "R99"' not in details  # model failed first
    (tmp_path / "bad.yaml").write_text(bad)
    with pytest.raises(TreatyError) as caught:
        load_cases(tmp_path, station)
    details = "\n".join(caught.value.details)
    assert 'requirements[1]: unknown requirement "R99"' in details
    assert "period: not a quarterly period id" in details

from __future__ import annotations

import json

from concord.scenario.generator import Scenario
from concord.scenario.violations import KINDS
from concord.treaty.calendar import due_date, parse_period


def test_a_dirty_run_holds_every_kind_of_violation(dirty: Scenario) -> None:
    assert dirty.truth.kinds == set(KINDS)
    requirements = {v.requirement for v in dirty.truth.violations}
    assert requirements == {"R1", "R2", "R7", "R10", "R12", "R13", "R14", "R15", "R16", "R17"}


def test_a_clean_run_has_no_violations(clean: Scenario) -> None:
    assert clean.truth.violations == ()
    assert json.loads(clean.truth.to_bytes())["violations"] == []


def test_even_one_quarter_holds_every_kind(dirty: Scenario) -> None:
    from tests.scenario.reading import OFFICE_KEY

    from concord.scenario.generator import generate

    one = generate(OFFICE_KEY, seed=9, quarters=1)
    assert one.truth.kinds == set(KINDS)


def test_truth_is_json_with_the_fields_an_evaluation_is_scored_by(dirty: Scenario) -> None:
    data = json.loads(dirty.truth.to_bytes())
    assert data["periods"] == ["2187-Q2", "2187-Q3", "2187-Q4", "2188-Q1"]
    for record in data["violations"]:
        assert set(record) == {
            "kind",
            "requirement",
            "related",
            "party",
            "subject",
            "period",
            "magnitude",
        }


def test_late_and_missing_reports_are_as_recorded(dirty: Scenario) -> None:
    from tests.scenario.reading import of_type

    filed = {
        (p["body"]["party"], p["body"]["period"]): p["issued_at"][:10]
        for p in of_type(dirty, "evidence.declaration_filed")
        if p["body"]["declaration_type"] == "extraction"
    }
    for v in dirty.truth.of_kind("missing_report"):
        assert (v.party, v.period) not in filed
    for v in dirty.truth.of_kind("late_report"):
        due = str(v.magnitude["due"])
        assert filed[(v.party, v.period)] > due
    late = {(v.party, v.period) for v in dirty.truth.of_kind("late_report")}
    for (party, period), day in filed.items():
        if (party, period) not in late:
            assert day <= due_date(parse_period(period), 30).isoformat()

"""Every bad input is reported with its place, and every problem is reported at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from concord.errors import TreatyError
from concord.treaty.problems import Problem
from concord.treaty.service import check_treaty_text, load_treaty_text

from .conftest import messages

Broken = Callable[..., list[Problem]]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, messages(problems)
    return problems[0]


def test_broken_yaml_reports_line_and_column() -> None:
    _, problems = check_treaty_text("id: x\ntitle: [unclosed\nparties: 1\n", "bad.yaml")
    problem = only(problems)
    assert problem.message.startswith("broken YAML")
    assert problem.line is not None
    assert problem.column is not None


def test_a_wrong_type_is_reported_at_its_path_and_line(broken: Broken) -> None:
    problem = only(broken(("k_sigma: 3\n", "k_sigma: five\n")))
    assert problem.path == "requirements[6].params.k_sigma"
    assert problem.message == 'expected a number, got "five"'
    assert problem.line is not None
    assert str(problem).startswith('requirements[6].params.k_sigma: expected a number, got "five"')


def test_an_impossible_date_is_reported_at_its_path(broken: Broken) -> None:
    problem = only(broken(("ratified: 2187-03-01\n", "ratified: 2187-02-30\n")))
    assert problem.path == "dates.ratified"
    assert "2187-02-30" in problem.message
    assert problem.line == 8


def test_a_date_that_is_not_a_date(broken: Broken) -> None:
    problem = only(broken(("effective_from: 2187-10-01", "effective_from: next spring")))
    assert problem.path == "fee_schedules[0].versions[1].effective_from"
    assert "expected a date (YYYY-MM-DD)" in problem.message


def test_a_requirement_citing_a_missing_provision(broken: Broken) -> None:
    problem = only(broken(("cites: [P31]", "cites: [P64]")))
    assert problem.path == "requirements[2].cites[0]"
    assert problem.message == 'cites a missing provision "P64"'
    assert problem.line is not None


def test_a_precedence_cycle(broken: Broken) -> None:
    cycle = "    - {higher: first-filed, lower: activity-lapse}\n"
    anchor = "    - {higher: grandfathered, lower: operational-presence, cites: [P17]}\n"
    problems = broken((anchor, anchor + cycle))
    cycles = [p for p in problems if "precedence cycle" in p.message]
    assert len(cycles) == 1
    assert "activity-lapse" in cycles[0].message
    assert cycles[0].path.startswith("claim_priority.precedence[")


def test_rules_that_overlap_without_precedence(broken: Broken) -> None:
    problems = broken(("    - {higher: grandfathered, lower: first-filed, cites: [P9]}\n", ""))
    problem = only(problems)
    assert problem.path == "claim_priority.rules[2]"
    assert '"grandfathered" and "first-filed"' in problem.message
    assert "contested" in problem.message


def test_the_contested_pair_is_what_makes_seven_beta_legal(broken: Broken) -> None:
    contested = "rules: [operational-presence, first-filed]"
    problems = broken((contested, "rules: [first-filed, first-filed]"))
    found = messages(problems)
    assert any('"first-filed" and "operational-presence"' in m for m in found), found
    assert any("cannot be contested with itself" in m for m in found), found


def test_an_unknown_key(broken: Broken) -> None:
    problem = only(broken(("    kind: cap\n", "    kind: cap\n    severity: high\n")))
    assert problem.path == "requirements[8].severity"
    assert problem.message == "unknown key"


def test_an_unknown_requirement_kind(broken: Broken) -> None:
    problem = only(broken(("kind: holder_share", "kind: holders_share")))
    assert problem.path == "requirements[13].kind"
    assert "holders_share" in problem.message


def test_duplicate_ids_and_duplicate_yaml_keys(broken: Broken) -> None:
    problems = broken(
        ("  - id: P2\n", "  - id: P1\n"),
        ("  first_period: 2187-Q2\n", "  first_period: 2187-Q2\n  first_period: 2187-Q3\n"),
    )
    found = messages(problems)
    assert any(m.startswith('provisions[1].id: duplicate id "P1"') for m in found), found
    assert any(m.startswith("calendar.first_period: duplicate key") for m in found), found


def test_every_problem_is_reported_not_just_the_first(broken: Broken) -> None:
    problems = broken(
        ("k_sigma: 3\n", "k_sigma: five\n"),
        ("signed: 2187-01-15\n  ratified", "signed: 2187-13-15\n  ratified"),
        ("cites: [P31]", "cites: [P99]"),
        ("    kind: cap\n", "    kind: cap\n    severity: high\n"),
        ("allocated_to: [PA]", "allocated_to: [XX]"),
        ("forum: SU-PMO", "forum: PA"),
    )
    paths = {p.path for p in problems}
    assert paths == {
        "requirements[6].params.k_sigma",
        "dates.signed",
        "requirements[2].cites[0]",
        "requirements[8].severity",
        "sectors[2].allocated_to[0]",
        "dispute_procedure.forum",
    }, messages(problems)


def test_load_raises_one_treaty_error_listing_every_problem(station_text: str) -> None:
    text = station_text.replace("cites: [P31]", "cites: [P99]").replace(
        "k_sigma: 3\n", "k_sigma: five\n", 1
    )
    with pytest.raises(TreatyError) as caught:
        load_treaty_text(text, "bad.yaml")
    assert caught.value.exit_code == 65
    assert "2 problems" in caught.value.message
    assert len(caught.value.details) == 2


def test_sector_geometry_is_checked(broken: Broken) -> None:
    north = "[[100, 45], [220, 45], [220, 80], [100, 80]]"
    problems = broken((north, north.replace("220", "230")))
    found = messages(problems)
    assert any("outside its parent" in m for m in found), found


def test_a_bow_tie_boundary_is_not_a_polygon(broken: Broken) -> None:
    problem = only(
        broken(("[[0, 0], [100, 0], [100, 80], [0, 80]]", "[[0, 0], [100, 80], [100, 0], [0, 80]]"))
    )
    assert problem.path == "sectors[0].boundary"
    assert "not a simple polygon" in problem.message


def test_an_empty_file() -> None:
    _, problems = check_treaty_text("", "empty.yaml")
    assert only(problems).message == "the file is empty"


def test_a_list_where_a_mapping_belongs() -> None:
    _, problems = check_treaty_text("- 1\n- 2\n", "list.yaml")
    assert "expected a mapping" in only(problems).message

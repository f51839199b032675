"""Dated grandfathering windows in the treaty format (Station Unity Art. 1(2))."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from concord.claims.rules import grandfathering_params, priority_rules
from concord.scenario.treaty import station_unity_text
from concord.treaty.models import TreatyDates
from concord.treaty.priority import GrandfatheredParams
from concord.treaty.problems import Problem
from concord.treaty.service import load_treaty_text
from concord.treaty.versions import treaty_at

from .conftest import messages

Broken = Callable[..., list[Problem]]

#: Station Unity: ratified 1 March 2187, in force 1 April 2187.
DATES = TreatyDates(
    signed=date(2187, 1, 15), ratified=date(2187, 3, 1), entry_into_force=date(2187, 4, 1)
)
SHIPPED = (
    "        registered: {before: ratified}\n"
    "        entered: {from: entry_into_force, within_days: 90}\n"
)


def bounds(params: dict[str, object]) -> dict[str, object]:
    return grandfathering_params(GrandfatheredParams.model_validate(params), DATES)


def test_the_shipped_treaty_grandfathers_entries_within_ninety_days_of_entry_into_force() -> None:
    # Art. 1(2): registered with a Party before 1 March 2187, entered in the registry
    # within ninety days of 1 April 2187. Day 0 is 1 April; counting from the day after
    # (UNCITRAL art. 2(6)) the ninetieth day is 30 June (30 + 31 + 29 = 90), so entries
    # from 1 April to 30 June count: the exclusive end is 1 July.
    treaty = load_treaty_text(station_unity_text(), "station_unity.yaml")
    rules = priority_rules(treaty_at(treaty, [], date(2187, 6, 1)))
    (rule,) = [r for r in rules.rules if r.kind == "grandfathered"]
    assert dict(rule.params) == {
        "cutoff": date(2187, 3, 1),
        "entered_from": date(2187, 4, 1),
        "entered_until": date(2187, 7, 1),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"cutoff": date(2187, 3, 1)}),  # the default: before ratification
        ({"cutoff": "entry_into_force"}, {"cutoff": date(2187, 4, 1)}),
        (
            # Between two days, both included: 1 January to 28 February 2187.
            {"registered": {"from": date(2187, 1, 1), "to": date(2187, 2, 28)}},
            {"cutoff": date(2187, 3, 1), "registered_from": date(2187, 1, 1)},
        ),
        (
            # Open-ended entry window: from entry into force on.
            {"entered": {"from": "entry_into_force"}},
            {"cutoff": date(2187, 3, 1), "entered_from": date(2187, 4, 1)},
        ),
        (
            # Entered before 1 June 2187: the registration window has no end.
            {"registered": {"from": "signed"}, "entered": {"before": date(2187, 6, 1)}},
            {
                "cutoff": date.max,
                "registered_from": date(2187, 1, 15),
                "entered_until": date(2187, 6, 1),
            },
        ),
    ],
)
def test_windows_become_the_cores_dated_bounds(
    params: dict[str, object], expected: dict[str, object]
) -> None:
    assert bounds(params) == expected


@pytest.mark.parametrize(
    ("entered", "message"),
    [
        ("{within_days: 90}", "within_days counts from a day: give `from` too"),
        ("{from: signed, to: ratified, before: ratified}", "a window has one end"),
        ("{}", "a window needs `from`, `to`, `before` or `within_days`"),
        ("{from: entry_into_force, within_days: -1}", "greater than or equal to 0"),
        ("{from: entry_into_force, until: ratified}", "unknown key"),
    ],
)
def test_a_malformed_window_is_reported_at_its_path(
    broken: Broken, entered: str, message: str
) -> None:
    problems = broken(
        (SHIPPED, f"        registered: {{before: ratified}}\n        entered: {entered}\n")
    )
    assert problems, "a malformed window must be refused"
    assert all(p.path.startswith("claim_priority.rules[0].params") for p in problems), messages(
        problems
    )
    assert any(message in p.message for p in problems), messages(problems)


def test_an_empty_window_is_reported_with_its_days(broken: Broken) -> None:
    # Entered from entry into force (1 April) to ratification (1 March): no day at all.
    problems = broken((SHIPPED, "        entered: {from: entry_into_force, to: ratified}\n"))
    (problem,) = problems
    assert problem.path == "claim_priority.rules[0].params.entered"
    assert problem.message == (
        "the entered window is empty: it begins on 2187-04-01 and its last day is 2187-03-01"
    )


def test_cutoff_and_registered_are_alternatives(broken: Broken) -> None:
    problems = broken((SHIPPED, "        cutoff: ratified\n" + SHIPPED))
    assert any("give either cutoff or registered, not both" in p.message for p in problems), (
        messages(problems)
    )

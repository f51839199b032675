"""Reporting periods, due dates and procedural deadlines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.errors import TreatyError
from concord.treaty.calendar import (
    deadline,
    due_date,
    next_period,
    parse_period,
    period_containing,
    periods_between,
)
from concord.treaty.types import Duration


def test_quarter_ids_and_bounds() -> None:
    q2 = parse_period("2187-Q2")
    assert (q2.start, q2.end, q2.id) == (date(2187, 4, 1), date(2187, 6, 30), "2187-Q2")
    assert next_period(parse_period("2187-Q4")).id == "2188-Q1"
    assert parse_period("2187-04", "monthly").end == date(2187, 4, 30)
    assert parse_period("2187", "annual").end == date(2187, 12, 31)


def test_report_due_thirty_days_after_the_quarter() -> None:
    assert due_date(parse_period("2187-Q2"), 30) == date(2187, 7, 30)


def test_a_bad_period_id() -> None:
    with pytest.raises(TreatyError, match="2187-Q5"):
        parse_period("2187-Q5", "quarterly")


def test_periods_start_the_day_after_receipt() -> None:
    # UNCITRAL art. 2(6): received 1 May, 30 days: the last day is 31 May.
    assert deadline(date(2187, 5, 1), Duration(days=30)) == date(2187, 5, 31)
    assert deadline(date(2187, 8, 31), Duration(months=6)) == date(2188, 2, 29)


def test_periods_between_cover_the_range() -> None:
    ids = [p.id for p in periods_between(parse_period("2187-Q2"), date(2188, 1, 1))]
    assert ids == ["2187-Q2", "2187-Q3", "2187-Q4", "2188-Q1"]


days = st.dates(min_value=date(2100, 1, 1), max_value=date(2300, 12, 31))
kinds = st.sampled_from(["quarterly", "monthly", "annual"])


@given(day=days, kind=kinds)
def test_every_day_is_in_exactly_one_period_and_periods_tile(day: date, kind: str) -> None:
    period = period_containing(day, kind)  # type: ignore[arg-type]
    assert period.contains(day)
    assert parse_period(period.id, period.kind) == period
    assert next_period(period).start == period.end + timedelta(days=1)

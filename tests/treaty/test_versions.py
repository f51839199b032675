"""Amendments and the treaty in force on a date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.errors import TreatyError
from concord.treaty.dating import version_on
from concord.treaty.models import Treaty
from concord.treaty.service import (
    check_amendment_text,
    load_amendment_text,
    treaty_at,
)

from .conftest import AMENDMENT_A1, messages


def test_before_an_amendment_takes_effect_the_original_applies(station: Treaty) -> None:
    a1 = load_amendment_text(AMENDMENT_A1)
    version = treaty_at(station, [a1], date(2187, 6, 30))
    r7 = version.requirement("R7")
    assert r7 is not None
    assert r7.kind == "reconciliation"
    assert r7.params.materiality.percent == 2
    assert version.amendments == ()


def test_from_its_effective_date_the_amendment_applies_with_provenance(station: Treaty) -> None:
    a1 = load_amendment_text(AMENDMENT_A1)
    version = treaty_at(station, [a1], date(2187, 7, 1))
    r7 = version.requirement("R7")
    assert r7 is not None
    assert r7.kind == "reconciliation"
    assert r7.params.materiality.percent == 1.5
    assert version.amendments == ("A1",)
    (change,) = version.changes_to("requirements[R7]")
    assert change.path == "requirements[R7].params.materiality.percent"
    assert (change.old, change.new, change.amendment) == (2, 1.5, "A1")
    assert change.effective_date == date(2187, 7, 1)
    p31 = version.provision("P31")
    assert p31 is not None
    assert "twenty days" in p31.text


def test_fee_schedule_version_is_chosen_by_date(station: Treaty) -> None:
    before = treaty_at(station, [], date(2187, 9, 30)).fee_schedule("docking")
    after = treaty_at(station, [], date(2187, 10, 1)).fee_schedule("docking")
    assert before is not None
    assert after is not None
    heavy_before = before.rate("heavy", "standard")
    heavy_after = after.rate("heavy", "standard")
    assert heavy_before is not None
    assert heavy_after is not None
    assert (heavy_before.amount, heavy_after.amount) == (Decimal(900), Decimal(780))


def test_nothing_is_in_force_before_entry_into_force(station: Treaty) -> None:
    version = treaty_at(station, [], date(2187, 3, 31))
    assert not version.in_force
    assert version.provisions() == []
    assert version.requirements() == []
    assert len(treaty_at(station, [], date(2187, 4, 1)).provisions()) == 63


def test_an_amendment_dated_before_the_treaty(station: Treaty) -> None:
    text = AMENDMENT_A1.replace("adopted: 2187-06-10", "adopted: 2186-12-01").replace(
        "effective_date: 2187-07-01", "effective_date: 2187-02-01"
    )
    problems = check_amendment_text(station, text, "early.yaml")
    found = messages(problems)
    assert any(m.startswith("adopted: 2186-12-01 is before the treaty was signed") for m in found)
    assert any(
        m.startswith("effective_date: 2187-02-01 is before the treaty enters") for m in found
    )
    assert all(p.line is not None for p in problems)
    with pytest.raises(TreatyError) as caught:
        treaty_at(station, [load_amendment_text(text)], date(2188, 1, 1))
    assert len(caught.value.details) == 2


def test_an_amendment_with_a_bad_path_or_value(station: Treaty) -> None:
    text = AMENDMENT_A1.replace("requirements[R7]", "requirements[R70]").replace(
        "value: 20", "value: twenty"
    )
    found = messages(check_amendment_text(station, text, "bad.yaml"))
    assert any('changes[0].path: requirements has no item "R70"' in m for m in found), found
    text = AMENDMENT_A1.replace("value: 20", "value: twenty")
    found = messages(check_amendment_text(station, text, "bad.yaml"))
    assert found == [
        "requirements[2].params.due_days_after_period_end: after amendment A1: "
        'expected a whole number, got "twenty"'
    ]


def test_an_amendment_can_retire_a_requirement_and_add_one(station: Treaty) -> None:
    text = """\
format: concord-amendment/1
id: A2
treaty: station-unity
title: Replace the inspection-access check
adopted: 2187-08-01
effective_date: 2187-10-01
changes:
  - {path: "requirements[R16].effective_to", value: 2187-09-30}
  - path: requirements
    op: add
    value:
      id: R18
      title: Inspectors granted access within forty-eight hours
      cites: [P48]
      kind: sql
      params: {description: Late access., query: SELECT 1 FROM inspection_requests}
      reporters: [parties]
      evidence: inspection.request
      effective_from: 2187-10-01
"""
    assert check_amendment_text(station, text, "a2.yaml") == []
    a2 = load_amendment_text(text)
    assert treaty_at(station, [a2], date(2187, 9, 30)).requirement("R16") is not None
    later = treaty_at(station, [a2], date(2187, 10, 1))
    assert later.requirement("R16") is None
    assert later.requirement("R18") is not None
    assert len(later.requirements()) == 17


days = st.integers(min_value=0, max_value=3000).map(lambda n: date(2187, 1, 1) + timedelta(n))


@given(starts=st.lists(days, max_size=12), day=days)
def test_the_version_in_force_is_the_latest_on_or_before_the_day(
    starts: list[date], day: date
) -> None:
    chosen = version_on(starts, day, lambda d: d)
    eligible = [s for s in starts if s <= day]
    if not eligible:
        assert chosen is None
    else:
        assert chosen == max(eligible)


@given(offset=st.integers(min_value=-200, max_value=800))
def test_amendments_apply_exactly_from_their_effective_date(station: Treaty, offset: int) -> None:
    a1 = load_amendment_text(AMENDMENT_A1)
    day = date(2187, 7, 1) + timedelta(offset)
    version = treaty_at(station, [a1], day)
    assert (version.amendments == ("A1",)) == (offset >= 0)

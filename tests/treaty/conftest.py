"""Fixtures for the treaty tests: the Station Unity treaty, and ways to break it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from concord.scenario.treaty import station_unity_text
from concord.treaty.models import Treaty
from concord.treaty.problems import Problem
from concord.treaty.service import check_treaty_text, load_treaty_text

AMENDMENT_A1 = """\
format: concord-amendment/1
id: A1
treaty: station-unity
title: First amendment — tighter materiality, revised Article 31
adopted: 2187-06-10
effective_date: 2187-07-01
cites: [P24, P61]
changes:
  - path: requirements[R7].params.materiality.percent
    value: 1.5
  - path: provisions[P31].text
    value: The Office shall report docking fees within twenty days after each period.
  - path: requirements[R3].params.due_days_after_period_end
    value: 20
"""


@pytest.fixture(scope="session")
def station_text() -> str:
    return station_unity_text()


@pytest.fixture(scope="session")
def station(station_text: str) -> Treaty:
    return load_treaty_text(station_text, "station_unity.yaml")


@pytest.fixture
def broken(station_text: str) -> Callable[..., list[Problem]]:
    """Replace text in the treaty (each replacement must apply) and return its problems."""

    def apply(*replacements: tuple[str, str]) -> list[Problem]:
        text = station_text
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new, 1)
        treaty, problems = check_treaty_text(text, "broken.yaml")
        assert treaty is None
        return problems

    return apply


def messages(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]

"""Scenarios shared by the scenario tests (generation is deterministic, so share them)."""

from __future__ import annotations

import pytest
from tests.scenario.reading import OFFICE_KEY

from concord.scenario.generator import Scenario, generate


@pytest.fixture(scope="package")
def dirty() -> Scenario:
    return generate(OFFICE_KEY, seed=2187, quarters=4, size=1)


@pytest.fixture(scope="package")
def clean() -> Scenario:
    return generate(OFFICE_KEY, seed=2187, quarters=4, size=1, violations=False)


@pytest.fixture(scope="package")
def clean_large() -> Scenario:
    """Enough rows (≈ 1,900 pairs) to compare the clean flag rate with theory."""
    return generate(OFFICE_KEY, seed=5, quarters=8, size=10, violations=False)

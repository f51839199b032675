"""docs/scenario.md must describe every violation kind and the command."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.scenario.violations import KINDS

DOC = (Path(__file__).parents[2] / "docs" / "scenario.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("term", [*(f"`{k}`" for k in KINDS), "concord scenario generate"])
def test_documented(term: str) -> None:
    assert term in DOC

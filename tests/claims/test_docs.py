"""docs/claims.md must describe every refusal reason and every statement type."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.claims.geometry import GeometryProblem
from concord.claims.priority import RULE_KINDS
from concord.claims.schemas import STATEMENT_MODELS

DOC = (Path(__file__).parents[2] / "docs" / "claims.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "term",
    [
        *(f"`{p.name}`" for p in GeometryProblem),
        *(f"`{k}`" for k in sorted(RULE_KINDS)),
        *(f"`{t}`" for t in sorted(STATEMENT_MODELS)),
    ],
)
def test_documented(term: str) -> None:
    assert term in DOC

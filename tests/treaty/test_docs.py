"""docs/treaty-format.md documents every part of the format."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.treaty.models import Treaty
from concord.treaty.priority import DECIDES
from concord.treaty.requirements import REPORTER_ROLES, REQUIREMENT_KINDS
from concord.treaty.schemas import TREATY_AMENDED, TREATY_REGISTERED

DOC = (Path(__file__).parents[2] / "docs" / "treaty-format.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "term",
    [
        *Treaty.model_fields,
        *REQUIREMENT_KINDS,
        *DECIDES,
        *REPORTER_ROLES,
        TREATY_REGISTERED,
        TREATY_AMENDED,
        "concord-amendment/1",
        "concord-treaty-test/1",
    ],
)
def test_the_format_reference_mentions(term: str) -> None:
    assert f"`{term}`" in DOC

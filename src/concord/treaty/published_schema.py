"""The published JSON Schema of the treaty format, generated from the models.

The checked-in ``schema/treaty.schema.json`` must equal :func:`render` (a test checks
it). Regenerate with ``python -m concord.treaty.published_schema``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from concord.treaty.models import Treaty

SCHEMA_PATH = Path(__file__).parent / "schema" / "treaty.schema.json"
SCHEMA_ID = "https://concord.example/schema/concord-treaty-1.json"


def treaty_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of a treaty file. Cross-references are checked by Concord only."""
    schema = Treaty.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "description": (
            "A treaty file of the concord-treaty/1 format (docs/treaty-format.md). "
            "Citations, party ids, precedence and dates are further checked by "
            "`concord treaty check`."
        ),
        **schema,
    }


def render() -> str:
    return json.dumps(treaty_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()

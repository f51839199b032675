"""The published JSON Schema, and the statement payloads."""

from __future__ import annotations

import json

import jsonschema
import pytest
from pydantic import ValidationError

from concord.treaty.loader import parse_yaml
from concord.treaty.published_schema import SCHEMA_PATH, render
from concord.treaty.schemas import TreatyRegistered
from concord.treaty.service import registration_payload, treaty_from_registration


def test_the_checked_in_schema_is_the_generated_one() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), (
        "regenerate with: python -m concord.treaty.published_schema"
    )


def test_the_schema_accepts_station_unity_and_rejects_unknown_keys(station_text: str) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    doc, _ = parse_yaml(station_text, "station_unity.yaml")
    assert doc is not None
    assert list(validator.iter_errors(doc.data)) == []
    doc.data["requirements"][0]["severity"] = "high"
    assert list(validator.iter_errors(doc.data)) != []


def test_a_registration_carries_the_exact_text(station_text: str) -> None:
    payload = registration_payload(station_text)
    assert payload.treaty_id == "station-unity"
    assert payload.document == station_text
    again = TreatyRegistered.model_validate_json(payload.model_dump_json())
    assert treaty_from_registration(again).id == "station-unity"


def test_a_registration_whose_hash_does_not_match_is_rejected(station_text: str) -> None:
    body = registration_payload(station_text).model_dump(mode="json")
    body["document"] = station_text + "\n# edited\n"
    with pytest.raises(ValidationError, match="not the SHA-256"):
        TreatyRegistered.model_validate(body)

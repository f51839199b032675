"""``concord act TYPE``: a command for every statement type, built from its schema."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from cli_run import concord_in
from concord.cli.statements import _option_name, _strip_optional
from concord.evidence.schemas import TableRef
from concord.identity.keys import SigningKey
from concord.registry import default_registry

TYPES = sorted(default_registry().types)


@pytest.mark.parametrize("statement_type", TYPES)
def test_every_statement_type_has_a_command_with_an_option_per_field(
    statement_type: str, tmp_path: Path
) -> None:
    run = concord_in(tmp_path, "act", statement_type, "--help")
    kind = default_registry().kind(statement_type)
    for name, info in kind.body.model_fields.items():
        if _strip_optional(info.annotation) is TableRef:
            assert "--table" in run.stdout
            continue
        assert _option_name(name) in run.stdout, f"{statement_type}: no option for {name}"
    assert "--issued-at" in run.stdout
    assert "--key" in run.stdout


def _payload(path: Path) -> dict[str, object]:
    submission = json.loads(path.read_text())
    payload = json.loads(base64.b64decode(submission["envelope"]["payload"]))
    assert isinstance(payload, dict)
    return payload


def test_act_and_sign_build_the_same_statement_from_options_and_from_json(
    tmp_path: Path,
) -> None:
    SigningKey.generate("pacific-alliance").save(tmp_path / "pa.json")
    geometry = {
        "type": "Polygon",
        "crs": "sector-km",
        "coordinates": [[[0, 0], [4, 0], [4, 3], [0, 3], [0, 0]]],
    }
    (tmp_path / "shape.json").write_text(json.dumps(geometry))
    common = ["--key", "pa.json", "--issued-at", "2187-04-01T08:00:00Z", "--id", "c-1"]
    concord_in(
        tmp_path,
        "act", "claims.filed", *common, "--claim-id", "PA-1", "--holder", "PA",
        "--mineral", "ore", "--sector", "seven-alpha", "--geometry", "@shape.json",
        "--filed-at", "2187-03-01T10:00:00Z", "--out", "by-options.json",
    )  # fmt: skip
    body = {
        "claim_id": "PA-1",
        "holder": "PA",
        "mineral": "ore",
        "sector": "seven-alpha",
        "geometry": geometry,
        "filed_at": "2187-03-01T10:00:00Z",
    }
    (tmp_path / "body.json").write_text(json.dumps(body))
    concord_in(
        tmp_path, "sign", "body.json", "--type", "claims.filed", *common, "--out", "by-json.json"
    )
    assert _payload(tmp_path / "by-options.json") == _payload(tmp_path / "by-json.json")
    assert _payload(tmp_path / "by-json.json")["issued_at"] == "2187-04-01T08:00:00Z"


def test_a_bad_option_value_names_the_field_and_writes_nothing(tmp_path: Path) -> None:
    SigningKey.generate("pacific-alliance").save(tmp_path / "pa.json")
    run = concord_in(
        tmp_path,
        "act", "claims.filed", "--key", "pa.json", "--claim-id", "PA-1", "--holder", "PA",
        "--mineral", "ore", "--sector", "seven-alpha", "--geometry", "{not json",
        "--filed-at", "2187-03-01T10:00:00Z", "--out", "out.json",
        ok=False,
    )  # fmt: skip
    assert run.returncode == 65
    assert "--geometry" in run.stderr
    bad_time = concord_in(
        tmp_path,
        "act", "evidence.inspection_granted", "--key", "pa.json", "--request-id", "r-1",
        "--granted-at", "yesterday", "--out", "out.json",
        ok=False,
    )  # fmt: skip
    assert bad_time.returncode == 65
    assert "granted_at" in bad_time.stderr
    no_zone = concord_in(
        tmp_path,
        "act", "evidence.inspection_granted", "--key", "pa.json", "--request-id", "r-1",
        "--granted-at", "2187-05-01T10:00:00Z", "--issued-at", "2187-05-01T10:00:00",
        "--out", "out.json",
        ok=False,
    )  # fmt: skip
    assert "has no time zone" in no_zone.stderr
    assert not (tmp_path / "out.json").exists()

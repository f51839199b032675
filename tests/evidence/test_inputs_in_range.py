"""Submissions out of range are refused whole, naming the field or row, and change nothing."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concord.errors import ConcordError, EvidenceError, MalformedStatement, StatementError
from concord.evidence.blobs import sha256_hex
from concord.evidence.schemas import DECLARATION_FILED, SITE_REGISTERED, DeclarationFiled, TableRef
from concord.evidence.tables import parse_table
from concord.identity.keys import SigningKey
from concord.submission import Submission, load_submission, submit
from concord.workspace import Workspace, sign_statement
from factories import raw_envelope

from .station import EXTRACTION, Q2_FILED, Station, csv_bytes, make_station


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Station]:
    made = make_station(tmp_path_factory.mktemp("station"))
    yield made
    made.ws.close()


def _state(ws: Workspace) -> tuple[int, str, list[Path]]:
    """What a refused submission must leave as it was: the log, its checkpoint, the blobs."""
    blobs = sorted(p for p in ws.settings.blobs_dir.rglob("*") if p.is_file())
    return ws.ledger.size(), ws.ledger.latest_checkpoint(), blobs


def _declaration(key: SigningKey, data: bytes, statement_id: str) -> Submission:
    """A declaration as an attacker builds it: signed without the signer's own checks."""
    ref = TableRef(sha256=sha256_hex(data), rows=1, bytes=len(data))
    body = DeclarationFiled(declaration_type="extraction", party="PA", period="2187-Q2", table=ref)
    envelope = sign_statement(
        key, DECLARATION_FILED, body, issued_at=Q2_FILED, statement_id=statement_id
    )
    return Submission(envelope, {ref.sha256: data})


def _refused(ws: Workspace, submission: Submission) -> ConcordError:
    before = _state(ws)
    with pytest.raises(ConcordError) as caught:
        submit(ws, [submission])
    assert _state(ws) == before
    return caught.value


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("SB-N-03,ore,1e30,t,1", "row 2: quantity 1e30 t is above the limit of 1e+09 t"),
        ("SB-N-03,ore,1e306,kt,1", "row 2: quantity 1e306 kt is above the limit of 1e+06 kt"),
        ("SB-N-03,ore,10,t,1e12", "row 2: uncertainty 1e12 t is above the limit of 1e+09 t"),
        ("SB-N-03,ore,NaN,t,1", 'row 2: quantity "NaN" is not a number'),
        ("SB-N-03,ore,inf,t,1", 'row 2: quantity "inf" is not a number'),
        ("SB-N-03,ore,1_000,t,1", 'row 2: quantity "1_000" is not a number'),
        ("SB-N-03,o\0re,10,t,1", "row 2: mineral: the control character U+0000"),
        ("SB-N-03, ore,10,t,1", "row 2: mineral 'ore' has spaces around it"),
        ("SB-N-\u0430,ore,10,t,1", "row 2: site: the character 'а' (U+0430 CYRILLIC"),
    ],
)
def test_a_declaration_out_of_range_is_refused_naming_its_row(
    station: Station, row: str, reason: str
) -> None:
    data = csv_bytes(EXTRACTION, row)
    error = _refused(station.ws, _declaration(station.keys["PA"], data, f"bad-{sha256_hex(data)}"))
    assert isinstance(error, EvidenceError)
    assert any(line.startswith(reason) for line in error.details), error.details


def test_a_table_adding_up_beyond_its_limit_is_refused(station: Station) -> None:
    rows = [f"SB-N-03,mineral-{n},9e8,t,1" for n in range(12)]
    error = _refused(
        station.ws, _declaration(station.keys["PA"], csv_bytes(EXTRACTION, *rows), "sum")
    )
    assert error.details == ["the quantities add up to 1.08e+10 t, above the limit of 1e+10 t"]


def test_a_huge_csv_field_gets_a_clear_error() -> None:
    data = csv_bytes(EXTRACTION, "SB-N-03,ore,10,t,1", "SB-N-07," + "x" * 50_000_000 + ",1,t,1")
    with pytest.raises(EvidenceError, match=r"not valid CSV at line 3: field larger than"):
        parse_table("extraction", data)


def test_a_long_cell_is_refused_naming_it() -> None:
    data = csv_bytes(EXTRACTION, "SB-N-03," + "x" * 1000 + ",1,t,1")
    with pytest.raises(EvidenceError) as caught:
        parse_table("extraction", data)
    assert caught.value.details == ["row 2: mineral has 1000 characters, at most 200"]


def _office_statement(ws: Workspace, type_: str, body: dict[str, Any], sid: str) -> Submission:
    payload = {
        "author": "office",
        "body": body,
        "id": sid,
        "issued_at": "2187-04-02T00:00:00Z",
        "type": type_,
    }
    return Submission(raw_envelope(ws.office_key, payload))


SITE = {
    "site_id": "SB-N-09",
    "name": "North nine",
    "sector": "seven-beta-north",
    "location": [150.0, 50.0],
    "operator": "PA",
    "minerals": ["ore"],
}


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"minerals": ["o\0re"]}, "body.minerals.0: the control character U+0000"),
        ({"name": "North\nnine"}, "body.name: a line break at position 5"),
        ({"operator": "P\u0410"}, "body.operator: the character 'А' (U+0410 CYRILLIC"),
        ({"site_id": "SB N"}, "body.site_id: the character ' ' (U+0020 SPACE) at position 2"),
        ({"name": "\u202eevil"}, "body.name: the control character U+202E"),
        ({"location": [1e300, 0]}, "body.location.0: Input should be less than or equal to"),
    ],
)
def test_a_statement_field_out_of_range_is_refused_naming_it(
    station: Station, change: dict[str, Any], detail: str
) -> None:
    body = {**SITE, **change}
    error = _refused(
        station.ws, _office_statement(station.ws, SITE_REGISTERED, body, "site-out-of-range")
    )
    assert isinstance(error, MalformedStatement)
    assert any(line.startswith(detail) for line in error.details), error.details


def test_a_statement_id_with_a_trailing_newline_is_refused(station: Station) -> None:
    error = _refused(station.ws, _office_statement(station.ws, SITE_REGISTERED, SITE, "site-9\n"))
    assert "is not a valid statement id" in error.message


def _envelope_json(ws: Workspace, payload_text: str) -> str:
    """A bare envelope around payload text (the office's key; the text is not canonical)."""
    signed = json.loads(
        _office_statement(ws, SITE_REGISTERED, SITE, "x").envelope.canonical_bytes()
    )
    signed["payload"] = base64.b64encode(payload_text.encode()).decode()
    return json.dumps(signed)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper than 64 levels"),
        ('{"format": 1, "format": 2}', "duplicate JSON key 'format'"),
        ('{"format": NaN}', "JSON constant NaN is not allowed"),
    ],
)
def test_a_malformed_submission_gets_one_clear_error(data: str, message: str) -> None:
    with pytest.raises(MalformedStatement, match=message):
        load_submission(data.encode())


def test_a_utf16_envelope_is_named_as_such(station: Station) -> None:
    text = _office_statement(station.ws, SITE_REGISTERED, SITE, "x").envelope.canonical_bytes()
    with pytest.raises(MalformedStatement, match="UTF-16 or UTF-32; write it as UTF-8"):
        load_submission(text.decode().encode("utf-16"))


def test_a_payload_with_an_infinite_number_is_refused(station: Station) -> None:
    payload = json.dumps(
        {
            "author": "office",
            "body": {**SITE, "location": [1, 2]},
            "id": "inf",
            "issued_at": "2187-04-02T00:00:00Z",
            "type": SITE_REGISTERED,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).replace("[1,2]", "[1e999,2]")
    submission = load_submission(_envelope_json(station.ws, payload))
    _refused(station.ws, submission)


# --- properties: random damage to valid input ----------------------------------------

VALID_TABLE = csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,40", "SB-N-07,ore,2.5,kt,0.1")


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few bytes replaced, inserted or removed."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(out)))
        action = draw(st.sampled_from(["replace", "insert", "delete"]))
        byte = draw(st.integers(0, 255))
        if action == "insert" or at == len(out):
            out.insert(at, byte)
        elif action == "replace":
            out[at] = byte
        else:
            del out[at]
    return bytes(out)


@given(damaged(VALID_TABLE))
def test_a_damaged_table_is_parsed_or_refused_with_an_evidence_error(data: bytes) -> None:
    refused: EvidenceError | None = None
    try:
        table = parse_table("extraction", data)
    except EvidenceError as exc:
        refused = exc
    if refused is None:
        assert len(table) <= 2
    else:
        assert "\n" not in refused.message.strip()
        assert refused.message


_EXAMPLES = itertools.count()
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=80),
    st.lists(st.integers(), max_size=3),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(sorted(SITE)), value=_VALUES)
def test_a_damaged_statement_body_is_taken_or_refused_with_a_statement_error(
    station: Station, field: str, value: object
) -> None:
    n = next(_EXAMPLES)
    body = {**SITE, field: value, "site_id": f"SB-N-P{n}"}
    before = _state(station.ws)
    refused: ConcordError | None = None
    try:
        # Signing already refuses a value JSON cannot carry exactly (an integer beyond
        # I-JSON); whatever is signed, the office takes or refuses whole.
        submission = _office_statement(station.ws, SITE_REGISTERED, body, f"site-property-{n}")
        submit(station.ws, [submission])
    except (StatementError, EvidenceError) as exc:
        refused = exc
    if refused is None:
        assert station.ws.ledger.size() == before[0] + 1
    else:
        assert "\n" not in refused.message.strip()
        assert refused.message
        assert _state(station.ws) == before

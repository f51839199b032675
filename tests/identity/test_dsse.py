"""DSSE envelopes: stored entries read without a JSON parser give what the parser gives."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.errors import ConcordError
from concord.identity import dsse
from concord.identity.canonical import canonical_json
from concord.identity.dsse import PAYLOAD_TYPE, Envelope, Signature, parse_envelope

keyids = st.text(max_size=24)
signatures = st.lists(
    st.builds(Signature, keyids, st.binary(max_size=70)), min_size=1, max_size=3
).map(tuple)
envelopes = st.builds(Envelope, st.just(PAYLOAD_TYPE), st.binary(max_size=300), signatures)


def _outcome(parse: object, data: bytes) -> tuple[str, object]:
    """What parsing gives: the envelope and the canonical bytes it kept, or the error."""
    assert callable(parse)
    try:
        envelope = parse(data)
    except ConcordError as exc:
        return "error", (type(exc), exc.message)
    return "envelope", (envelope, envelope.canonical)


@given(envelopes)
def test_a_canonical_envelope_reads_the_same_without_the_parser(envelope: Envelope) -> None:
    data = canonical_json(envelope.to_json())
    parsed = parse_envelope(data)
    assert parsed == envelope
    assert parsed.canonical_bytes() == data
    assert _outcome(parse_envelope, data) == _outcome(dsse._parse_envelope, data)


@settings(max_examples=300)
@given(envelopes, st.randoms(use_true_random=False))
def test_altered_bytes_give_the_parsers_verdict(envelope: Envelope, rng: random.Random) -> None:
    # Whatever the bytes, the quick reading either declines or agrees with the parser:
    # the same envelope, the same canonical bytes kept, or the same error.
    data = bytearray(canonical_json(envelope.to_json()))
    for _ in range(rng.randint(1, 3)):
        position = rng.randrange(len(data))
        choice = rng.random()
        if choice < 0.4:
            data[position] = rng.choice(b'"\\=+/,{}[] Aa0\x7f\xc3')
        elif choice < 0.7:
            del data[position]
        else:
            data.insert(position, rng.choice(b'"\\=+/,{} Aa0'))
    altered = bytes(data)
    assert _outcome(parse_envelope, altered) == _outcome(dsse._parse_envelope, altered)


def test_stored_entries_take_the_quick_reading() -> None:
    envelope = Envelope(PAYLOAD_TYPE, b'{"a":1}', (Signature("ed25519:00ff", b"\x01" * 64),))
    data = canonical_json(envelope.to_json())
    assert dsse._stored_envelope(data) == envelope
    two = Envelope(PAYLOAD_TYPE, b"x", (Signature("a", b"1"), Signature("b", b"22")))
    assert dsse._stored_envelope(canonical_json(two.to_json())) == two


def _envelope_json(payload: str, sigs: list[dict[str, str]], **extra: str) -> bytes:
    envelope = {"payload": payload, "payloadType": PAYLOAD_TYPE, "signatures": sigs, **extra}
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "data",
    [
        _envelope_json("QR==", [{"keyid": "k", "sig": "QQ=="}]),  # stray bits in the payload
        _envelope_json("QQ==", [{"keyid": "k", "sig": "QR=="}]),  # and in a signature
        _envelope_json("QUJD=", [{"keyid": "k", "sig": "QQ=="}]),  # padding past the end
        _envelope_json("QQ", [{"keyid": "k", "sig": "QQ=="}]),  # padding missing
        _envelope_json("QQ==", [{"keyid": "k\u00e9", "sig": "QQ=="}]),  # not ASCII
        _envelope_json("QQ==", [{"keyid": 'k"', "sig": "QQ=="}]),  # an escape
        _envelope_json("QQ==", [{"keyid": "k", "sig": "QQ==", "x": "1"}]),  # a dropped field
        _envelope_json("QQ==", [{"keyid": "k", "sig": "QQ=="}], x="1"),  # an unknown field
        _envelope_json("QQ==", []),  # unsigned
        _envelope_json("QQ==", [{"keyid": "k", "sig": "QQ=="}]).replace(b",", b", ", 1),
    ],
)
def test_anything_else_is_left_to_the_parser(data: bytes) -> None:
    assert dsse._stored_envelope(data) is None
    assert _outcome(parse_envelope, data) == _outcome(dsse._parse_envelope, data)


@pytest.mark.parametrize(
    "data",
    [
        _envelope_json("QR==", [{"keyid": "k", "sig": "QQ=="}]),  # "QQ==" is canonical
        _envelope_json("QQ==", [{"keyid": "k", "sig": "QR=="}]),
        _envelope_json("QQ==", [{"keyid": "k", "sig": "QQ==", "x": "1"}]),  # a dropped field
        _envelope_json("QQ==", [{"keyid": "k\u00e9", "sig": "QQ=="}]),  # not ASCII
        # not ASCII, escaped
        _envelope_json("QQ==", [{"keyid": "k", "sig": "QQ=="}]).replace(
            b'"keyid":"k"', b'"keyid":"k\\u00e9"'
        ),
    ],
)
def test_compact_envelope_bytes_count_as_canonical_only_when_they_are(data: bytes) -> None:
    # Stored entries that are compact and sorted skip re-serialisation, but only when
    # re-serialising could not change them.
    envelope = parse_envelope(data)
    assert envelope.canonical is None
    assert envelope.canonical_bytes() == canonical_json(envelope.to_json())


def test_a_canonical_stored_envelope_is_its_own_canonical_form() -> None:
    data = _envelope_json("QQ==", [{"keyid": "k", "sig": "QQ=="}])
    envelope = parse_envelope(data)
    assert envelope.canonical == data
    assert envelope.canonical_bytes() == data
    assert envelope == parse_envelope(data.decode())  # the same envelope either way

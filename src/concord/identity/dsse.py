"""DSSE envelopes (Dead Simple Signing Envelope, secure-systems-lab/dsse v1.0).

An envelope is ``{"payloadType", "payload" (base64), "signatures": [{"keyid", "sig"}]}``.
Signatures are over the pre-authentication encoding (PAE), never over the raw
payload, so a signature cannot be replayed under another payload type.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from typing import Any

import orjson
import pybase64

from concord.errors import MalformedStatement, SignatureError
from concord.identity.canonical import canonical_json, compact_value, parse_json
from concord.identity.keys import SigningKey, b64, unb64

PAYLOAD_TYPE = "application/vnd.concord.statement+json"
_FIELDS = frozenset({"payloadType", "payload", "signatures"})


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 PAE: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


@dataclass(frozen=True, slots=True)
class Signature:
    keyid: str
    sig: bytes


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed DSSE envelope."""

    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]
    #: The bytes it was parsed from, when they are already its canonical form.
    canonical: bytes | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "payload": b64(self.payload),
            "payloadType": self.payload_type,
            "signatures": [{"keyid": s.keyid, "sig": b64(s.sig)} for s in self.signatures],
        }

    def canonical_bytes(self) -> bytes:
        """The envelope as RFC 8785 JSON: the exact bytes that become a log entry."""
        if self.canonical is not None:
            return self.canonical
        obj = self.to_json()
        if self.payload_type.isascii() and all(s.keyid.isascii() for s in self.signatures):
            # Only ASCII strings and no numbers: compact sorted JSON is already JCS.
            return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        return canonical_json(obj)


def sign_envelope(payload: bytes, key: SigningKey, payload_type: str = PAYLOAD_TYPE) -> Envelope:
    """Sign ``payload`` with ``key`` inside a DSSE envelope."""
    signature = Signature(key.key_id, key.sign(pae(payload_type, payload)))
    return Envelope(payload_type, payload, (signature,))


def _envelope_object(data: bytes | str) -> tuple[Any, bytes | None]:
    """Parse envelope JSON; also ``data`` itself when it is the compact, key-sorted form
    of what it parses to (stored entries are, and take the fast path)."""
    if isinstance(data, bytes) and (obj := compact_value(data)) is not None:
        return obj, data
    return parse_json(data, what="envelope"), None


_SIGNATURE_FIELDS = frozenset({"keyid", "sig"})


def _canonical_source(
    obj: dict[str, Any], payload: bytes, signatures: tuple[Signature, ...]
) -> bool:
    """Whether compact, key-sorted JSON ``obj`` is already the canonical form of the
    envelope parsed from it: ASCII names, no field the envelope drops, and base64 as the
    envelope writes it."""
    if not obj["payloadType"].isascii() or b64(payload) != obj["payload"]:
        return False
    for sig, raw in zip(signatures, obj["signatures"], strict=True):
        if raw.keys() != _SIGNATURE_FIELDS or not sig.keyid.isascii() or b64(sig.sig) != raw["sig"]:
            return False
    return True


_BASE64 = rb"[A-Za-z0-9+/]*+={0,2}"
#: Printable ASCII but the quote and the backslash: text that JSON writes unescaped.
_PLAIN_TEXT = rb"[ !#-\[\]-~]*+"
_SIGNATURE = rb'\{"keyid":"%s","sig":"%s"\}'
#: The canonical form of an envelope whose key ids are plain ASCII text, as the office
#: writes every entry: fields in order, no whitespace and no escapes. Bytes that match
#: are exactly the RFC 8785 form of what they hold, so they are read without a JSON
#: parser (in under half the time); anything else is parsed in full.
_STORED = re.compile(
    rb'\{"payload":"(%s)","payloadType":"%s","signatures":\[(%s(?:,%s)*+)\]\}'
    % (
        _BASE64,
        re.escape(PAYLOAD_TYPE.encode()),
        _SIGNATURE % (_PLAIN_TEXT, _BASE64),
        _SIGNATURE % (_PLAIN_TEXT, _BASE64),
    )
)
_SIGNATURES = re.compile(_SIGNATURE % (b"(" + _PLAIN_TEXT + b")", b"(" + _BASE64 + b")"))


def _exact_base64(text: bytes) -> bytes | None:
    """The bytes ``text`` encodes, when ``text`` is exactly how :func:`b64` writes them
    (then any decoder that decodes it gives them: pybase64's takes a third of the time)."""
    try:
        data = pybase64.b64decode(text, validate=True)
    except binascii.Error:
        return None
    return data if pybase64.b64encode(data) == text else None


def _stored_envelope(data: bytes) -> Envelope | None:
    """The envelope in ``data`` when ``data`` is in the form :data:`_STORED` describes;
    None leaves the decision, and any error, to the full parser."""
    match = _STORED.fullmatch(data)
    if match is None:
        return None
    payload = _exact_base64(match[1])
    if payload is None:
        return None
    signatures = []
    for keyid, text in _SIGNATURES.findall(match[2]):
        sig = _exact_base64(text)
        if sig is None:
            return None
        signatures.append(Signature(keyid.decode("ascii"), sig))
    return Envelope(PAYLOAD_TYPE, payload, tuple(signatures), data)


def parse_envelope(data: bytes | str | dict[str, Any]) -> Envelope:
    """Parse an envelope from JSON text or a decoded object; the payload is not trusted yet."""
    if isinstance(data, bytes) and (stored := _stored_envelope(data)) is not None:
        return stored
    return _parse_envelope(data)


def _parse_envelope(data: bytes | str | dict[str, Any]) -> Envelope:
    """:func:`parse_envelope` for any input, with a JSON parser."""
    obj, compact = (data, None) if isinstance(data, dict) else _envelope_object(data)
    if not isinstance(obj, dict):
        raise MalformedStatement("envelope: expected a JSON object")
    if obj.keys() != _FIELDS:
        missing = [k for k in ("payloadType", "payload", "signatures") if k not in obj]
        if missing:
            raise MalformedStatement(f"envelope: missing field(s) {', '.join(missing)}")
        extra = sorted(set(obj) - _FIELDS)
        raise MalformedStatement(f"envelope: unknown field(s) {', '.join(extra)}")
    if obj["payloadType"] != PAYLOAD_TYPE:
        raise MalformedStatement(
            f"envelope.payloadType: expected {PAYLOAD_TYPE!r}, got {obj['payloadType']!r}"
        )
    if not isinstance(obj["payload"], str):
        raise MalformedStatement("envelope.payload: expected a base64 string")
    sigs = obj["signatures"]
    if not isinstance(sigs, list) or not sigs:
        raise SignatureError("envelope.signatures: the statement is not signed")
    parsed: list[Signature] = []
    for i, sig in enumerate(sigs):
        if not isinstance(sig, dict) or not isinstance(sig.get("keyid"), str):
            raise SignatureError(f"envelope.signatures[{i}]: expected {{keyid, sig}}")
        if not isinstance(sig.get("sig"), str):
            raise SignatureError(f"envelope.signatures[{i}].sig: missing")
        parsed.append(Signature(sig["keyid"], unb64(sig["sig"], what=f"signatures[{i}].sig")))
    try:
        payload = unb64(obj["payload"], what="envelope.payload")
    except SignatureError as exc:
        raise MalformedStatement(exc.message) from exc
    signatures = tuple(parsed)
    if compact is not None and _canonical_source(obj, payload, signatures):
        return Envelope(obj["payloadType"], payload, signatures, compact)
    return Envelope(obj["payloadType"], payload, signatures)

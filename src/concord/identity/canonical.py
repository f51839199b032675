"""Canonical JSON: RFC 8785 (JSON Canonicalization Scheme).

Statements are signed over their JCS bytes, so two parties that agree on a payload
agree on its bytes. Payloads that are not already canonical are rejected rather than
silently re-encoded: what was signed is exactly what is logged.

For speed, values without floating-point numbers, without integers outside the
I-JSON range and without characters outside the Basic Multilingual Plane are
serialised with the standard library, whose output for such values is exactly
JCS: keys sorted by code point (equal to UTF-16 order inside the BMP, RFC 8785
§3.2.3), no whitespace, and the same minimal string escapes (§3.2.2.2). Anything
else goes through the ``rfc8785`` reference implementation.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

from concord.errors import MalformedStatement

#: RFC 8785 §3.2.2.3 / I-JSON: integers beyond ±(2**53 - 1) are not exact in JSON.
_MAX_SAFE_INT = 2**53 - 1


def _simple(value: Any) -> bool:
    """True when the standard library's compact, sorted output of ``value`` is JCS."""
    if isinstance(value, str):
        return value.isascii() or all(ord(c) < 0x10000 for c in value)
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT
    if isinstance(value, dict):
        return all(_simple(k) and _simple(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_simple(v) for v in value)
    return False


def _stdlib(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical bytes of a JSON value."""
    if _simple(value):
        return _stdlib(value)
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise MalformedStatement(f"cannot canonicalise value: {exc}") from exc


_FOUR_BYTE_UTF8 = re.compile(rb"[\xf0-\xf4]")


class _Flags:
    __slots__ = ("simple",)

    def __init__(self) -> None:
        self.simple = True


def parse_canonical(data: bytes, *, what: str) -> tuple[Any, bool]:
    """Parse strict JSON and say whether ``data`` is exactly its RFC 8785 form."""
    flags = _Flags()

    def on_float(text: str) -> float:
        flags.simple = False
        return float(text)

    def on_int(text: str) -> int:
        value = int(text)
        if not -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT:
            flags.simple = False
        return value

    value = parse_json(data, what=what, parse_float=on_float, parse_int=on_int)
    if flags.simple and not _FOUR_BYTE_UTF8.search(data):
        return value, _stdlib(value) == data
    return value, canonical_json(value) == data


def reference_canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes from the reference implementation only (used to test the fast path)."""
    return bytes(rfc8785.dumps(value))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedStatement(f"duplicate JSON key {key!r}")
        out[key] = value
    return out


def parse_json(data: bytes | str, *, what: str, **hooks: Any) -> Any:
    """Parse strict JSON (UTF-8, no duplicate keys, no NaN), naming ``what`` on error."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant, **hooks
        )
    except UnicodeDecodeError as exc:
        raise MalformedStatement(f"{what}: not UTF-8 ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise MalformedStatement(
            f"{what}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc


def _reject_constant(name: str) -> Any:
    raise MalformedStatement(f"JSON constant {name} is not allowed")

"""Canonical JSON: RFC 8785 (JSON Canonicalization Scheme).

Statements are signed over their JCS bytes, so two parties that agree on a payload
agree on its bytes. Payloads that are not already canonical are rejected rather than
silently re-encoded: what was signed is exactly what is logged.

For speed, values without floating-point numbers, without integers outside the
I-JSON range and without characters outside the Basic Multilingual Plane are
serialised with orjson (or the standard library), whose compact, key-sorted output
for such values is exactly JCS: keys sorted by code point (equal to UTF-16 order
inside the BMP, RFC 8785 §3.2.3), no whitespace, and the same minimal string escapes
(§3.2.2.2). Anything else goes through the ``rfc8785`` reference implementation.
Bytes that are already canonical (every stored entry) are recognised by parsing them
with orjson and serialising them back: equal bytes prove the input had no
whitespace, no duplicate keys and sorted keys; floats are then compared one by one
with the reference's way of writing them (§3.2.2.3).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import rfc8785

from concord.errors import MalformedStatement
from concord.inputs import MAX_DEPTH, decode_utf8

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
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # e.g. non-string keys, which json converts
        pass
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError:
        raise MalformedStatement(
            "a string holds a lone surrogate (\\ud800-\\udfff), which is not Unicode text"
        ) from None


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


_NUMBER_START = b"-0123456789"


def compact_value(data: bytes) -> Any | None:
    """The value of ``data`` when ``data`` is its compact, key-sorted serialisation.

    Equal bytes prove there was no whitespace and no duplicate key. None means
    undecided, not invalid (and integers beyond I-JSON always give None).
    """
    try:
        value = orjson.loads(data)
        if orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER) != data:
            return None
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    return value


def canonical_value(data: bytes) -> Any | None:
    """The value of ``data`` when it is already canonical JSON, decided quickly.

    Bytes that orjson writes back unchanged differ from JCS only in how floats are
    written (JCS writes ``1`` for ``1.0`` and spells large and small magnitudes its own
    way), and in key order outside the BMP (JCS sorts by UTF-16 code units). So each
    float is also written the JCS way and compared; text outside the BMP is left out.
    None means undecided, not invalid: ``parse_canonical`` then gives the verdict and
    the precise error. Whatever this accepts, ``parse_canonical`` accepts as canonical.
    """
    if (
        not data
        or data[0] in _NUMBER_START
        or (not data.isascii() and _FOUR_BYTE_UTF8.search(data))
    ):
        return None
    value = compact_value(data)
    if value is None or not _floats_as_jcs(value):
        return None
    return value


def _floats_as_jcs(value: Any) -> bool:
    """Whether orjson writes every float in ``value`` exactly as RFC 8785 does.

    A walk over the parsed value: it took about half the time of a byte scan for
    numbers with a fraction or an exponent, which also had to tell them from text
    such as key ids (orjson gives exactly these types).
    """
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float:
            try:
                if orjson.dumps(item) != rfc8785.dumps(item):
                    return False
            except (rfc8785.CanonicalizationError, ValueError):
                return False
    return True


def parse_canonical(data: bytes, *, what: str) -> tuple[Any, bool]:
    """Parse strict JSON and say whether ``data`` is exactly its RFC 8785 form."""
    value = canonical_value(data)
    if value is not None:
        return value, True
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
    """Parse strict JSON (UTF-8, no duplicate keys, no NaN, nested at most
    :data:`~concord.inputs.MAX_DEPTH` levels), naming ``what`` on error."""
    text = decode_utf8(data, what) if isinstance(data, bytes) else data
    try:
        value = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant, **hooks
        )
    except RecursionError:
        raise MalformedStatement(f"{what}: nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise MalformedStatement(
            f"{what}: not JSON (malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg})"
        ) from exc
    if _depth(value) > MAX_DEPTH:
        raise MalformedStatement(f"{what}: nested deeper than {MAX_DEPTH} levels")
    return value


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar: 0)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _reject_constant(name: str) -> Any:
    raise MalformedStatement(f"JSON constant {name} is not allowed")

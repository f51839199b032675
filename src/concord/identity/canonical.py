"""Canonical JSON: RFC 8785 (JSON Canonicalization Scheme).

Statements are signed over their JCS bytes, so two parties that agree on a payload
agree on its bytes. Payloads that are not already canonical are rejected rather than
silently re-encoded: what was signed is exactly what is logged.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from concord.errors import MalformedStatement


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical bytes of a JSON value."""
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise MalformedStatement(f"cannot canonicalise value: {exc}") from exc


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedStatement(f"duplicate JSON key {key!r}")
        out[key] = value
    return out


def parse_json(data: bytes | str, *, what: str) -> Any:
    """Parse strict JSON (UTF-8, no duplicate keys, no NaN), naming ``what`` on error."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise MalformedStatement(f"{what}: not UTF-8 ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise MalformedStatement(
            f"{what}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc


def _reject_constant(name: str) -> Any:
    raise MalformedStatement(f"JSON constant {name} is not allowed")

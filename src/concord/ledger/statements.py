"""Statements: typed, signed JSON payloads, and the registry of statement types.

A statement payload is the RFC 8785 canonical JSON object::

    {"author": <principal id>, "body": {...}, "id": <statement id>,
     "issued_at": "YYYY-MM-DDTHH:MM:SSZ", "type": <statement type>}

Each type names the Pydantic model of its body, the roles allowed to author it, an
optional ``check`` (domain rules that need the current state) and an ``apply`` that
updates the domain's projection tables. Domains register their types; the ledger is
the only caller of ``check`` and ``apply``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from concord.errors import MalformedStatement
from concord.identity.canonical import canonical_json, parse_canonical
from concord.identity.dsse import Envelope, parse_envelope
from concord.inputs import RECORD_ID_PATTERN

ID_PATTERN = re.compile(RECORD_ID_PATTERN)
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
_HEADER_FIELDS = frozenset({"author", "body", "id", "issued_at", "type"})


@dataclass(frozen=True, slots=True)
class Statement:
    """A parsed, schema-checked statement (its signature not yet checked)."""

    id: str
    type: str
    author: str
    issued_at: datetime
    body: BaseModel
    payload: bytes
    envelope: Envelope
    entry: bytes

    @property
    def payload_sha256(self) -> bytes:
        return hashlib.sha256(self.payload).digest()


Check = Callable[[Session, Statement], None]
Apply = Callable[[Session, Statement, int], None]


@dataclass(frozen=True, slots=True)
class StatementType:
    """One kind of statement: its body schema, who may author it, how it changes state."""

    name: str
    body: type[BaseModel]
    roles: frozenset[str]
    apply: Apply | None = None
    check: Check | None = None
    description: str = ""


@dataclass(slots=True)
class StatementRegistry:
    """All statement types known to this Concord build."""

    types: dict[str, StatementType] = field(default_factory=dict)

    def register(self, kinds: Iterable[StatementType]) -> None:
        for kind in kinds:
            if kind.name in self.types:
                raise ValueError(f"statement type {kind.name} registered twice")
            self.types[kind.name] = kind

    def kind(self, name: str) -> StatementType:
        try:
            return self.types[name]
        except KeyError:
            known = ", ".join(sorted(self.types))
            raise MalformedStatement(
                f"type: unknown statement type {name!r}", details=[f"known types: {known}"]
            ) from None


def format_time(value: datetime) -> str:
    """Statement timestamps are UTC with second precision: 2187-04-01T00:00:00Z."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: Any, *, what: str) -> datetime:
    if not isinstance(text, str):
        raise MalformedStatement(f"{what}: expected a timestamp string")
    try:
        if not _TIMESTAMP.match(text):
            raise ValueError(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise MalformedStatement(
            f"{what}: {text!r} is not a UTC timestamp like 2187-04-01T00:00:00Z"
        ) from None


def make_payload(
    *, statement_id: str, type_: str, author: str, issued_at: datetime, body: BaseModel
) -> bytes:
    """Canonical payload bytes for a new statement."""
    return canonical_json(
        {
            "author": author,
            "body": body.model_dump(mode="json"),
            "id": statement_id,
            "issued_at": format_time(issued_at),
            "type": type_,
        }
    )


def pydantic_details(exc: ValidationError, prefix: str = "body") -> list[str]:
    """One line per schema error: the field's path and the reason."""
    out = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        reason = str(err["msg"]).removeprefix("Value error, ")
        out.append(f"{prefix}.{path}: {reason}" if path else f"{prefix}: {reason}")
    return out


def parse_statement(
    raw: bytes | str | dict[str, Any] | Envelope,
    registry: StatementRegistry,
    *,
    max_entry_bytes: int,
) -> Statement:
    """Parse an envelope into a Statement, checking everything that needs no state."""
    envelope = raw if isinstance(raw, Envelope) else parse_envelope(raw)
    entry = envelope.canonical_bytes()
    if len(entry) > max_entry_bytes:
        raise MalformedStatement(
            f"statement too large: {len(entry)} bytes, limit {max_entry_bytes}",
            details=["commit bulk data to the blob store and reference its SHA-256"],
        )
    obj, canonical = parse_canonical(envelope.payload, what="payload")
    if not isinstance(obj, dict):
        raise MalformedStatement("payload: expected a JSON object")
    if obj.keys() != _HEADER_FIELDS:
        missing = sorted(_HEADER_FIELDS - set(obj))
        if missing:
            raise MalformedStatement(f"payload: missing field(s) {', '.join(missing)}")
        extra = sorted(set(obj) - _HEADER_FIELDS)
        raise MalformedStatement(f"payload: unknown field(s) {', '.join(extra)}")
    if not canonical:
        raise MalformedStatement("payload: not in RFC 8785 canonical form")
    sid = obj["id"]
    if not isinstance(sid, str) or not ID_PATTERN.fullmatch(sid):
        raise MalformedStatement(f"id: {sid!r} is not a valid statement id")
    if not isinstance(obj["author"], str) or not ID_PATTERN.fullmatch(obj["author"]):
        raise MalformedStatement(f"author: {obj['author']!r} is not a principal id")
    if not isinstance(obj["type"], str):
        raise MalformedStatement("type: expected a string")
    kind = registry.kind(obj["type"])
    issued = parse_time(obj["issued_at"], what="issued_at")
    try:
        body = kind.body.__pydantic_validator__.validate_python(obj["body"], strict=False)
    except ValidationError as exc:
        raise MalformedStatement(
            f"{kind.name} {sid}: body does not match the schema",
            details=pydantic_details(exc),
        ) from None
    return Statement(sid, kind.name, obj["author"], issued, body, envelope.payload, envelope, entry)

"""Submissions: what a party signs on its own machine and the office takes.

A submission is one signed statement (a DSSE envelope) with the tables its body
commits to. It is written as one JSON file::

    {"format": "concord.submission/v1",
     "envelope": {"payload": ..., "payloadType": ..., "signatures": [...]},
     "tables": {"<sha256 hex>": "<base64 of the CSV bytes>", ...}}

The party signs with its own key (:func:`sign_submission`); the office never sees that
key. The office re-hashes every table, refuses one the statement does not reference,
stores the tables in its blob store and appends the envelope (:func:`submit`), and
removes again any table it added if the append is refused, so that a refused
submission leaves nothing behind. The command line, and every other entry point, use
this one path.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from concord.errors import MalformedStatement
from concord.evidence.blobs import BlobStore, sha256_hex
from concord.evidence.schemas import TableRef
from concord.evidence.service import DECLARATION_TABLES, MEASUREMENT_TABLES
from concord.evidence.tables import parse_table
from concord.identity.canonical import parse_json
from concord.identity.dsse import Envelope, parse_envelope
from concord.identity.keys import SigningKey, b64
from concord.inputs import MAX_SUBMISSIONS_FILE_BYTES, MAX_TABLE_BYTES, read_text_input
from concord.ledger.receipts import Receipt
from concord.ledger.statements import StatementRegistry, pydantic_details
from concord.workspace import Workspace, sign_statement

FORMAT = "concord.submission/v1"


@dataclass(frozen=True, slots=True)
class Submission:
    """A signed statement and the tables (SHA-256 hex → bytes) it commits to."""

    envelope: Envelope
    tables: Mapping[str, bytes] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "envelope": json.loads(self.envelope.canonical_bytes()),
            "format": FORMAT,
            "tables": {sha: b64(data) for sha, data in sorted(self.tables.items())},
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n"

    @property
    def entry(self) -> bytes:
        """The bytes the log will hold (the envelope's canonical form)."""
        return self.envelope.canonical_bytes()


def load_submission(text: str | bytes, *, what: str = "submission") -> Submission:
    """Read a submission file, or a bare DSSE envelope (a submission without tables)."""
    data = parse_json(text, what=what)
    if not isinstance(data, dict):
        raise MalformedStatement(f"{what}: expected a JSON object")
    if "format" not in data:
        return Submission(parse_envelope(data))
    if data.get("format") != FORMAT:
        raise MalformedStatement(f"{what}: format: expected {FORMAT!r}, got {data['format']!r}")
    extra = sorted(set(data) - {"format", "envelope", "tables"})
    if extra:
        raise MalformedStatement(f"{what}: unknown field(s) {', '.join(extra)}")
    raw_envelope = data.get("envelope")
    if not isinstance(raw_envelope, dict):
        raise MalformedStatement(f"{what}: envelope: expected a DSSE envelope object")
    envelope = parse_envelope(raw_envelope)
    tables_in = data.get("tables", {})
    if not isinstance(tables_in, dict):
        raise MalformedStatement(f"{what}: tables: expected an object of sha256 → base64")
    tables: dict[str, bytes] = {}
    for name, encoded in tables_in.items():
        if not isinstance(encoded, str):
            raise MalformedStatement(f"{what}: tables.{name}: expected base64 text")
        try:
            raw = binascii.a2b_base64(encoded, strict_mode=True)
        except ValueError:
            raise MalformedStatement(f"{what}: tables.{name}: not valid base64") from None
        if len(raw) > MAX_TABLE_BYTES:
            raise MalformedStatement(
                f"{what}: tables.{name}: {len(raw)} bytes, limit {MAX_TABLE_BYTES}"
            )
        # The office re-hashes: the name a submitter gives a table is not trusted.
        sha = sha256_hex(raw)
        if name != sha:
            raise MalformedStatement(
                f"{what}: tables.{name}: the bytes hash to {sha}, not to the name given"
            )
        tables[sha] = raw
    return Submission(envelope, tables)


def read_submissions(path: Path) -> list[Submission]:
    """Submissions from a file: one submission or envelope, a JSON array, or JSON lines."""
    text = read_text_input(path, "submissions", limit=MAX_SUBMISSIONS_FILE_BYTES)
    stripped = text.lstrip()
    if stripped.startswith("["):
        items = parse_json(text, what=str(path))
        return [
            load_submission(json.dumps(item), what=f"{path}[{n}]") for n, item in enumerate(items)
        ]
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines):
        try:
            return [load_submission(line, what=f"{path}:{n + 1}") for n, line in enumerate(lines)]
        except MalformedStatement:
            pass  # an indented single JSON object, not JSON lines
    return [load_submission(text, what=str(path))]


def _table_refs(value: Any) -> Iterable[str]:
    """Every ``sha256`` of a table reference inside a statement body."""
    if isinstance(value, dict):
        if set(value) >= {"sha256", "rows", "bytes"} and isinstance(value["sha256"], str):
            yield value["sha256"]
        for item in value.values():
            yield from _table_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _table_refs(item)


def referenced_tables(envelope: Envelope) -> set[str]:
    try:
        payload = json.loads(envelope.payload)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return set()
    body = payload.get("body") if isinstance(payload, dict) else None
    return set(_table_refs(body))


def submit(ws: Workspace, submissions: Sequence[Submission]) -> list[Receipt]:
    """Store the submissions' tables and append their statements, all or nothing."""
    store = BlobStore(ws.settings.blobs_dir)
    added: list[str] = []
    try:
        for n, sub in enumerate(submissions):
            unreferenced = sorted(set(sub.tables) - referenced_tables(sub.envelope))
            if unreferenced:
                raise MalformedStatement(
                    f"submission {n}: table {unreferenced[0]} is not referenced by its statement"
                )
            for sha, data in sub.tables.items():
                if not store.has(sha):
                    store.put(data)
                    added.append(sha)
        return ws.ledger.submit_many([s.envelope for s in submissions], atomic=True)
    except BaseException:
        for sha in added:
            store.path(sha).unlink(missing_ok=True)
        raise


# --- building a submission on the party's machine ------------------------------------


def table_kind(statement_type: str, body: Mapping[str, Any]) -> str | None:
    """The evidence table kind a statement's ``table`` field holds, if it has one."""
    if statement_type == "evidence.declaration_filed":
        return DECLARATION_TABLES.get(str(body.get("declaration_type")))
    if statement_type == "evidence.measurement_filed":
        return MEASUREMENT_TABLES.get(str(body.get("measurement_type")))
    return None


def table_ref(kind: str, data: bytes) -> TableRef:
    """Check a table's own rows (before anything is signed) and reference it."""
    table = parse_table(kind, data)
    return TableRef(sha256=sha256_hex(data), rows=len(table), bytes=len(data))


def body_model(registry: StatementRegistry, statement_type: str, body: Mapping[str, Any]) -> Any:
    kind = registry.kind(statement_type)
    try:
        return kind.body.model_validate(dict(body))
    except ValidationError as exc:
        raise MalformedStatement(
            f"{statement_type}: body does not match the schema", details=pydantic_details(exc)
        ) from None


def sign_submission(
    registry: StatementRegistry,
    key: SigningKey,
    statement_type: str,
    body: Mapping[str, Any],
    *,
    issued_at: datetime,
    tables: Sequence[bytes] = (),
    statement_id: str | None = None,
) -> Submission:
    """Sign a statement as ``key``'s principal, with the tables it commits to.

    A body without its table reference gets one for the first table (checked against
    the table's columns first); every other table must be referenced in the body.
    """
    filled = dict(body)
    attached = {sha256_hex(t): t for t in tables}
    if tables and filled.get("table") is None:
        kind = table_kind(statement_type, filled)
        if kind is None:
            raise MalformedStatement(
                f"{statement_type}: this statement type carries no table",
                details=["reference tables in the body as {sha256, rows, bytes}"],
            )
        filled["table"] = table_ref(kind, tables[0]).model_dump(mode="json")
    model: BaseModel = body_model(registry, statement_type, filled)
    envelope = sign_statement(
        key, statement_type, model, issued_at=issued_at, statement_id=statement_id
    )
    submission = Submission(envelope, attached)
    missing = sorted(set(attached) - referenced_tables(envelope))
    if missing:
        raise MalformedStatement(f"table {missing[0]} is not referenced by the statement body")
    return submission

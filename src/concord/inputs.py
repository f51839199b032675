"""What the office takes in, and the range each kind of input must be in.

Anyone may submit anything, so every value that enters the record is checked against
one rule of its kind, stated here once and documented in ``docs/reference.md``
("Inputs and their limits"):

* **identifiers** (parties, principals, sites, sectors, claims, requests, key ids):
  ASCII only, :data:`IDENTIFIER_PATTERN`; record ids (statements, cases) may also
  hold ``/``, :data:`RECORD_ID_PATTERN`. A look-alike letter from another script, a
  space or a control character is refused;
* **text**: Unicode without control characters, bidirectional overrides or lone
  surrogates; line breaks (and tabs) only in prose fields meant to span lines;
* **numbers**: finite, and inside the bounds below, chosen generous but so that every
  sum, square and unit conversion downstream stays exact or finite;
* **sizes**: every file, document and table has a byte limit, and parsed documents a
  limit on nesting.

Each rule gives a reason a user can act on (``character 'а' (U+0430) at position 1
is not ASCII``); the schema or table check that applies it names the field or row.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from concord.errors import ConcordError, MalformedStatement

# --- identifiers ------------------------------------------------------------------

#: An identifier: an ASCII letter or digit, then up to 63 letters, digits, ``.``,
#: ``_``, ``:`` or ``-``.
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
#: A record id (statement or case): the same alphabet and ``/``, up to 128 characters.
RECORD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"

#: The treaty format's ids (provisions, requirements, parties in the treaty file): an
#: identifier that begins with a letter and has no ``:``.
TREATY_IDENTIFIER_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$"

_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_RECORD_ID = re.compile(RECORD_ID_PATTERN)


def _char(c: str) -> str:
    name = unicodedata.name(c, "")
    if not c.isprintable():
        return f"the control character U+{ord(c):04X}{' ' + name if name else ''}"
    return f"the character {c!r} (U+{ord(c):04X}{' ' + name if name else ''})"


def identifier_problem(value: str, *, record: bool = False) -> str | None:
    """Why ``value`` is not an identifier (or a record id), or None when it is one."""
    pattern, limit, extra = (_RECORD_ID, 128, "/") if record else (_IDENTIFIER, 64, "")
    if pattern.fullmatch(value):
        return None
    if not value:
        return "an identifier cannot be empty"
    if len(value) > limit:
        return f"an identifier has at most {limit} characters, this one {len(value)}"
    for i, c in enumerate(value):
        if not c.isascii():
            return f"{_char(c)} at position {i} is not ASCII"
        if not (c.isalnum() or (i > 0 and c in "._:-" + extra)):
            allowed = f"use letters, digits, ._:-{extra}"
            first = "begin with a letter or digit" if i == 0 else allowed
            return f"{_char(c)} at position {i}: an identifier must {first}"
    return "not an identifier"  # pragma: no cover - every failing case is named above


def is_identifier(value: object) -> bool:
    return isinstance(value, str) and identifier_problem(value) is None


@dataclass(frozen=True, slots=True)
class _Rule:
    """Pydantic metadata: check a string with ``problem`` and publish ``pattern``."""

    problem: Callable[[str], str | None]
    pattern: str
    length: tuple[int, int] | None = None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        published = handler(schema)
        published["pattern"] = self.pattern
        if self.length is not None:
            published["minLength"], published["maxLength"] = self.length
        return published

    def _check(self, value: str) -> str:
        problem = self.problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


#: A party, principal, site, sector, claim, request or key identifier.
Identifier = Annotated[str, _Rule(identifier_problem, IDENTIFIER_PATTERN, (1, 64))]
#: A statement or case id.
RecordId = Annotated[
    str, _Rule(partial(identifier_problem, record=True), RECORD_ID_PATTERN, (1, 128))
]

# --- text -------------------------------------------------------------------------

#: Characters no text field holds: C0 and C1 controls (but tab and line breaks in
#: prose), DEL, bidirectional marks and overrides (which make text read otherwise than
#: it is stored), and lone surrogates (not Unicode text).
_NEVER = "\\x7f-\\x9f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069"
LINE_PATTERN = f"^[^\\x00-\\x1f{_NEVER}]*$"
PROSE_PATTERN = f"^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f{_NEVER}]*$"
_LINE_BAD = re.compile(f"[\\x00-\\x1f{_NEVER}\\ud800-\\udfff]")
_PROSE_BAD = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f{_NEVER}\\ud800-\\udfff]")


def text_problem(value: str, *, prose: bool = False) -> str | None:
    """Why ``value`` is not acceptable text (one line, or prose), or None."""
    found = (_PROSE_BAD if prose else _LINE_BAD).search(value)
    if found is None:
        return None
    c = found.group()
    if 0xD800 <= ord(c) <= 0xDFFF:
        return f"a lone surrogate (U+{ord(c):04X}) at position {found.start()} is not text"
    what = "a line break" if c in "\r\n" else _char(c)
    return f"{what} at position {found.start()} is not allowed in this text"


#: Metadata of one line of text (a name, a title, a code): ``Annotated[str, LINE]``.
LINE = _Rule(text_problem, LINE_PATTERN)
#: Metadata of text that may span lines (a summary, a reason, a note, a document).
PROSE = _Rule(partial(text_problem, prose=True), PROSE_PATTERN)
#: A name: one line of 1 to 200 characters.
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), LINE]


# --- numbers ----------------------------------------------------------------------

#: I-JSON (RFC 7493 §2.2): integers beyond ±(2**53 - 1) are not exact in JSON.
MAX_SAFE_INT = 2**53 - 1
#: A count or a size (rows, bytes, a checkpoint's size).
Count = Annotated[int, Field(ge=0, le=MAX_SAFE_INT)]

#: A coordinate in a sector's planar frame, in km (a site's location, a claim's
#: vertices): finite and within a million km of the origin.
MAX_KM = 1_000_000.0
Km = Annotated[float, Field(ge=-MAX_KM, le=MAX_KM, allow_inf_nan=False)]

#: The largest mass on one row of an evidence table, per unit: a billion tonnes. With
#: at most :data:`MAX_TABLE_ROWS` rows, sums and sums of squares stay far inside the
#: exact decimals the reconciliation adds them in (DECIMAL(38, 12), micro-tonnes in
#: 64 bits: 9 trillion tonnes).
MAX_MASS: dict[str, float] = {"t": 1e9, "kg": 1e12, "kt": 1e6}
#: The largest total mass of one table, in tonnes.
MAX_TABLE_TONNES = 1e10
#: The largest fee on one row, in its currency (fees are stored as DECIMAL(18, 4)).
MAX_FEE = 1e12

# --- sizes ------------------------------------------------------------------------

#: The largest table a submission may carry (one CSV per statement, not an archive).
MAX_TABLE_BYTES = 64 * 1024 * 1024
#: The most data rows one table may have.
MAX_TABLE_ROWS = 1_000_000
#: The longest value of one table cell, in characters.
MAX_CELL_CHARS = 200
#: The largest YAML document (a treaty, an amendment, a test case file).
MAX_YAML_BYTES = 4 * 1024 * 1024
#: The most nodes a YAML document may expand to (aliases counted at each use).
MAX_YAML_NODES = 200_000
#: The largest JSON file read from disk (a statement body, a key, a receipt, GeoJSON).
MAX_JSON_FILE_BYTES = 16 * 1024 * 1024
#: The largest file of submissions ``concord submit`` reads (JSON, array or lines).
MAX_SUBMISSIONS_FILE_BYTES = 512 * 1024 * 1024
#: The deepest nesting of lists and objects (mappings) in a JSON or YAML document.
MAX_DEPTH = 64


def decode_utf8(data: bytes, what: str, error: type[ConcordError] = MalformedStatement) -> str:
    """``data`` as text: UTF-8 only (a UTF-8 byte-order mark is dropped)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(data) >= 2 and 0 in data[:2]
    ):
        raise error(f"{what}: the text is UTF-16 or UTF-32; write it as UTF-8")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise error(f"{what}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None


def read_input(
    path: Path, what: str, *, limit: int, error: type[ConcordError] = MalformedStatement
) -> bytes:
    """The bytes of the file at ``path``, refused when it is missing or over ``limit``."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"{what} {path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise error(f"{what} {path}: larger than the limit of {limit} bytes")
    return data


def read_text_input(
    path: Path, what: str, *, limit: int, error: type[ConcordError] = MalformedStatement
) -> str:
    """The UTF-8 text of the file at ``path`` (see :func:`read_input`)."""
    return decode_utf8(read_input(path, what, limit=limit, error=error), f"{what} {path}", error)


__all__ = [
    "IDENTIFIER_PATTERN",
    "LINE",
    "LINE_PATTERN",
    "MAX_CELL_CHARS",
    "MAX_DEPTH",
    "MAX_FEE",
    "MAX_JSON_FILE_BYTES",
    "MAX_KM",
    "MAX_MASS",
    "MAX_SAFE_INT",
    "MAX_SUBMISSIONS_FILE_BYTES",
    "MAX_TABLE_BYTES",
    "MAX_TABLE_ROWS",
    "MAX_TABLE_TONNES",
    "MAX_YAML_BYTES",
    "MAX_YAML_NODES",
    "PROSE",
    "PROSE_PATTERN",
    "RECORD_ID_PATTERN",
    "TREATY_IDENTIFIER_PATTERN",
    "Count",
    "Identifier",
    "Km",
    "Name",
    "RecordId",
    "decode_utf8",
    "identifier_problem",
    "is_identifier",
    "read_input",
    "read_text_input",
    "text_problem",
]

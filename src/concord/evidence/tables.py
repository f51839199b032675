"""Parsing and validating evidence tables (CSV) before anything is stored.

A table is checked whole: every row is examined and every problem is reported, each
naming its row (the line of the file, the header being row 1) and its reason, e.g.
``row 7: unit "lbs" is not one of t, kg, kt``. One problem rejects the whole file —
a declaration is accepted as filed or not at all.

Masses are converted to tonnes on ingest (the unit is explicit on every row).

Every cell is what the analytic store will read, byte for byte: no spaces around a
value, identifiers in the one ASCII form (:mod:`concord.inputs`), text on one line
without control characters, numbers written plainly and inside their bounds. A table
also has limits of its own: its bytes, its rows and the length of each cell.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from concord.errors import EvidenceError
from concord.evidence.schemas import MASS_UNITS, TABLE_COLUMNS
from concord.inputs import (
    MAX_CELL_CHARS,
    MAX_FEE,
    MAX_MASS,
    MAX_TABLE_BYTES,
    MAX_TABLE_ROWS,
    MAX_TABLE_TONNES,
    identifier_problem,
    text_problem,
)

#: The columns that identify a row; a second row with the same key is a duplicate.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "extraction": ("site", "mineral"),
    "extraction_measurement": ("party", "site", "mineral"),
    "docking_fees": ("vessel", "arrived_at"),
    "activity_report": ("claim_id", "activity"),
}
#: Columns that hold identifiers; every other column holds one line of text.
IDENTIFIER_COLUMNS = frozenset({"site", "party", "claim_id"})
#: Problems listed in an error before the rest are summarised.
MAX_DETAILS = 200
#: A number as a table writes it: digits, an optional fraction and exponent (what both
#: Python and DuckDB read the same way; no ``1_000``, ``inf`` or ``0x10``).
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_DAYS = re.compile(r"[0-9]{1,3}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TableContext:
    """What rows may refer to; ``None`` means "do not check" (e.g. nothing registered)."""

    sites: Collection[str] | None = None
    parties: Collection[str] | None = None
    methods: Collection[str] | None = None


@dataclass(frozen=True, slots=True)
class ParsedTable:
    """A valid table: its kind, its rows as text (masses in tonnes) and its size."""

    kind: str
    rows: list[dict[str, str]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.rows)


Check = Callable[[dict[str, str], TableContext], list[str]]


def parse_utc(text: str) -> datetime | None:
    """An ISO 8601 timestamp with a UTC offset (``Z`` or ``+00:00``), else None."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None or value.utcoffset() != UTC.utcoffset(None):
        return None
    return value


def _number(
    row: dict[str, str], name: str, *, limit: float, unit: str = "", what: str = ""
) -> tuple[float | None, list[str]]:
    text = row[name]
    if not _NUMBER.fullmatch(text):
        return None, [f'{name} "{text}" is not a number']
    value = float(text)
    if not math.isfinite(value):
        return None, [f'{name} "{text}" is not a finite number']
    if value < 0:
        return None, [f"{name} {text} is negative{what}"]
    if value > limit:
        return None, [f"{name} {text}{unit} is above the limit of {limit:g}{unit}"]
    return value, []


def _mass(row: dict[str, str], names: Iterable[str]) -> list[str]:
    unit = row["unit"]
    problems = []
    if unit not in MASS_UNITS:
        problems.append(f'unit "{unit}" is not one of {", ".join(MASS_UNITS)}')
    for name in names:
        value, found = _number(
            row,
            name,
            limit=MAX_MASS.get(unit, math.inf),
            unit=f" {unit}" if unit in MASS_UNITS else "",
            what=" (a tonnage cannot be negative)",
        )
        problems += found
        if value is not None and unit in MASS_UNITS:
            row[name] = repr(value * MASS_UNITS[unit])
    if unit in MASS_UNITS:
        row["unit"] = "t"
    return problems


def _known(value: str, allowed: Collection[str] | None, what: str) -> list[str]:
    if allowed is None or value in allowed:
        return []
    return [f'{what} "{value}" is not registered']


def _extraction(row: dict[str, str], ctx: TableContext) -> list[str]:
    return _known(row["site"], ctx.sites, "site") + _mass(row, ("quantity", "uncertainty"))


def _measurement(row: dict[str, str], ctx: TableContext) -> list[str]:
    problems = _known(row["party"], ctx.parties, "party") + _known(row["site"], ctx.sites, "site")
    if ctx.methods is not None and row["method"] not in ctx.methods:
        problems.append(f'method "{row["method"]}" is not one of {", ".join(sorted(ctx.methods))}')
    return problems + _mass(row, ("quantity",))


def _docking(row: dict[str, str], ctx: TableContext) -> list[str]:
    problems = _known(row["party"], ctx.parties, "party")
    times = {}
    for name in ("arrived_at", "departed_at"):
        value = parse_utc(row[name])
        if value is None:
            problems.append(f'{name} "{row[name]}" is not an ISO 8601 UTC timestamp')
        else:
            times[name] = value
            row[name] = value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if len(times) == 2 and times["departed_at"] < times["arrived_at"]:
        problems.append("departed_at is before arrived_at")
    problems += _number(row, "fee_charged", limit=MAX_FEE)[1]
    if not (len(row["currency"]) == 3 and row["currency"].isalpha() and row["currency"].isupper()):
        problems.append(f'currency "{row["currency"]}" is not a three-letter code')
    return problems


def _activity(row: dict[str, str], _ctx: TableContext) -> list[str]:
    text = row["days_present"]
    if not _DAYS.fullmatch(text) or int(text) > 366:
        return [f'days_present "{text}" is not a whole number of days from 0 to 366']
    return []


CHECKS: dict[str, Check] = {
    "extraction": _extraction,
    "extraction_measurement": _measurement,
    "docking_fees": _docking,
    "activity_report": _activity,
}


def _header(kind: str, reader: Iterator[list[str]]) -> list[str]:
    expected = list(TABLE_COLUMNS[kind])
    header = next(reader, None)
    if header is None:
        raise EvidenceError(f"the {kind} table is empty: expected a header row")
    if header != expected:
        raise EvidenceError(
            f"the {kind} table has the wrong header",
            details=[f"expected: {','.join(expected)}", f"found:    {','.join(header)}"],
        )
    return expected


def _cell_problem(name: str, value: str) -> str | None:
    """Why a cell cannot be stored as it is, or None."""
    if not value:
        return f"{name} is empty"
    if len(value) > MAX_CELL_CHARS:
        return f"{name} has {len(value)} characters, at most {MAX_CELL_CHARS}"
    if value != value.strip():
        return f"{name} {value.strip()!r} has spaces around it"
    problem = identifier_problem(value) if name in IDENTIFIER_COLUMNS else text_problem(value)
    return None if problem is None else f"{name}: {problem}"


def _rows(
    kind: str, reader: Iterator[list[str]], columns: list[str], ctx: TableContext
) -> tuple[list[dict[str, str]], list[str]]:
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if number - 1 > MAX_TABLE_ROWS:
            raise EvidenceError(f"the {kind} table has more than {MAX_TABLE_ROWS} rows")
        if len(cells) != len(columns):
            problems.append(f"row {number}: {len(cells)} values, expected {len(columns)}")
            continue
        row = dict(zip(columns, cells, strict=True))
        found = [p for name in columns if (p := _cell_problem(name, row[name]))]
        if not found:
            found = CHECKS[kind](row, ctx)
        key = tuple(row[k] for k in ROW_KEYS[kind])
        if key in seen:
            found.append(f"duplicate of row {seen[key]} ({', '.join(key)})")
        else:
            seen[key] = number
        problems += [f"row {number}: {reason}" for reason in found]
        rows.append(row)
    return rows, problems


def _total_tonnes(kind: str, rows: list[dict[str, str]]) -> list[str]:
    if kind not in ("extraction", "extraction_measurement"):
        return []
    total = math.fsum(float(row["quantity"]) for row in rows)
    if total > MAX_TABLE_TONNES:
        return [f"the quantities add up to {total:g} t, above the limit of {MAX_TABLE_TONNES:g} t"]
    return []


def parse_table(kind: str, data: bytes, context: TableContext | None = None) -> ParsedTable:
    """Parse and check a CSV table of ``kind``; raise EvidenceError naming every bad row."""
    if kind not in TABLE_COLUMNS:
        raise EvidenceError(
            f"unknown table kind {kind!r}", details=[f"known: {', '.join(TABLE_COLUMNS)}"]
        )
    if len(data) > MAX_TABLE_BYTES:
        raise EvidenceError(
            f"the {kind} table is {len(data)} bytes, above the limit of {MAX_TABLE_BYTES}"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"the {kind} table is not UTF-8 text: {exc.reason}") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        columns = _header(kind, reader)
        rows, problems = _rows(kind, reader, columns, context or TableContext())
    except csv.Error as exc:
        # e.g. a field over the csv module's limit (131,072 characters), a stray quote
        raise EvidenceError(
            f"the {kind} table is not valid CSV at line {reader.line_num}: {exc}; "
            "nothing was stored"
        ) from None
    if not problems:
        problems = _total_tonnes(kind, rows)
    if problems:
        shown = problems[:MAX_DETAILS]
        if len(problems) > MAX_DETAILS:
            shown.append(f"… and {len(problems) - MAX_DETAILS} more")
        raise EvidenceError(
            f"the {kind} table was rejected: {len(problems)} problem(s); nothing was stored",
            details=shown,
        )
    return ParsedTable(kind, rows)

"""Parsing and validating evidence tables (CSV) before anything is stored.

A table is checked whole: every row is examined and every problem is reported, each
naming its row (the line of the file, the header being row 1) and its reason, e.g.
``row 7: unit "lbs" is not one of t, kg, kt``. One problem rejects the whole file —
a declaration is accepted as filed or not at all.

Masses are converted to tonnes on ingest (the unit is explicit on every row).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from concord.errors import EvidenceError
from concord.evidence.schemas import MASS_UNITS, TABLE_COLUMNS

#: The columns that identify a row; a second row with the same key is a duplicate.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "extraction": ("site", "mineral"),
    "extraction_measurement": ("party", "site", "mineral"),
    "docking_fees": ("vessel", "arrived_at"),
    "activity_report": ("claim_id", "activity"),
}
#: Problems listed in an error before the rest are summarised.
MAX_DETAILS = 200


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


def _number(row: dict[str, str], name: str, *, what: str = "") -> tuple[float | None, list[str]]:
    text = row[name].strip()
    try:
        value = float(text)
    except ValueError:
        return None, [f'{name} "{text}" is not a number']
    if not math.isfinite(value):
        return None, [f'{name} "{text}" is not a finite number']
    if value < 0:
        return None, [f"{name} {text} is negative{what}"]
    return value, []


def _mass(row: dict[str, str], names: Iterable[str]) -> list[str]:
    unit = row["unit"].strip()
    problems = []
    if unit not in MASS_UNITS:
        problems.append(f'unit "{unit}" is not one of {", ".join(MASS_UNITS)}')
    for name in names:
        value, found = _number(row, name, what=" (a tonnage cannot be negative)")
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
    problems += _number(row, "fee_charged")[1]
    if not (len(row["currency"]) == 3 and row["currency"].isalpha() and row["currency"].isupper()):
        problems.append(f'currency "{row["currency"]}" is not a three-letter code')
    return problems


def _activity(row: dict[str, str], _ctx: TableContext) -> list[str]:
    text = row["days_present"].strip()
    if not text.isdigit() or int(text) > 366:
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
    if [h.strip() for h in header] != expected:
        raise EvidenceError(
            f"the {kind} table has the wrong header",
            details=[f"expected: {','.join(expected)}", f"found:    {','.join(header)}"],
        )
    return expected


def parse_table(kind: str, data: bytes, context: TableContext | None = None) -> ParsedTable:
    """Parse and check a CSV table of ``kind``; raise EvidenceError naming every bad row."""
    if kind not in TABLE_COLUMNS:
        raise EvidenceError(
            f"unknown table kind {kind!r}", details=[f"known: {', '.join(TABLE_COLUMNS)}"]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"the {kind} table is not UTF-8 text: {exc.reason}") from None
    ctx = context or TableContext()
    reader = csv.reader(io.StringIO(text, newline=""))
    columns = _header(kind, reader)
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if len(cells) != len(columns):
            problems.append(f"row {number}: {len(cells)} values, expected {len(columns)}")
            continue
        row = {name: cell.strip() for name, cell in zip(columns, cells, strict=True)}
        found = [f"{name} is empty" for name in columns if not row[name]]
        if not found:
            found = CHECKS[kind](row, ctx)
        key = tuple(row[k] for k in ROW_KEYS[kind])
        if key in seen:
            found.append(f"duplicate of row {seen[key]} ({', '.join(key)})")
        else:
            seen[key] = number
        problems += [f"row {number}: {reason}" for reason in found]
        rows.append(row)
    if problems:
        shown = problems[:MAX_DETAILS]
        if len(problems) > MAX_DETAILS:
            shown.append(f"… and {len(problems) - MAX_DETAILS} more")
        raise EvidenceError(
            f"the {kind} table was rejected: {len(problems)} problem(s); nothing was stored",
            details=shown,
        )
    return ParsedTable(kind, rows)

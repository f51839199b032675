"""Evidence tables as filed: CSV bytes in the column order of ``TABLE_COLUMNS``.

The bytes are fixed by the rows alone (``\\n`` line ends, fixed decimals per unit, no
locale), so the same rows always give the same SHA-256.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from concord.errors import EvidenceError
from concord.evidence.schemas import TABLE_COLUMNS, TableRef

#: Decimals per mass unit: every quantity is a whole number of 0.1 t, so each is exact.
UNIT_DECIMALS = {"t": 1, "kg": 0, "kt": 4}
_PER_TONNE = {"t": 1.0, "kg": 1000.0, "kt": 0.001}


def mass(tonnes: float, unit: str) -> str:
    """``tonnes`` written in ``unit`` with that unit's fixed decimals."""
    return f"{tonnes * _PER_TONNE[unit]:.{UNIT_DECIMALS[unit]}f}"


@dataclass(frozen=True, slots=True)
class Table:
    """One CSV table: its name in ``TABLE_COLUMNS``, its bytes and their reference."""

    name: str
    data: bytes
    rows: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def ref(self) -> TableRef:
        return TableRef(sha256=self.sha256, rows=self.rows, bytes=len(self.data))


def encode_table(name: str, rows: Sequence[Sequence[str]]) -> Table:
    """The CSV of table ``name`` with its contract header."""
    columns = TABLE_COLUMNS[name]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        if len(row) != len(columns):
            raise EvidenceError(f"{name}: row has {len(row)} fields, expected {len(columns)}")
        writer.writerow(row)
    return Table(name, buffer.getvalue().encode("utf-8"), len(rows))

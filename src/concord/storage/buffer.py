"""Batched projection writes.

Projection inserts made while a batch of statements is staged are buffered on the
session and written with one ``executemany`` per table. The ledger flushes the buffer
before any check that may read the database and at the end of the batch, so reads
always see every earlier statement of the batch.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from concord.storage.base import Base

_KEY = "concord.pending_inserts"


def buffered_insert(session: Session, model: type[Base], row: dict[str, Any]) -> None:
    """Queue one row for ``model``'s table; written by :func:`flush_inserts`."""
    pending: dict[type[Base], list[dict[str, Any]]] = session.info.setdefault(_KEY, {})
    pending.setdefault(model, []).append(row)


def flush_inserts(session: Session) -> None:
    """Write every queued row, table by table in the order tables were first used."""
    pending: dict[type[Base], list[dict[str, Any]]] | None = session.info.pop(_KEY, None)
    if not pending:
        return
    for model, rows in pending.items():
        # Core insert of the table: the ORM's bulk path adds nothing for plain rows.
        session.execute(insert(cast(Table, model.__table__)), rows)

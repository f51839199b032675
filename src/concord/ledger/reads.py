"""Read views of the log for entry points: proofs and pages of entries, as JSON documents.

The command line (``concord proof``) and the HTTP API render the same documents, with
hashes in base64. Sizes default to the latest signed checkpoint: a reader is answered
about the tree the office has signed, never about an append still under way.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.errors import NotFoundError
from concord.identity.dsse import parse_envelope
from concord.ledger import store
from concord.ledger.models import LedgerEntry
from concord.ledger.service import Ledger

#: The most entries one page of :func:`entry_page` holds.
MAX_PAGE = 1000


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def published_size(ledger: Ledger) -> int:
    """The size of the latest signed checkpoint."""
    with Session(ledger.engine) as session:
        latest = store.latest_checkpoint(session)
    if latest is None:
        raise NotFoundError("the log is empty: no checkpoint has been signed")
    return latest.size


def _tree_size(ledger: Ledger, size: int | None) -> int:
    signed = published_size(ledger)
    if size is None:
        return signed
    if not 0 <= size <= signed:
        raise NotFoundError(
            f"tree size {size} is not in the log (its latest checkpoint has size {signed})"
        )
    return size


def inclusion_document(ledger: Ledger, index: int, size: int | None = None) -> dict[str, Any]:
    """RFC 9162 §2.1.3 inclusion proof of leaf ``index`` in the tree of ``size``."""
    n = _tree_size(ledger, size)
    if not 0 <= index < n:
        raise NotFoundError(f"leaf {index} is not in the tree of size {n}")
    return {
        "index": index,
        "size": n,
        "root": _b64(ledger.root(n)),
        "proof": [_b64(h) for h in ledger.inclusion_proof(index, n)],
    }


def consistency_document(ledger: Ledger, old: int, new: int | None = None) -> dict[str, Any]:
    """RFC 9162 §2.1.4 consistency proof from the tree of ``old`` to the tree of ``new``."""
    n = _tree_size(ledger, new)
    if not 0 <= old <= n:
        raise NotFoundError(f"no consistency proof from tree size {old} to tree size {n}")
    return {
        "old_size": old,
        "new_size": n,
        "root": _b64(ledger.root(n)),
        "proof": [_b64(h) for h in ledger.consistency_proof(old, n)],
    }


def entry_page(ledger: Ledger, start: int, limit: int) -> dict[str, Any]:
    """Entries ``start`` to ``start + limit - 1`` of the signed log, each with its envelope
    and the statement it signs.

    ``next`` is the start of the following page, or None after the last entry.
    """
    size = published_size(ledger)
    if start < 0 or not 0 < limit <= MAX_PAGE:
        raise NotFoundError(f"no page of {limit} entries from {start}: limit is 1 to {MAX_PAGE}")
    end = min(size, start + limit)
    with Session(ledger.engine) as session:
        rows = session.execute(
            select(
                LedgerEntry.idx,
                LedgerEntry.statement_id,
                LedgerEntry.statement_type,
                LedgerEntry.author,
                LedgerEntry.entry,
            )
            .where(LedgerEntry.idx >= start, LedgerEntry.idx < end)
            .order_by(LedgerEntry.idx)
        ).all()
    entries = [
        {
            "index": int(idx),
            "statement_id": sid,
            "type": type_,
            "author": author,
            "envelope": json.loads(bytes(entry)),
            # The signed payload, decoded: what the envelope's signatures are over.
            "statement": json.loads(parse_envelope(bytes(entry)).payload),
        }
        for idx, sid, type_, author, entry in rows
    ]
    return {
        "size": size,
        "start": start,
        "entries": entries,
        "next": end if end < size else None,
    }

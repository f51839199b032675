"""The treaty in force on a day, as the document every entry point renders."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from concord.treaty.registry import registered_treaty


def treaty_document(session: Session, day: date, treaty_id: str | None = None) -> dict[str, Any]:
    """The version in force on ``day``, with the documents it is made of (provenance)."""
    record = registered_treaty(session, treaty_id)
    version = record.at(day)
    treaty = version.treaty
    return {
        "treaty_id": treaty.id,
        "title": treaty.title,
        "at": day.isoformat(),
        "in_force": version.in_force,
        "documents": [
            {
                "document_id": d.document_id,
                "kind": d.kind,
                "effective_date": str(d.effective_date),
                "log_index": d.log_index,
                "statement_id": d.statement_id,
                "sha256": d.sha256,
            }
            for d in record.documents
        ],
        "amendments": list(version.amendments),
        "requirements": [
            {"id": r.id, "kind": r.kind, "title": r.title, "cites": list(r.cites)}
            for r in version.requirements()
        ],
        "provisions": [p.id for p in version.provisions()],
    }

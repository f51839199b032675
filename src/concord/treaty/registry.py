"""Treaties in the ledger: the registration and amendment statements, their projection,
and the treaty in force on a date as the record says.

Registering a treaty or an amendment is an office statement that carries the exact
bytes of the file (and their SHA-256), so that anyone can re-load it from the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.errors import NotFoundError, TreatyError
from concord.identity import roles
from concord.ledger.statements import Statement, StatementType
from concord.treaty.models import Amendment, Treaty
from concord.treaty.models_db import TreatyDocument
from concord.treaty.schemas import (
    TREATY_AMENDED,
    TREATY_REGISTERED,
    TreatyAmended,
    TreatyRegistered,
)
from concord.treaty.service import (
    amendment_payload,
    load_amendment_text,
    load_treaty_text,
    treaty_at,
)
from concord.treaty.versions import TreatyVersion


@lru_cache(maxsize=16)
def _treaty(text: str) -> Treaty:
    return load_treaty_text(text, "registered treaty")


@lru_cache(maxsize=64)
def _amendment(text: str) -> Amendment:
    return load_amendment_text(text, "registered amendment")


@dataclass(frozen=True, slots=True)
class RegisteredTreaty:
    """A treaty as recorded, with its amendments in the order they were registered."""

    treaty: Treaty
    amendments: tuple[Amendment, ...]
    documents: tuple[TreatyDocument, ...]

    def at(self, day: date) -> TreatyVersion:
        return treaty_at(self.treaty, self.amendments, day)


def _documents(session: Session, treaty_id: str | None) -> list[TreatyDocument]:
    query = select(TreatyDocument).order_by(TreatyDocument.log_index)
    if treaty_id is not None:
        query = query.where(TreatyDocument.treaty_id == treaty_id)
    return list(session.scalars(query))


def registered_treaty(session: Session, treaty_id: str | None = None) -> RegisteredTreaty:
    """The registered treaty (the only one, if ``treaty_id`` is not given)."""
    docs = _documents(session, treaty_id)
    treaties = [d for d in docs if d.kind == "treaty"]
    if not treaties:
        raise NotFoundError(
            "no treaty is registered" + (f" with id {treaty_id!r}" if treaty_id else ""),
            details=["register one with `concord treaty register FILE`"],
        )
    if treaty_id is None and len(treaties) > 1:
        ids = ", ".join(d.treaty_id for d in treaties)
        raise NotFoundError(f"several treaties are registered ({ids}); name one")
    base = treaties[0]
    mine = [d for d in docs if d.treaty_id == base.treaty_id]
    amendments = tuple(_amendment(d.document) for d in mine if d.kind == "amendment")
    return RegisteredTreaty(_treaty(base.document), amendments, tuple(mine))


def treaty_in_force(session: Session, day: date, treaty_id: str | None = None) -> TreatyVersion:
    """The treaty as it reads on ``day``, per the record."""
    return registered_treaty(session, treaty_id).at(day)


def _check_registration(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, TreatyRegistered)
    treaty = load_treaty_text(body.document, body.treaty_id)
    if treaty.id != body.treaty_id:
        raise TreatyError(f'the document is treaty "{treaty.id}", not "{body.treaty_id}"')
    dates = treaty.dates
    if (dates.signed, dates.ratified, dates.entry_into_force) != (
        body.signed,
        body.ratified,
        body.entry_into_force,
    ):
        raise TreatyError(f"{statement.id}: the statement's dates differ from the document's")
    if session.get(TreatyDocument, body.treaty_id) is not None:
        raise TreatyError(
            f"treaty {body.treaty_id!r} is already registered; change it with an amendment"
        )


def _apply_registration(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, TreatyRegistered)
    session.add(
        TreatyDocument(
            document_id=body.treaty_id,
            treaty_id=body.treaty_id,
            kind="treaty",
            sha256=body.document_sha256,
            effective_date=body.entry_into_force,
            log_index=index,
            statement_id=statement.id,
            document=body.document,
        )
    )
    session.flush()


def _check_amendment(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, TreatyAmended)
    current = registered_treaty(session, body.treaty_id)
    if session.get(TreatyDocument, f"{body.treaty_id}/{body.amendment_id}") is not None:
        raise TreatyError(f"amendment {body.amendment_id!r} is already registered")
    checked = amendment_payload(
        current.treaty, body.document, body.amendment_id, current.amendments
    )
    if checked.amendment_id != body.amendment_id or checked.effective_date != body.effective_date:
        raise TreatyError(f"{statement.id}: the statement's id or date differ from the document's")


def _apply_amendment(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, TreatyAmended)
    session.add(
        TreatyDocument(
            document_id=f"{body.treaty_id}/{body.amendment_id}",
            treaty_id=body.treaty_id,
            kind="amendment",
            sha256=body.document_sha256,
            effective_date=body.effective_date,
            log_index=index,
            statement_id=statement.id,
            document=body.document,
        )
    )
    session.flush()


STATEMENT_TYPES = [
    StatementType(
        TREATY_REGISTERED,
        TreatyRegistered,
        frozenset({roles.OFFICE}),
        _apply_registration,
        _check_registration,
        description="the office registers a treaty with the exact text of its file",
    ),
    StatementType(
        TREATY_AMENDED,
        TreatyAmended,
        frozenset({roles.OFFICE}),
        _apply_amendment,
        _check_amendment,
        description="the office registers a dated amendment to a registered treaty",
    ),
]

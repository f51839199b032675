"""Identity statement types and their projection into tables."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from concord.identity import roles
from concord.identity.models import Principal, PrincipalKey
from concord.identity.schemas import (
    KeyRevoked,
    KeyRotated,
    KeySpec,
    OfficeEstablished,
    PrincipalRegistered,
)
from concord.identity.state import GENESIS_TYPE, IdentityState
from concord.ledger.statements import Statement, StatementType
from concord.storage.buffer import buffered_insert, flush_inserts


def _add_key(session: Session, spec: KeySpec, principal_id: str, index: int) -> None:
    buffered_insert(
        session,
        PrincipalKey,
        {
            "key_id": spec.key_id,
            "principal_id": principal_id,
            "public_key": base64.b64decode(spec.public_key),
            "valid_from": spec.valid_from.astimezone(UTC),
            "registered_at": index,
            "revoked": False,
            "revoked_at": None,
        },
    )


def _add_principal(
    session: Session, principal_id: str, name: str, roles_: str, party: str | None, index: int
) -> None:
    buffered_insert(
        session,
        Principal,
        {
            "principal_id": principal_id,
            "name": name,
            "roles": roles_,
            "party": party,
            "registered_at": index,
        },
    )


def _apply_office(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, OfficeEstablished)
    _add_principal(session, body.principal_id, body.name, roles.OFFICE, None, index)
    _add_key(session, body.key, body.principal_id, index)


def _apply_principal(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, PrincipalRegistered)
    roles_ = ",".join(sorted(set(body.roles)))
    _add_principal(session, body.principal_id, body.name, roles_, body.party, index)
    _add_key(session, body.key, body.principal_id, index)


def _revoke(
    session: Session, key_id: str, index: int, effective_from: datetime | None = None
) -> None:
    """Mark a key revoked, as :meth:`IdentityState.revoke_key` does in memory."""
    flush_inserts(session)
    key = session.get(PrincipalKey, key_id)
    if key is None:
        return
    if key.revoked and key.revoked_from is None:
        return
    if effective_from is not None:
        effective_from = effective_from.astimezone(UTC)
        if key.revoked and key.revoked_from is not None:
            effective_from = min(effective_from, _utc(key.revoked_from))
    session.execute(
        update(PrincipalKey)
        .where(PrincipalKey.key_id == key_id)
        .values(revoked=True, revoked_at=index, revoked_from=effective_from)
    )


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _apply_rotation(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, KeyRotated)
    _add_key(session, body.new_key, body.principal_id, index)
    if body.retire_key_id:
        _revoke(session, body.retire_key_id, index)


def _apply_revocation(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, KeyRevoked)
    _revoke(session, body.key_id, index, body.effective_from)


STATEMENT_TYPES = [
    StatementType(
        GENESIS_TYPE,
        OfficeEstablished,
        frozenset({roles.OFFICE}),
        _apply_office,
        description="the office registers itself and its checkpoint key (first entry only)",
    ),
    StatementType(
        "identity.principal_registered",
        PrincipalRegistered,
        frozenset({roles.OFFICE}),
        _apply_principal,
        description="the office registers a party, operator or inspector with its key",
    ),
    StatementType(
        "identity.key_rotated",
        KeyRotated,
        roles.ANYONE,
        _apply_rotation,
        description="a principal (or the office) adds a new key, optionally retiring one",
    ),
    StatementType(
        "identity.key_revoked",
        KeyRevoked,
        roles.ANYONE,
        _apply_revocation,
        description="a principal (or the office) revokes a key; nothing signed by it is accepted",
    ),
]

IDENTITY_TYPES = frozenset(kind.name for kind in STATEMENT_TYPES)


def principals_view(engine: Engine, state: IdentityState) -> list[dict[str, Any]]:
    """The registered principals with their roles, party and public keys (public data).

    Who holds which key and role is ``state``'s, the identity replayed from the signed
    log; the tables give only the log index each was registered at (for ordering), so
    an edited table cannot put a forged key in front of a party.
    """
    with Session(engine) as session:
        principal_at: dict[str, int] = {
            pid: int(at)
            for pid, at in session.execute(select(Principal.principal_id, Principal.registered_at))
        }
        key_at: dict[str, int] = {
            kid: int(at)
            for kid, at in session.execute(select(PrincipalKey.key_id, PrincipalKey.registered_at))
        }
    unknown = 1 << 62  # not in the table: listed last, in id order

    def utc(value: datetime) -> str:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    rows = []
    for record in state.principals.values():
        keys = [
            {
                "key_id": key_id,
                "public_key": base64.b64encode(key.public_key).decode(),
                "valid_from": utc(key.valid_from),
                "registered_at": key_at.get(key_id),
                "revoked": key.revoked,
            }
            for key_id, key in record.keys.items()
        ]
        keys.sort(key=lambda k: (k["registered_at"] or unknown, k["key_id"]))
        rows.append(
            {
                "principal_id": record.principal_id,
                "name": record.name,
                "roles": sorted(record.roles),
                "party": record.party,
                "registered_at": principal_at.get(record.principal_id),
                "keys": keys,
            }
        )
    rows.sort(key=lambda r: (r["registered_at"] or unknown, r["principal_id"]))
    return rows

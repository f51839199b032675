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
from concord.identity.state import GENESIS_TYPE
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


def principals_view(engine: Engine) -> list[dict[str, Any]]:
    """The registered principals with their roles, party and public keys (public data)."""
    with Session(engine) as session:
        keys: dict[str, list[dict[str, Any]]] = {}
        for key in session.scalars(select(PrincipalKey).order_by(PrincipalKey.registered_at)):
            valid_from = key.valid_from
            if valid_from.tzinfo is None:
                valid_from = valid_from.replace(tzinfo=UTC)
            keys.setdefault(key.principal_id, []).append(
                {
                    "key_id": key.key_id,
                    "public_key": base64.b64encode(bytes(key.public_key)).decode(),
                    "valid_from": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "registered_at": key.registered_at,
                    "revoked": key.revoked,
                }
            )
        return [
            {
                "principal_id": p.principal_id,
                "name": p.name,
                "roles": p.roles.split(","),
                "party": p.party,
                "registered_at": p.registered_at,
                "keys": keys.get(p.principal_id, []),
            }
            for p in session.scalars(select(Principal).order_by(Principal.registered_at))
        ]

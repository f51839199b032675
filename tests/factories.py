"""Factories for workspaces, principals and statements used across tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from concord.config import Settings
from concord.identity.dsse import Envelope, sign_envelope
from concord.identity.keys import SigningKey
from concord.identity.schemas import PrincipalRegistered
from concord.ledger.statements import make_payload
from concord.workspace import Workspace, init_workspace, key_spec, sign_statement

T0 = datetime(2187, 1, 15, 9, 0, tzinfo=UTC)


def make_settings(home: Path, database_url: str | None = None) -> Settings:
    return Settings(
        home=home,
        database_url=database_url or f"sqlite:///{home / 'concord.db'}",
        log_origin="test.concord/log",
    )


def make_workspace(home: Path, database_url: str | None = None) -> Workspace:
    return init_workspace(make_settings(home, database_url), established_at=T0)


def principal_body(
    principal_id: str, key: SigningKey, role: str = "signatory"
) -> PrincipalRegistered:
    return PrincipalRegistered.model_validate(
        {
            "principal_id": principal_id,
            "name": principal_id.replace("-", " ").title(),
            "roles": [role],
            "key": key_spec(key, T0).model_dump(),
        }
    )


def register(ws: Workspace, principal_id: str, role: str = "signatory") -> SigningKey:
    key = SigningKey.generate(principal_id)
    ws.submit_as(
        ws.office_key,
        "identity.principal_registered",
        principal_body(principal_id, key, role),
        issued_at=T0 + timedelta(minutes=1),
        statement_id=f"register-{principal_id}",
    )
    return key


def registration(ws: Workspace, n: int, *, prefix: str = "p") -> Envelope:
    """An office statement registering a fresh principal number ``n``."""
    key = SigningKey.generate(f"{prefix}-{n}")
    return sign_statement(
        ws.office_key,
        "identity.principal_registered",
        principal_body(f"{prefix}-{n}", key, "inspector"),
        issued_at=T0 + timedelta(hours=1),
        statement_id=f"reg-{prefix}-{n}",
    )


def tamper_log(ws: Workspace, statement: str, **params: object) -> None:
    """Run SQL against the workspace's database behind the ledger's back."""
    from sqlalchemy import text

    with ws.engine.begin() as conn:
        conn.execute(text(statement), params)


def stored_entry(ws: Workspace, index: int) -> bytes:
    """The stored bytes of entry ``index``."""
    from sqlalchemy import text

    with ws.engine.connect() as conn:
        value = conn.execute(text("SELECT entry FROM ledger_entry WHERE idx = :i"), {"i": index})
        return bytes(value.scalar_one())


def sample_log(ws: Workspace) -> Workspace:
    """Fill a fresh workspace with 31 entries in three batches (four checkpoints)."""
    for start in (0, 10, 30):
        ws.ledger.submit_many([registration(ws, start + i) for i in range(10)])
    return ws


def raw_envelope(key: SigningKey, payload: dict[str, Any]) -> Envelope:
    """Sign an arbitrary payload object (canonicalised) without schema checks."""
    from concord.identity.canonical import canonical_json

    return sign_envelope(canonical_json(payload), key)


#: The identity point as an Ed25519 public key: a signature that verifies for it can be
#: made without any private key, so registration refuses it.
SMALL_ORDER_KEY = (1).to_bytes(32, "little")


def small_order_registration(ws: Workspace, n: int) -> Envelope:
    """An office statement registering principal ``n`` with a key of small order."""
    import json

    from concord.identity.keys import b64, key_id

    payload = json.loads(registration(ws, n).payload)
    key = dict(
        payload["body"]["key"], public_key=b64(SMALL_ORDER_KEY), key_id=key_id(SMALL_ORDER_KEY)
    )
    return raw_envelope(ws.office_key, dict(payload, body=dict(payload["body"], key=key)))


__all__ = ["T0", "make_payload", "make_settings", "make_workspace", "register", "registration"]

"""Who may sign what: the identity state, replayed from the log in log order.

Key validity is decided by log order, so that any auditor replaying the log reaches
the same verdict: a key signs for its principal from the entry that registered it
until the entry that revoked it, and only statements issued on or after its
``valid_from``.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

from concord.errors import AuthorizationError, SignatureError
from concord.identity.dsse import pae
from concord.identity.keys import key_id as compute_key_id
from concord.identity.keys import verify_signature
from concord.identity.schemas import (
    KeyRevoked,
    KeyRotated,
    KeySpec,
    OfficeEstablished,
    PrincipalRegistered,
)
from concord.ledger.statements import Statement, StatementType

GENESIS_TYPE = "identity.office_established"


@dataclass(slots=True)
class KeyRecord:
    public_key: bytes
    valid_from: datetime
    revoked: bool = False


@dataclass(slots=True)
class PrincipalRecord:
    principal_id: str
    name: str
    roles: frozenset[str]
    party: str | None
    keys: dict[str, KeyRecord] = field(default_factory=dict)


@dataclass(slots=True)
class IdentityState:
    """Principals, roles and keys as of some log position."""

    principals: dict[str, PrincipalRecord] = field(default_factory=dict)
    key_owner: dict[str, str] = field(default_factory=dict)
    office_id: str | None = None
    log_verifier_key: str | None = None

    def add_key(self, principal_id: str, key_id: str, record: KeyRecord) -> None:
        self._set_key(self.principals[principal_id], key_id, record)
        self.key_owner[key_id] = principal_id

    def revoke_key(self, principal_id: str, key_id: str) -> None:
        principal = self.principals[principal_id]
        self._set_key(principal, key_id, replace(principal.keys[key_id], revoked=True))

    def _set_key(self, principal: PrincipalRecord, key_id: str, record: KeyRecord) -> None:
        """Replace the principal's record (records are shared with copies, never edited)."""
        self.principals[principal.principal_id] = PrincipalRecord(
            principal.principal_id,
            principal.name,
            principal.roles,
            principal.party,
            {**principal.keys, key_id: record},
        )

    def _check_new_key(self, statement: Statement, spec: KeySpec) -> None:
        _key_record(spec, statement.id)
        owner = self.key_owner.get(spec.key_id)
        if owner is not None:
            raise AuthorizationError(
                f"{statement.id}: key {spec.key_id} is already registered (to {owner})"
            )

    def copy(self) -> IdentityState:
        """A copy that can change without changing this one (records are replaced, not edited)."""
        return IdentityState(
            dict(self.principals), dict(self.key_owner), self.office_id, self.log_verifier_key
        )

    def authorize(
        self,
        statement: Statement,
        kind: StatementType,
        index: int,
        preverified: frozenset[tuple[bytes, bytes, bytes]] = frozenset(),
        *,
        defer: Callable[[bytes, bytes, bytes], None] | None = None,
    ) -> None:
        """Raise unless ``statement`` is validly signed by its author holding a needed role.

        With ``defer``, the Ed25519 check itself is handed to ``defer(public key,
        message, signature)`` instead of being made here (the caller checks it later).

        ``preverified`` holds (public key, signature, payload SHA-256) triples whose
        signature was already checked over this payload's PAE.
        """
        if index == 0 or statement.type == GENESIS_TYPE:
            self._authorize_genesis(statement, index)
            return
        principal = self.principals.get(statement.author)
        if principal is None:
            raise SignatureError(
                f"{statement.id}: author {statement.author!r} is not a registered principal"
            )
        self._check_signature(statement, principal, preverified, defer)
        if not principal.roles & kind.roles:
            raise AuthorizationError(
                f"{statement.id}: {statement.author} (roles: {', '.join(sorted(principal.roles))})"
                f" may not submit {kind.name}",
                details=[f"{kind.name} needs one of: {', '.join(sorted(kind.roles))}"],
            )

    def _authorize_genesis(self, statement: Statement, index: int) -> None:
        if index != 0 or statement.type != GENESIS_TYPE:
            raise AuthorizationError(
                f"{statement.id}: {GENESIS_TYPE} must be the first entry of the log and only it"
            )
        body = statement.body
        assert isinstance(body, OfficeEstablished)
        if statement.author != body.principal_id:
            raise AuthorizationError(f"{statement.id}: the office must register itself")
        key = _key_record(body.key, statement.id)
        record = PrincipalRecord(body.principal_id, body.name, frozenset({"office"}), None)
        record.keys[body.key.key_id] = key
        self._check_signature(statement, record)

    def signing_candidates(self, statement: Statement) -> list[tuple[bytes, bytes, bytes]]:
        """(public key, PAE message, signature) for each signature by a key the author holds."""
        principal = self.principals.get(statement.author)
        if principal is None:
            return []
        message = pae(statement.envelope.payload_type, statement.payload)
        return [
            (principal.keys[sig.keyid].public_key, message, sig.sig)
            for sig in statement.envelope.signatures
            if sig.keyid in principal.keys
        ]

    def _check_signature(
        self,
        statement: Statement,
        principal: PrincipalRecord,
        preverified: frozenset[tuple[bytes, bytes, bytes]] = frozenset(),
        defer: Callable[[bytes, bytes, bytes], None] | None = None,
    ) -> None:
        for sig in statement.envelope.signatures:
            key = principal.keys.get(sig.keyid)
            if key is None:
                continue
            if key.revoked:
                raise SignatureError(f"{statement.id}: key {sig.keyid} has been revoked")
            if statement.issued_at < key.valid_from:
                raise SignatureError(
                    f"{statement.id}: key {sig.keyid} is not valid before "
                    f"{key.valid_from.isoformat()} (statement issued {statement.issued_at})"
                )
            done = bool(preverified) and (
                (key.public_key, sig.sig, statement.payload_sha256) in preverified
            )
            if done:
                return
            message = pae(statement.envelope.payload_type, statement.payload)
            if defer is not None:
                defer(key.public_key, message, sig.sig)
            elif not verify_signature(key.public_key, message, sig.sig):
                raise SignatureError(f"{statement.id}: signature by {sig.keyid} does not verify")
            return
        keyids = ", ".join(s.keyid for s in statement.envelope.signatures)
        raise SignatureError(
            f"{statement.id}: not signed by a key of {principal.principal_id} (signed by {keyids})"
        )

    def apply(self, statement: Statement) -> None:
        """Update the state with an accepted identity statement."""
        body = statement.body
        if isinstance(body, OfficeEstablished):
            record = PrincipalRecord(body.principal_id, body.name, frozenset({"office"}), None)
            self.principals[body.principal_id] = record
            self.add_key(body.principal_id, body.key.key_id, _key_record(body.key, statement.id))
            self.office_id = body.principal_id
            self.log_verifier_key = body.log_verifier_key
        elif isinstance(body, PrincipalRegistered):
            key = _key_record(body.key, statement.id)
            self.principals[body.principal_id] = PrincipalRecord(
                body.principal_id,
                body.name,
                frozenset(body.roles),
                body.party,
                {body.key.key_id: key},
            )
            self.key_owner[body.key.key_id] = body.principal_id
        elif isinstance(body, KeyRotated):
            self.add_key(
                body.principal_id, body.new_key.key_id, _key_record(body.new_key, statement.id)
            )
            if body.retire_key_id:
                self.revoke_key(body.principal_id, body.retire_key_id)
        elif isinstance(body, KeyRevoked):
            self.revoke_key(body.principal_id, body.key_id)

    def check(self, statement: Statement) -> None:
        """Domain rules of identity statements, against the current state."""
        body = statement.body
        author = self.principals.get(statement.author)
        if isinstance(body, PrincipalRegistered):
            if body.principal_id in self.principals:
                raise AuthorizationError(
                    f"{statement.id}: principal {body.principal_id!r} is already registered"
                )
            self._check_new_key(statement, body.key)
        elif isinstance(body, KeyRotated | KeyRevoked):
            target = self.principals.get(body.principal_id)
            if target is None:
                raise AuthorizationError(
                    f"{statement.id}: principal {body.principal_id!r} is not registered"
                )
            if author is None or (
                statement.author != body.principal_id and "office" not in author.roles
            ):
                raise AuthorizationError(
                    f"{statement.id}: only {body.principal_id} or the office may change its keys"
                )
            if isinstance(body, KeyRotated):
                self._check_new_key(statement, body.new_key)
                retire = body.retire_key_id
                if retire is not None and retire not in target.keys:
                    raise AuthorizationError(f"{statement.id}: no key {retire} to retire")
            elif body.key_id not in target.keys:
                raise AuthorizationError(
                    f"{statement.id}: {body.principal_id} has no key {body.key_id}"
                )


def _key_record(spec: KeySpec, statement_id: str) -> KeyRecord:
    public = _public_key(spec.public_key, spec.key_id)
    if isinstance(public, str):
        raise SignatureError(f"{statement_id}: {public}")
    return KeyRecord(public, spec.valid_from)


@lru_cache(maxsize=256)
def _public_key(encoded: str, key_id: str) -> bytes | str:
    """The 32-byte public key, or why it is not one (checked once per key and statement)."""
    try:
        public = binascii.a2b_base64(encoded, strict_mode=True)
    except ValueError:
        return "key.public_key is not base64"
    if len(public) != 32:
        return "key.public_key is not a 32-byte Ed25519 key"
    if compute_key_id(public) != key_id:
        return "key.key_id does not match key.public_key"
    return public

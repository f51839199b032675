"""Who may sign what: the identity state, replayed from the log in log order.

Key validity is decided by log order, so that any auditor replaying the log reaches
the same verdict: a key signs for its principal from the entry that registered it
until the entry that revoked it, and only statements issued on or after its
``valid_from``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import BaseModel
from sqlalchemy.orm import Session

from concord.errors import AuthorizationError, SignatureError
from concord.identity.dsse import pae
from concord.identity.keys import key_id as compute_key_id
from concord.identity.keys import public_key_problem, verify_signature
from concord.identity.schemas import (
    KeyRevoked,
    KeyRotated,
    KeySpec,
    OfficeEstablished,
    PrincipalRegistered,
)
from concord.ledger.statements import Statement, StatementType

GENESIS_TYPE = "identity.office_established"


class NewKey(NamedTuple):
    """A key an identity statement brings, decoded once; ``problem`` says why it is not
    a usable key (raised only when the statement is checked, in log order)."""

    key_id: str
    public_key: bytes
    valid_from: datetime
    problem: str | None = None


class IdentityChange(NamedTuple):
    """What an identity statement changes, in plain values: worked out from the body
    without any state (in a verification worker, say), then checked and applied in
    log order."""

    kind: str  # "office", "principal", "rotate" or "revoke"
    principal_id: str
    name: str = ""
    roles: tuple[str, ...] = ()
    party: str | None = None
    key: NewKey | None = None
    #: The key retired (rotate) or revoked (revoke).
    key_id: str | None = None
    log_verifier_key: str | None = None
    #: A revocation's valid time: statements issued from then on are refused.
    effective_from: datetime | None = None

    def plain(self) -> PlainChange:
        """The change as nested plain tuples, which pickle about ten times faster (for
        handing it from a worker process to the main one)."""
        key = self.key
        return (
            self.kind,
            self.principal_id,
            self.name,
            self.roles,
            self.party,
            None if key is None else (key.key_id, key.public_key, key.valid_from, key.problem),
            self.key_id,
            self.log_verifier_key,
            self.effective_from,
        )

    @classmethod
    def from_plain(cls, plain: PlainChange) -> IdentityChange:
        kind, principal_id, name, roles, party, key, key_id, log_verifier_key, effective = plain
        new = None if key is None else NewKey(*key)
        return cls(kind, principal_id, name, roles, party, new, key_id, log_verifier_key, effective)


#: :class:`IdentityChange` as :meth:`IdentityChange.plain` gives it.
PlainChange = tuple[
    str,
    str,
    str,
    tuple[str, ...],
    str | None,
    tuple[str, bytes, datetime, str | None] | None,
    str | None,
    str | None,
    datetime | None,
]


def new_key(spec: KeySpec) -> NewKey:
    valid_from = spec.valid_from.astimezone(UTC)  # a plain UTC time, whatever the offset
    public = _public_key(spec.public_key, spec.key_id)
    if isinstance(public, str):
        return NewKey(spec.key_id, b"", valid_from, public)
    return NewKey(spec.key_id, public, valid_from)


def identity_change(body: BaseModel) -> IdentityChange | None:
    """The change an identity statement's body makes; None for any other body."""
    if isinstance(body, PrincipalRegistered):
        return IdentityChange(
            "principal",
            body.principal_id,
            body.name,
            tuple(body.roles),
            body.party,
            new_key(body.key),
        )
    if isinstance(body, KeyRotated):
        return IdentityChange(
            "rotate", body.principal_id, key=new_key(body.new_key), key_id=body.retire_key_id
        )
    if isinstance(body, KeyRevoked):
        effective = body.effective_from
        return IdentityChange(
            "revoke",
            body.principal_id,
            key_id=body.key_id,
            effective_from=None if effective is None else effective.astimezone(UTC),
        )
    if isinstance(body, OfficeEstablished):
        return IdentityChange(
            "office",
            body.principal_id,
            body.name,
            ("office",),
            key=new_key(body.key),
            log_verifier_key=body.log_verifier_key,
        )
    return None


@dataclass(slots=True)
class KeyRecord:
    public_key: bytes
    valid_from: datetime
    revoked: bool = False
    #: With ``revoked``: statements issued from this time on are refused (None: all).
    revoked_from: datetime | None = None


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

    def revoke_key(
        self, principal_id: str, key_id: str, effective_from: datetime | None = None
    ) -> None:
        principal = self.principals[principal_id]
        record = principal.keys[key_id]
        if record.revoked and record.revoked_from is None:
            return  # already revoked for everything; a later date cannot narrow it
        if record.revoked and effective_from is not None and record.revoked_from is not None:
            effective_from = min(effective_from, record.revoked_from)
        self._set_key(principal, key_id, replace(record, revoked=True, revoked_from=effective_from))

    def _set_key(self, principal: PrincipalRecord, key_id: str, record: KeyRecord) -> None:
        """Replace the principal's record (records are shared with copies, never edited)."""
        self.principals[principal.principal_id] = PrincipalRecord(
            principal.principal_id,
            principal.name,
            principal.roles,
            principal.party,
            {**principal.keys, key_id: record},
        )

    def _check_new_key(self, statement_id: str, key: NewKey | None) -> None:
        assert key is not None
        _check_key(key, statement_id)
        owner = self.key_owner.get(key.key_id)
        if owner is not None:
            raise AuthorizationError(
                f"{statement_id}: key {key.key_id} is already registered (to {owner})"
            )

    def copy(self) -> IdentityState:
        """A copy that can change without changing this one (records are replaced, not edited)."""
        return IdentityState(
            dict(self.principals), dict(self.key_owner), self.office_id, self.log_verifier_key
        )

    def to_plain(self) -> dict[str, Any]:
        """The state as JSON-ready values, in a fixed order (for a signed snapshot)."""
        return {
            "office_id": self.office_id,
            "log_verifier_key": self.log_verifier_key,
            "principals": [
                [
                    p.principal_id,
                    p.name,
                    sorted(p.roles),
                    p.party,
                    [
                        [
                            key_id,
                            base64.b64encode(k.public_key).decode(),
                            k.valid_from.isoformat(),
                            k.revoked,
                            None if k.revoked_from is None else k.revoked_from.isoformat(),
                        ]
                        for key_id, k in p.keys.items()
                    ],
                ]
                for p in self.principals.values()
            ],
        }

    @classmethod
    def from_plain(cls, plain: dict[str, Any]) -> IdentityState:
        """The state :meth:`to_plain` gave."""
        state = cls(office_id=plain["office_id"], log_verifier_key=plain["log_verifier_key"])
        for principal_id, name, roles, party, keys in plain["principals"]:
            record = PrincipalRecord(principal_id, name, _role_set(tuple(roles)), party)
            for key_id, public, valid_from, revoked, revoked_from in keys:
                record.keys[key_id] = KeyRecord(
                    base64.b64decode(public),
                    datetime.fromisoformat(valid_from),
                    revoked,
                    None if revoked_from is None else datetime.fromisoformat(revoked_from),
                )
                state.key_owner[key_id] = principal_id
            state.principals[principal_id] = record
        return state

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
            raise _unregistered(statement.id, statement.author)
        self._check_signature(statement, principal, preverified, defer)
        _check_role(statement.id, principal, kind)

    def authorize_verified(
        self,
        statement_id: str,
        kind: StatementType,
        author: str,
        issued_at: datetime,
        verified: Sequence[tuple[str, bytes]],
    ) -> bool:
        """:meth:`authorize` for a statement (not the genesis) whose every signature, in
        order, was verified as ``(key id, public key)``.

        False when that does not settle it (the author's key has another public key):
        the caller then authorizes the whole statement.
        """
        if kind.name == GENESIS_TYPE:
            return False
        principal = self.principals.get(author)
        if principal is None:
            raise _unregistered(statement_id, author)
        for keyid, public in verified:
            key = principal.keys.get(keyid)
            if key is None:
                continue
            _check_usable(statement_id, keyid, key, issued_at)
            if key.public_key != public:
                return False
            _check_role(statement_id, principal, kind)
            return True
        raise _not_signed(statement_id, principal, [keyid for keyid, _ in verified])

    def key_holder(self, key_id: str, at: datetime) -> tuple[PrincipalRecord, KeyRecord]:
        """The principal holding ``key_id`` and the key, if the key may sign at ``at``
        (the rules of statement signing: not revoked by then, valid from before).

        Raises SignatureError for a key the log never registered, or one not usable then.
        """
        owner = self.key_owner.get(key_id)
        principal = None if owner is None else self.principals.get(owner)
        key = None if principal is None else principal.keys.get(key_id)
        if principal is None or key is None:
            raise SignatureError(f"key {key_id} is not registered")
        _check_usable("the request", key_id, key, at)
        return principal, key

    def _authorize_genesis(self, statement: Statement, index: int) -> None:
        if index != 0 or statement.type != GENESIS_TYPE:
            raise AuthorizationError(
                f"{statement.id}: {GENESIS_TYPE} must be the first entry of the log and only it"
            )
        body = statement.body
        assert isinstance(body, OfficeEstablished)
        if statement.author != body.principal_id:
            raise AuthorizationError(f"{statement.id}: the office must register itself")
        key = _key_record(new_key(body.key), statement.id)
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
            _check_usable(statement.id, sig.keyid, key, statement.issued_at)
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
        raise _not_signed(statement.id, principal, [s.keyid for s in statement.envelope.signatures])

    def apply(self, statement: Statement) -> None:
        """Update the state with an accepted identity statement."""
        change = identity_change(statement.body)
        if change is not None:
            self.apply_change(statement.id, change)

    def apply_change(self, statement_id: str, change: IdentityChange) -> None:
        """Update the state with an accepted identity statement's change."""
        kind, principal_id = change.kind, change.principal_id
        if kind in ("principal", "office"):
            assert change.key is not None
            key = _key_record(change.key, statement_id)
            self.principals[principal_id] = PrincipalRecord(
                principal_id,
                change.name,
                _role_set(change.roles),
                change.party,
                {change.key.key_id: key},
            )
            self.key_owner[change.key.key_id] = principal_id
            if kind == "office":
                self.office_id = principal_id
                self.log_verifier_key = change.log_verifier_key
        elif kind == "rotate":
            assert change.key is not None
            self.add_key(principal_id, change.key.key_id, _key_record(change.key, statement_id))
            if change.key_id:
                self.revoke_key(principal_id, change.key_id)
        elif kind == "revoke":
            assert change.key_id is not None
            self.revoke_key(principal_id, change.key_id, change.effective_from)

    def check(self, statement: Statement) -> None:
        """Domain rules of identity statements, against the current state."""
        change = identity_change(statement.body)
        if change is not None:
            self.check_change(statement.id, statement.author, change)

    def check_change(self, statement_id: str, author_id: str, change: IdentityChange) -> None:
        """Domain rules of an identity statement's change, against the current state."""
        principal_id = change.principal_id
        if change.kind == "principal":
            if principal_id in self.principals:
                raise AuthorizationError(
                    f"{statement_id}: principal {principal_id!r} is already registered"
                )
            self._check_new_key(statement_id, change.key)
        elif change.kind in ("rotate", "revoke"):
            target = self.principals.get(principal_id)
            if target is None:
                raise AuthorizationError(
                    f"{statement_id}: principal {principal_id!r} is not registered"
                )
            author = self.principals.get(author_id)
            if author is None or (author_id != principal_id and "office" not in author.roles):
                raise AuthorizationError(
                    f"{statement_id}: only {principal_id} or the office may change its keys"
                )
            if change.kind == "rotate":
                self._check_new_key(statement_id, change.key)
                retire = change.key_id
                if retire is not None and retire not in target.keys:
                    raise AuthorizationError(f"{statement_id}: no key {retire} to retire")
            elif change.key_id not in target.keys:
                raise AuthorizationError(
                    f"{statement_id}: {principal_id} has no key {change.key_id}"
                )


def _unregistered(statement_id: str, author: str) -> SignatureError:
    return SignatureError(f"{statement_id}: author {author!r} is not a registered principal")


def _not_signed(
    statement_id: str, principal: PrincipalRecord, keyids: Sequence[str]
) -> SignatureError:
    return SignatureError(
        f"{statement_id}: not signed by a key of {principal.principal_id} "
        f"(signed by {', '.join(keyids)})"
    )


def _check_usable(statement_id: str, keyid: str, key: KeyRecord, issued_at: datetime) -> None:
    """Raise unless ``key`` may sign a statement issued at ``issued_at``."""
    if key.revoked and (key.revoked_from is None or issued_at >= key.revoked_from):
        since = "" if key.revoked_from is None else f" from {key.revoked_from.isoformat()}"
        raise SignatureError(f"{statement_id}: key {keyid} has been revoked{since}")
    if issued_at < key.valid_from:
        raise SignatureError(
            f"{statement_id}: key {keyid} is not valid before "
            f"{key.valid_from.isoformat()} (statement issued {issued_at})"
        )


def _check_role(statement_id: str, principal: PrincipalRecord, kind: StatementType) -> None:
    if principal.roles.isdisjoint(kind.roles):
        raise AuthorizationError(
            f"{statement_id}: {principal.principal_id} "
            f"(roles: {', '.join(sorted(principal.roles))}) may not submit {kind.name}",
            details=[f"{kind.name} needs one of: {', '.join(sorted(kind.roles))}"],
        )


def _check_key(key: NewKey, statement_id: str) -> None:
    """Raise unless ``key`` is a usable key (see :func:`new_key`)."""
    if key.problem is not None:
        raise SignatureError(f"{statement_id}: {key.problem}")


def _key_record(key: NewKey, statement_id: str) -> KeyRecord:
    _check_key(key, statement_id)
    return KeyRecord(key.public_key, key.valid_from)


#: One frozenset per list of roles, shared by the principals that have it (a few lists
#: in practice; the first 64 are kept).
_ROLE_SETS: dict[tuple[str, ...], frozenset[str]] = {}


def _role_set(roles: tuple[str, ...]) -> frozenset[str]:
    found = _ROLE_SETS.get(roles)
    if found is None:
        found = frozenset(roles)
        if len(_ROLE_SETS) < 64:
            _ROLE_SETS[roles] = found
    return found


@lru_cache(maxsize=256)
def _public_key(encoded: str, key_id: str) -> bytes | str:
    """The 32-byte public key, or why it is not one (checked once per key and statement)."""
    try:
        public = binascii.a2b_base64(encoded, strict_mode=True)
    except ValueError:
        return "key.public_key is not base64"
    problem = public_key_problem(public)
    if problem is not None:
        return f"key.public_key is {problem}"
    if compute_key_id(public) != key_id:
        return "key.key_id does not match key.public_key"
    return public


#: Where the sequencer puts its identity state for the checks it runs (session.info).
_SESSION_KEY = "concord.identity"


def attach_identity(session: Session, state: IdentityState) -> None:
    """Let the statement checks run in ``session`` see ``state`` (the sequencer's,
    derived from the signed log) as who is who."""
    session.info[_SESSION_KEY] = state


def acting_principal(session: Session, principal_id: str) -> tuple[str | None, frozenset[str]]:
    """The party ``principal_id`` acts for and its roles, as the signed log says.

    Raises AuthorizationError for a principal the log never registered. Outside the
    sequencer (no state attached to the session) the identity tables are read instead.
    """
    state = session.info.get(_SESSION_KEY)
    if isinstance(state, IdentityState):
        record = state.principals.get(principal_id)
        if record is None:
            raise AuthorizationError(f"principal {principal_id!r} is not registered")
        return record.party, record.roles
    from concord.identity.models import Principal

    found = session.get(Principal, principal_id)
    if found is None:
        raise AuthorizationError(f"principal {principal_id!r} is not registered")
    return found.party, frozenset(found.roles.split(","))

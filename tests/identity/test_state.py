"""What identity statements change, as handed between processes."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone

from concord.identity.keys import SigningKey, b64
from concord.identity.schemas import KeyRevoked, KeyRotated, KeySpec, PrincipalRegistered
from concord.identity.state import IdentityChange, identity_change

KEY = SigningKey.generate("p")
SPEC = KeySpec(
    key_id=KEY.key_id,
    public_key=b64(KEY.public_key),
    valid_from=datetime(2187, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))),
)


def _plain_values(value: object) -> bool:
    if isinstance(value, tuple):
        return type(value) is tuple and all(_plain_values(v) for v in value)
    if isinstance(value, datetime):
        return value.tzinfo is UTC
    return value is None or type(value) in (str, bytes)


def test_changes_survive_the_plain_form_and_it_holds_only_plain_values() -> None:
    bodies = [
        PrincipalRegistered(principal_id="p", name="P", roles=["inspector"], key=SPEC),
        KeyRotated(principal_id="p", new_key=SPEC, retire_key_id="ed25519:0000000000000000"),
        KeyRevoked(principal_id="p", key_id=KEY.key_id, reason="lost"),
    ]
    for body in bodies:
        change = identity_change(body)
        assert change is not None
        plain = change.plain()
        assert _plain_values(plain), plain
        assert IdentityChange.from_plain(pickle.loads(pickle.dumps(plain))) == change


def test_a_key_valid_from_a_local_time_is_held_in_utc() -> None:
    change = identity_change(
        PrincipalRegistered(principal_id="p", name="P", roles=["inspector"], key=SPEC)
    )
    assert change is not None
    assert change.key is not None
    assert change.key.valid_from == datetime(2187, 1, 1, 10, tzinfo=UTC)
    assert change.key.valid_from.tzinfo is UTC

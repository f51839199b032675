"""Statement bodies of the identity domain."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from concord.inputs import PROSE, Identifier, Name

Role = Literal["office", "signatory", "third_party", "inspector", "arbiter"]
PrincipalId = Identifier
KeyId = Annotated[str, Field(pattern=r"^ed25519:[0-9a-f]{16}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class KeySpec(_Body):
    key_id: KeyId
    public_key: str = Field(
        max_length=64,
        pattern=r"^[A-Za-z0-9+/]*={0,2}$",
        description="base64 of the 32-byte Ed25519 public key",
    )
    valid_from: AwareDatetime


class OfficeEstablished(_Body):
    """The genesis statement: the office registers itself and its checkpoint key."""

    principal_id: PrincipalId
    name: Name
    key: KeySpec
    log_origin: str
    log_verifier_key: str


class PrincipalRegistered(_Body):
    principal_id: PrincipalId
    name: Name
    roles: list[Role] = Field(min_length=1, max_length=5)
    party: Identifier | None = Field(
        default=None, description="the treaty party this principal acts for, if any"
    )
    key: KeySpec


class KeyRotated(_Body):
    principal_id: PrincipalId
    new_key: KeySpec
    retire_key_id: KeyId | None = Field(
        default=None, description="the key this one replaces; revoked from this entry on"
    )


class KeyRevoked(_Body):
    principal_id: PrincipalId
    key_id: KeyId
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500), PROSE]
    effective_from: AwareDatetime | None = Field(
        default=None,
        description="statements issued from this time on are refused; "
        "without it, every statement the key signs is refused from this entry on",
    )

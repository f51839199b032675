"""Statement bodies of the identity domain."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Role = Literal["office", "signatory", "third_party", "inspector"]
PrincipalId = str


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeySpec(_Body):
    key_id: str = Field(pattern=r"^ed25519:[0-9a-f]{16}$")
    public_key: str = Field(description="base64 of the 32-byte Ed25519 public key")
    valid_from: AwareDatetime


class OfficeEstablished(_Body):
    """The genesis statement: the office registers itself and its checkpoint key."""

    principal_id: PrincipalId = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    key: KeySpec
    log_origin: str
    log_verifier_key: str


class PrincipalRegistered(_Body):
    principal_id: PrincipalId = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)
    party: str | None = Field(
        default=None, description="the treaty party this principal acts for, if any"
    )
    key: KeySpec


class KeyRotated(_Body):
    principal_id: PrincipalId
    new_key: KeySpec
    retire_key_id: str | None = Field(
        default=None, description="the key this one replaces; revoked from this entry on"
    )


class KeyRevoked(_Body):
    principal_id: PrincipalId
    key_id: str
    reason: str = Field(min_length=1, max_length=500)
    effective_from: AwareDatetime | None = Field(
        default=None,
        description="statements issued from this time on are refused; "
        "without it, every statement the key signs is refused from this entry on",
    )

"""The cast of the Station Unity scenario: the parties' principals, the office, inspectors.

Keys are derived from the scenario seed rather than drawn at random, so that the same
seed signs byte-identical statements (Ed25519 signatures are deterministic, RFC 8032
§5.1.6): ``seed32 = SHA-256("concord-scenario/1" ‖ seed ‖ principal id)``. These keys
are for example data only — anyone who knows the seed can sign as the cast.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from concord.identity import roles
from concord.identity.keys import SigningKey

#: The party id the office acts under in the treaty (``parties`` of station_unity.yaml).
OFFICE_PARTY = "SU-PMO"


@dataclass(frozen=True, slots=True)
class CastMember:
    """One principal of the scenario: who signs, in what role, for which treaty party."""

    principal_id: str
    name: str
    role: str
    party: str | None
    key: SigningKey


@dataclass(frozen=True, slots=True)
class _Role:
    principal_id: str
    name: str
    role: str
    party: str | None


# The parties of the treaty (same principal ids as the demo), then the office's inspectors.
_PARTIES = (
    _Role("pacific-alliance", "Pacific Alliance", roles.SIGNATORY, "PA"),
    _Role("european-federation", "European Federation", roles.SIGNATORY, "EF"),
    _Role("mars-independents", "Mars Independents", roles.SIGNATORY, "MI"),
    _Role("helios-mining", "Helios Mining Consortium", roles.THIRD_PARTY, "HMC"),
    _Role("mars-collective", "Mars Collective", roles.THIRD_PARTY, "MC"),
    _Role("titan-resources", "Titan Resources", roles.THIRD_PARTY, "TR"),
    _Role("belt-mining", "Belt Mining Federation", roles.THIRD_PARTY, "BMF"),
)
_INSPECTORS = (
    _Role("inspector-okafor", "Inspector A. Okafor", roles.INSPECTOR, None),
    _Role("inspector-lindqvist", "Inspector M. Lindqvist", roles.INSPECTOR, None),
)


def derive_key(seed: int, principal_id: str) -> SigningKey:
    """The scenario key of ``principal_id`` for ``seed`` (deterministic)."""
    material = f"concord-scenario/1\x00{seed}\x00{principal_id}".encode()
    return SigningKey(principal_id, hashlib.sha256(material).digest())


@dataclass(frozen=True, slots=True)
class Cast:
    """Everyone who signs a statement in the scenario."""

    office: CastMember
    parties: tuple[CastMember, ...]
    inspectors: tuple[CastMember, ...]

    @property
    def registered(self) -> tuple[CastMember, ...]:
        """The principals the office registers (itself excluded: it is the genesis)."""
        return (*self.parties, *self.inspectors)

    @property
    def everyone(self) -> tuple[CastMember, ...]:
        return (self.office, *self.registered)

    def party(self, party_id: str) -> CastMember:
        """The principal acting for treaty party ``party_id``."""
        for member in self.parties:
            if member.party == party_id:
                return member
        raise KeyError(party_id)

    @property
    def party_ids(self) -> tuple[str, ...]:
        return tuple(m.party for m in self.parties if m.party is not None)

    def kind_of(self, party_id: str) -> str:
        """``signatory`` or ``third_party``."""
        return self.party(party_id).role


def build_cast(office_key: SigningKey, seed: int) -> Cast:
    """The cast for ``seed``; the office signs with the workspace's own key."""

    def member(role: _Role) -> CastMember:
        key = derive_key(seed, role.principal_id)
        return CastMember(role.principal_id, role.name, role.role, role.party, key)

    office = CastMember(
        office_key.principal,
        "Station Unity Peace Monitoring Office",
        roles.OFFICE,
        OFFICE_PARTY,
        office_key,
    )
    return Cast(
        office=office,
        parties=tuple(member(r) for r in _PARTIES),
        inspectors=tuple(member(r) for r in _INSPECTORS),
    )

"""Checks a claim statement must pass before it is appended.

Each raises a :class:`~concord.errors.ClaimError` (or an ``AuthorizationError`` for a
principal acting for the wrong party) with a message the filer can act on; nothing is
appended when one fails.
"""

from __future__ import annotations

from datetime import datetime

from shapely.geometry import Polygon
from sqlalchemy.orm import Session

from concord.claims.geometry import ClaimShape, fit_to_sector
from concord.claims.rules import sector_in_force
from concord.errors import AuthorizationError, ClaimError
from concord.identity.state import acting_principal
from concord.ledger.statements import Statement
from concord.treaty.models import Party
from concord.treaty.registry import treaty_in_force
from concord.treaty.versions import TreatyVersion


def treaty_on_entry(session: Session, statement: Statement) -> TreatyVersion:
    """The treaty as it reads on the day the statement is entered in the registry."""
    version = treaty_in_force(session, statement.issued_at.date())
    if not version.in_force:
        raise ClaimError(
            f"{statement.id}: treaty {version.treaty.id} is not in force on "
            f"{version.as_of}; the Claims Registry takes entries from "
            f"{version.treaty.dates.entry_into_force} (Art. 8)"
        )
    return version


def acting_for(session: Session, statement: Statement, holder: str) -> None:
    """The author must be a principal acting for ``holder`` (a treaty party id)."""
    try:
        party, _ = acting_principal(session, statement.author)
    except AuthorizationError:
        party = None
    if party != holder:
        acts = f"acts for {party}" if party else "acts for no treaty party"
        raise AuthorizationError(
            f"{statement.id}: {statement.author} {acts}, not for the holder {holder}",
            details=["a holder's filings are signed by a principal registered for that party"],
        )


def bound_party(version: TreatyVersion, party_id: str, *, what: str = "holder") -> Party:
    """``party_id`` must be a Signatory or third party bound by the treaty on the day."""
    day = version.as_of
    for party in version.treaty.parties:
        if party.id != party_id:
            continue
        if party.kind == "office":
            raise ClaimError(f"{what} {party_id} is the Office, which holds no claims (Art. 2)")
        start = party.bound_from or version.treaty.dates.entry_into_force
        if day < start or (party.bound_to is not None and day > party.bound_to):
            raise ClaimError(f"{what} {party_id} is not bound by the treaty on {day}")
        return party
    known = ", ".join(p.id for p in version.treaty.parties if p.kind != "office")
    raise ClaimError(
        f"{what} {party_id!r} is not a party to treaty {version.treaty.id}",
        details=[f"holders are treaty party ids: {known}"],
    )


def claim_ground(
    version: TreatyVersion, sector_id: str, holder: str, shape: ClaimShape
) -> ClaimShape:
    """The claim's ground within its sector, under the sector's boundary policy (Art. 7)."""
    sector = sector_in_force(version, sector_id)
    if sector.allocated_to and holder not in sector.allocated_to:
        # Art. 15 and 36: a zone allocated to some parties is not open to others' claims.
        raise ClaimError(
            f"sector {sector_id} is allocated to {', '.join(sector.allocated_to)}; "
            f"{holder} may not claim in it",
            details=[f"cites: {', '.join(sector.cites)}"] if sector.cites else [],
        )
    boundary = Polygon(sector.boundary)
    return fit_to_sector(shape, boundary, policy=sector.claim_boundary)


def not_after_entry(statement: Statement, when: datetime, field: str) -> None:
    """A dated act cannot postdate the statement that records it."""
    if when > statement.issued_at:
        raise ClaimError(
            f"{statement.id}: {field} {when.isoformat()} is after the statement was issued "
            f"({statement.issued_at.isoformat()})"
        )


def cited_provisions(version: TreatyVersion, cites: list[str]) -> None:
    """An office decision must cite provisions of the treaty in force."""
    unknown = [c for c in cites if version.provision(c) is None]
    if unknown:
        raise ClaimError(
            f"cites {', '.join(unknown)}, not provisions of treaty {version.treaty.id} "
            f"in force on {version.as_of}"
        )

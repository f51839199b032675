"""Checks of evidence statements against the treaty in force and the record.

A declaration is accepted only for a reporting period of the treaty, from a party bound
by the treaty during that period, signed by a principal who acts for that party (or by
the office), over sites the office has registered.
"""

from __future__ import annotations

import math
from datetime import date

from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.errors import AuthorizationError, EvidenceError, TreatyError
from concord.evidence.models import EvidenceSite
from concord.identity import roles
from concord.identity.state import acting_principal
from concord.treaty.calendar import Period, parse_period
from concord.treaty.geometry_checks import sector_polygon
from concord.treaty.models import Party, Sector
from concord.treaty.registry import treaty_in_force
from concord.treaty.versions import TreatyVersion


def is_bound(party: Party, version: TreatyVersion, start: date, end: date) -> bool:
    """Whether ``party`` is bound by the treaty at some time between ``start`` and ``end``."""
    bound_from = party.bound_from or party.ratified or version.treaty.dates.entry_into_force
    return bound_from <= end and (party.bound_to is None or party.bound_to >= start)


def bound_party(version: TreatyVersion, party_id: str, start: date, end: date) -> Party:
    """The treaty party ``party_id``, which must be bound between ``start`` and ``end``."""
    party = next((p for p in version.treaty.parties if p.id == party_id), None)
    if party is None:
        known = ", ".join(p.id for p in version.treaty.parties)
        raise EvidenceError(
            f"party {party_id!r} is not a party to treaty {version.treaty.id}",
            details=[f"parties: {known}"],
        )
    if not is_bound(party, version, start, end):
        raise EvidenceError(f"party {party_id} is not bound by the treaty from {start} to {end}")
    return party


def treaty_period(session: Session, period_id: str) -> tuple[TreatyVersion, Period]:
    """The treaty in force at the end of ``period_id``, and the period (of its calendar)."""
    try:
        kind_guess = parse_period(period_id)
    except TreatyError as exc:
        raise EvidenceError(f"period {period_id!r}: {exc.message}") from None
    version = treaty_in_force(session, kind_guess.end)
    calendar = version.treaty.calendar
    if kind_guess.kind != calendar.period:
        raise EvidenceError(
            f"period {period_id!r} is not a {calendar.period} period of the treaty's calendar"
        )
    first = parse_period(calendar.first_period, calendar.period)
    if kind_guess.start < first.start:
        raise EvidenceError(
            f"period {period_id} is before the treaty's first reporting period "
            f"({calendar.first_period})"
        )
    return version, kind_guess


def check_acts_for(session: Session, author: str, party_id: str) -> None:
    """The author must act for ``party_id`` (its registration's ``party``, as the signed
    log has it), unless it is the office."""
    party, held = acting_principal(session, author)
    if roles.OFFICE in held:
        return
    if party != party_id:
        acting = f"acts for {party}" if party else "acts for no party"
        raise AuthorizationError(f"{author} {acting} and may not file for party {party_id}")


def registered_sites(session: Session) -> dict[str, EvidenceSite]:
    return {site.site_id: site for site in session.scalars(select(EvidenceSite))}


def check_site(session: Session, site_id: str) -> EvidenceSite:
    site = session.get(EvidenceSite, site_id)
    if site is None:
        raise EvidenceError(f"site {site_id!r} is not registered")
    return site


def check_site_in_sector(site_id: str, location: tuple[float, float], sector: Sector) -> None:
    """A site must lie in the sector it names (its boundary counts as inside).

    Caps and allocations go by the sector a site names (Art. 15, 37), so a site placed
    elsewhere would be counted in the wrong sector.
    """
    x, y = location
    if not math.isfinite(x) or not math.isfinite(y):
        raise EvidenceError(
            f"location of site {site_id!r} must be two finite numbers (x_km, y_km)",
            details=["field: location", "reason: not a finite coordinate"],
        )
    if not sector_polygon(sector).covers(Point(x, y)):
        raise EvidenceError(
            f"location ({x:g}, {y:g}) of site {site_id!r} lies outside sector "
            f"{sector.id!r}: a site must lie inside the sector it names",
            details=["field: location", f"reason: outside the boundary of sector {sector.id}"],
        )

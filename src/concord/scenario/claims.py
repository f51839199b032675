"""The claims of the scenario: rectangles per holder inside the treaty's sectors.

Coordinates are the treaty's km grid (Annex I of station_unity.yaml). The layout keeps
every holder well under the forty-per-cent cap of Article 37 (R14) — the largest clean
share is 33 % of Sector Seven-Beta — and puts every extraction site inside its
operator's own claim, so that only the injected claim and site break R14 and R15.

Claims filed and registered before ratification (1 March 2187) are grandfathered under
Article 1; the third parties, bound only from entry into force, file in March.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from concord.claims.schemas import ActivityReported, ClaimFiled, ClaimRegistered

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 (km)


@dataclass(frozen=True, slots=True)
class PlannedClaim:
    """One claim as the generator files it."""

    claim_id: str
    holder: str  # treaty party id
    sector: str
    mineral: str
    byproduct: str
    rect: Rect
    filed_at: datetime
    registered_at: datetime
    has_sites: bool = True
    #: Operational (extracting) or survey-only, as its activity reports say.
    operational: bool = True
    #: First reporting period of activity, when earlier than the treaty's first period.
    presence_from: str | None = None

    @property
    def area_km2(self) -> float:
        x0, y0, x1, y1 = self.rect
        return (x1 - x0) * (y1 - y0)

    def geometry(self) -> dict[str, object]:
        """GeoJSON Polygon in the sector grid, exterior ring counter-clockwise (RFC 7946)."""
        x0, y0, x1, y1 = self.rect
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        return {"type": "Polygon", "crs": "sector-km", "coordinates": [ring]}

    def filed(self) -> ClaimFiled:
        return ClaimFiled.model_validate(
            {
                "claim_id": self.claim_id,
                "holder": self.holder,
                "mineral": self.mineral,
                "sector": self.sector,
                "geometry": self.geometry(),
                "filed_at": self.filed_at,
            }
        )

    def registered(self, ratified: datetime) -> ClaimRegistered:
        grandfathered = self.registered_at < ratified
        return ClaimRegistered(
            claim_id=self.claim_id,
            registered_at=self.registered_at,
            cites=["P1", "P8"] if grandfathered else ["P8"],
            note="registered before ratification" if grandfathered else "",
        )

    def activity(self, period: str, reported_at: datetime) -> ActivityReported:
        summary = "extraction at registered sites" if self.operational else "survey only"
        return ActivityReported(
            claim_id=self.claim_id,
            holder=self.holder,
            period=period,
            operational=self.operational,
            summary=summary,
            reported_at=reported_at,
        )


def _at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2187, month, day, hour, 0, tzinfo=UTC)


def _claim(
    claim_id: str,
    holder: str,
    sector: str,
    minerals: tuple[str, str],
    rect: Rect,
    filed: tuple[int, int],
    registered: tuple[int, int],
    *,
    has_sites: bool = True,
    operational: bool = True,
    presence_from: str | None = None,
) -> PlannedClaim:
    return PlannedClaim(
        claim_id,
        holder,
        sector,
        minerals[0],
        minerals[1],
        rect,
        _at(*filed),
        _at(*registered, hour=15),
        has_sites=has_sites,
        operational=operational,
        presence_from=presence_from,
    )


_NICKEL = ("nickel-iron", "cobalt")
_PLATINUM = ("platinum", "iridium")
_ICE = ("water-ice", "ammonia")

#: The clean registry. Shares of sector area (R14 cap 0.40): Seven-Alpha (8,000 km²)
#: MC 0.20 at most; Seven-Beta (9,600 km²) PA 0.32, EF 0.33; Four-Gamma (7,200 km²)
#: MC 0.20 at most.
CLEAN_CLAIMS: tuple[PlannedClaim, ...] = (
    # Sector Seven-Beta, North Zone (PA) and South Zone (EF): grandfathered.
    _claim("PA-7B-N1", "PA", "seven-beta", _PLATINUM, (105, 50, 150, 78), (1, 20), (2, 2)),
    _claim("PA-7B-N2", "PA", "seven-beta", _PLATINUM, (160, 50, 210, 78), (1, 27), (2, 9)),
    _claim("EF-7B-S1", "EF", "seven-beta", _PLATINUM, (105, 3, 150, 32), (1, 21), (2, 3)),
    _claim("EF-7B-S2", "EF", "seven-beta", _PLATINUM, (160, 3, 210, 32), (1, 23), (2, 4)),
    # The contested pair in the Common Zone (Article 17): EF filed first, PA has been
    # operating on the ground since the first quarter; both grandfathered, so Article 1
    # does not decide and the two bases of priority disagree. No sites: nobody extracts
    # on contested ground while the case is open.
    _claim(
        "EF-7B-C1",
        "EF",
        "seven-beta",
        _PLATINUM,
        (140, 36, 195, 44),
        (1, 22),
        (2, 12),
        has_sites=False,
        operational=False,
    ),
    _claim(
        "PA-7B-C1",
        "PA",
        "seven-beta",
        _PLATINUM,
        (165, 36, 215, 44),
        (2, 3),
        (2, 16),
        has_sites=False,
        presence_from="2187-Q1",
    ),
    # Sector Seven-Alpha.
    _claim("MI-7A-1", "MI", "seven-alpha", _NICKEL, (3, 3, 30, 37), (2, 5), (2, 20)),
    _claim("HMC-7A-1", "HMC", "seven-alpha", _NICKEL, (33, 3, 63, 37), (3, 5), (3, 20)),
    _claim("TR-7A-1", "TR", "seven-alpha", _NICKEL, (66, 3, 97, 37), (3, 6), (3, 21)),
    _claim("BMF-7A-1", "BMF", "seven-alpha", _NICKEL, (3, 43, 45, 77), (3, 7), (3, 22)),
    _claim("MC-7A-1", "MC", "seven-alpha", _NICKEL, (50, 43, 97, 77), (3, 8), (3, 23)),
    # Sector Four-Gamma.
    _claim("MI-4G-1", "MI", "four-gamma", _ICE, (3, 122, 37, 150), (3, 9), (3, 24)),
    _claim("HMC-4G-1", "HMC", "four-gamma", _ICE, (40, 122, 88, 150), (3, 10), (3, 25)),
    _claim("MC-4G-1", "MC", "four-gamma", _ICE, (3, 155, 37, 198), (3, 12), (3, 26)),
)

#: The injected R14 claim: with it Helios holds 3,744 of 7,200 km² of Four-Gamma (52 %).
SHARE_CAP_CLAIM = _claim(
    "HMC-4G-2",
    "HMC",
    "four-gamma",
    _ICE,
    (40, 152, 90, 200),
    (3, 14),
    (3, 27),
    has_sites=False,
    operational=False,
)

#: Where the injected R15 site sits: inside EF-7B-S2, where PA holds no claim.
TRESPASS_LOCATION = (185.0, 17.0)
TRESPASS_SECTOR = "seven-beta"
TRESPASS_VICTIM_CLAIM = "EF-7B-S2"


def planned_claims(*, violations: bool) -> tuple[PlannedClaim, ...]:
    return (*CLEAN_CLAIMS, SHARE_CAP_CLAIM) if violations else CLEAN_CLAIMS


def held_area(claims: tuple[PlannedClaim, ...], holder: str, sector: str) -> float:
    """Area a holder claims in a sector (one holder's claims never overlap each other)."""
    return sum(c.area_km2 for c in claims if c.holder == holder and c.sector == sector)

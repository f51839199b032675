"""Extraction sites: ``size`` sites inside every claim that has sites, on a jittered grid.

Each site belongs to the holder of the claim it lies in, produces the claim's mineral and
its by-product, and is measured by the office with one method of the uncertainty table.
One site — the first of the Belt Mining Federation's claim in Seven-Alpha — produces a
single mineral and is measured by sampling and assay, in every run: it is the site on
which the protracted under-declaration is injected, and keeping it the same in clean
runs makes a clean and a dirty run of one seed comparable site by site.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from concord.evidence.schemas import SiteRegistered
from concord.scenario.claims import (
    TRESPASS_LOCATION,
    TRESPASS_SECTOR,
    PlannedClaim,
)

#: Methods the office uses at sites (the precise end of the uncertainty table: gamma
#: spectrometry and engineering estimates are not used for tonnage).
SITE_METHODS = ("weighing", "volumetric", "sampling_assay", "xrf")

#: The site that carries the protracted under-declaration (when violations are injected).
PROTRACTED_SITE = "BMF-7A-1-01"
PROTRACTED_METHOD = "sampling_assay"
#: The site operated outside its operator's claims (R15), inside EF-7B-S2.
TRESPASS_SITE = "PA-7B-X-01"


@dataclass(frozen=True, slots=True)
class PlannedSite:
    site_id: str
    name: str
    sector: str
    location: tuple[float, float]
    operator: str
    minerals: tuple[str, ...]
    method: str
    claim_id: str | None  # None: not inside any claim of its operator

    def registered(self) -> SiteRegistered:
        return SiteRegistered(
            site_id=self.site_id,
            name=self.name,
            sector=self.sector,
            location=self.location,
            operator=self.operator,
            minerals=list(self.minerals),
        )


def _grid(claim: PlannedClaim, count: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """``count`` points strictly inside the claim: one per grid cell, jittered within it."""
    x0, y0, x1, y1 = claim.rect
    width, height = x1 - x0, y1 - y0
    cols = max(1, round(math.sqrt(count * width / height)))
    rows = math.ceil(count / cols)
    dx, dy = width / cols, height / rows
    points = []
    for index in range(count):
        row, col = divmod(index, cols)
        jitter = rng.uniform(-0.3, 0.3, size=2)
        x = x0 + (col + 0.5 + jitter[0]) * dx
        y = y0 + (row + 0.5 + jitter[1]) * dy
        points.append((round(x, 3), round(y, 3)))
    return points


def plan_sites(
    claims: tuple[PlannedClaim, ...],
    size: int,
    rng: np.random.Generator,
    *,
    violations: bool,
) -> tuple[PlannedSite, ...]:
    """``size`` sites per claim with sites, plus the trespassing site if violations."""
    sites: list[PlannedSite] = []
    for claim in claims:
        if not claim.has_sites:
            continue
        for number, location in enumerate(_grid(claim, size, rng), start=1):
            site_id = f"{claim.claim_id}-{number:02d}"
            method = str(rng.choice(SITE_METHODS))
            minerals: tuple[str, ...] = (claim.mineral, claim.byproduct)
            if site_id == PROTRACTED_SITE:
                method, minerals = PROTRACTED_METHOD, (claim.mineral,)
            sites.append(
                PlannedSite(
                    site_id,
                    f"{claim.claim_id} works {number}",
                    claim.sector,
                    location,
                    claim.holder,
                    minerals,
                    method,
                    claim.claim_id,
                )
            )
    if violations:
        sites.append(
            PlannedSite(
                TRESPASS_SITE,
                "Pacific Alliance southern works",
                TRESPASS_SECTOR,
                TRESPASS_LOCATION,
                "PA",
                ("platinum", "iridium"),
                "volumetric",
                None,
            )
        )
    return tuple(sites)

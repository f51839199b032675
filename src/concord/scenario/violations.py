"""The injection plan (which violation goes where) and the ground truth written beside it.

Every injected violation becomes one :class:`Violation` record naming the requirement of
the Treaty of Station Unity it breaks, so that an evaluation of the generated record can
be scored against what was put in. Magnitudes are chosen so that the gross violations are
unmistakable and the clean data stays clean:

========================  ====  ===============================================
kind                      req.  injection
========================  ====  ===============================================
gross_under_declaration   R7    ``size`` Seven-Alpha sites a quarter declare 60–80 %
                                of their true extraction (≥ 7 σ, ≥ 20 %, ≥ 68 t)
protracted_under_decl…    R7    one site declares 2.2 ± 0.5 σ (≈ 3.1 %) low every
                                quarter: never beyond 3 σ, CUSUM(k=0.5, h=4) alarms
                                by the fourth quarter
late_report               R1/2  one extraction declaration a quarter filed 5–40 days
                                after its due date
missing_report            R1/2  one party's extraction declaration never filed
discriminatory_fee        R13   Titan Resources pays 12 % over the schedule on
                                every call, the others pay the schedule
fee_off_schedule          R12   one call a quarter charged 25 % over the schedule,
                                or the superseded rate when the schedule changed
holder_share_cap          R14   Helios holds 52 % of Sector Four-Gamma (cap 40 %)
extraction_outside_claims R15   a Pacific Alliance site inside EF-7B-S2
sector_cap_exceeded       R10   the Pacific Alliance extracts ≈ 6,900 t in
                                Seven-Beta in one quarter (limit 6,000 t)
inspection_access_late    R16   one inspection a quarter granted after 100–160 h
docking_refused_unsafe…   R17   one docking request a quarter refused for a reason
                                other than safety
========================  ====  ===============================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from concord.scenario.sites import PROTRACTED_SITE, PlannedSite

GROSS = "gross_under_declaration"
PROTRACTED = "protracted_under_declaration"
LATE = "late_report"
MISSING = "missing_report"
DISCRIMINATORY_FEE = "discriminatory_fee"
FEE_OFF_SCHEDULE = "fee_off_schedule"
SHARE_CAP = "holder_share_cap"
OUTSIDE_CLAIMS = "extraction_outside_claims"
SECTOR_CAP = "sector_cap_exceeded"
INSPECTION_LATE = "inspection_access_late"
DOCKING_REFUSED = "docking_refused_without_safety_reason"

#: Every kind a run with violations contains, in the order of the table above.
KINDS = (
    GROSS,
    PROTRACTED,
    LATE,
    MISSING,
    DISCRIMINATORY_FEE,
    FEE_OFF_SCHEDULE,
    SHARE_CAP,
    OUTSIDE_CLAIMS,
    SECTOR_CAP,
    INSPECTION_LATE,
    DOCKING_REFUSED,
)

GROSS_FRACTION = (0.60, 0.80)  # declared / true
PROTRACTED_SHIFT_SIGMA = 2.2  # mean under-declaration, in combined standard uncertainties
PROTRACTED_SPREAD_SIGMA = 0.5  # the quarter's draw lies within shift ± this
LATE_DAYS = (5, 40)
DISCRIMINATED_PARTY = "TR"
DISCRIMINATION_SURCHARGE = 0.12
OFF_SCHEDULE_FACTOR = 1.25
SECTOR_CAP_TARGET_T = 6900.0  # the Pacific Alliance's Seven-Beta total in the cap quarter
INSPECTION_LATE_HOURS = (100, 160)


#: How much: named figures (tonnes, days, shares, fees) and the facts that locate them.
Magnitude = Mapping[str, float | int | str]


@dataclass(frozen=True, slots=True)
class Violation:
    """One injected violation: what, under which requirement, by whom, where, when, how much."""

    kind: str
    requirement: str
    party: str
    subject: str
    period: str | None
    magnitude: Magnitude = field(hash=False)
    #: Other requirements the same facts also breach (a gross under-declaration also
    #: moves the party's total, R8).
    related: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "requirement": self.requirement,
            "related": list(self.related),
            "party": self.party,
            "subject": self.subject,
            "period": self.period,
            "magnitude": dict(self.magnitude),
        }


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """Every violation injected into one generated scenario."""

    seed: int
    quarters: int
    size: int
    periods: tuple[str, ...]
    violations: tuple[Violation, ...]

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(v.kind for v in self.violations)

    def of_kind(self, kind: str) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.kind == kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "concord-scenario-truth/1",
            "seed": self.seed,
            "quarters": self.quarters,
            "size": self.size,
            "periods": list(self.periods),
            "violations": [v.to_json() for v in self.violations],
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n").encode()


@dataclass(frozen=True, slots=True)
class QuarterPlan:
    """Which parties and sites carry a violation in one quarter."""

    period: str
    gross: Mapping[str, float] = field(default_factory=dict, hash=False)  # site → fraction
    late: Mapping[str, int] = field(default_factory=dict, hash=False)  # party → days late
    missing: frozenset[str] = frozenset()
    sector_cap: bool = False
    protracted: bool = False


#: Parties never chosen to miss a report: their declarations carry another violation
#: (PA: R15 and R10; BMF: the protracted site) that must stay visible.
_ALWAYS_DECLARE = frozenset({"PA", "BMF"})


def plan_quarters(
    periods: Sequence[str],
    sites: Sequence[PlannedSite],
    signatories: Sequence[str],
    third_parties: Sequence[str],
    size: int,
    rng: np.random.Generator,
    *,
    violations: bool,
) -> tuple[QuarterPlan, ...]:
    """The per-quarter injection plan (all empty when ``violations`` is false)."""
    if not violations:
        return tuple(QuarterPlan(p) for p in periods)
    cap_quarter = min(1, len(periods) - 1)
    plans = []
    for index, period in enumerate(periods):
        # Alternate which kind of reporter is late and which is missing, so that R1
        # (Signatories) and R2 (third parties) both get both kinds over two quarters.
        first, second = (signatories, third_parties)[:: 1 if index % 2 == 0 else -1]
        missing = _pick(rng, [p for p in second if p not in _ALWAYS_DECLARE])
        late = _pick(rng, [p for p in first if p != missing])
        candidates = [
            s.site_id
            for s in sites
            if s.sector == "seven-alpha" and s.site_id != PROTRACTED_SITE and s.operator != missing
        ]
        chosen = rng.choice(len(candidates), size=min(size, len(candidates)), replace=False)
        gross = {
            candidates[int(i)]: round(float(rng.uniform(*GROSS_FRACTION)), 3)
            for i in sorted(chosen)
        }
        plans.append(
            QuarterPlan(
                period,
                gross=gross,
                late={late: int(rng.integers(LATE_DAYS[0], LATE_DAYS[1] + 1))},
                missing=frozenset({missing}),
                sector_cap=index == cap_quarter,
                protracted=True,
            )
        )
    return tuple(plans)


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]

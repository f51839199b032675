"""True, declared and measured extraction, row by row (one row per site and mineral).

The error model is the one the reconciliation statistics assume (IAEA-STR-368; Avenhaus
& Canty, *Compliance Quantified*)::

    measured  M = T · (1 + s_method,period + r_row)     s ~ N(0, systematic_rel)
    declared  D = T · (1 + e_row)                        r ~ N(0, random_rel)
    declared uncertainty σ_D = u_party · D               e ~ N(0, u_party)

so that in clean data ``z = (D − M) / √((M·r)² + (M·s)² + σ_D²)`` is standard normal and
the item test at k = 3 flags about 0.135 % of rows. Quantities are rounded to 0.1 t, the
resolution of every unit the tables use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from concord.compliance.statistics import UncertaintyTable, cusum
from concord.scenario.claims import TRESPASS_VICTIM_CLAIM
from concord.scenario.sites import PROTRACTED_SITE, TRESPASS_SITE, PlannedSite
from concord.scenario.violations import (
    GROSS,
    OUTSIDE_CLAIMS,
    PROTRACTED,
    PROTRACTED_SHIFT_SIGMA,
    PROTRACTED_SPREAD_SIGMA,
    SECTOR_CAP,
    SECTOR_CAP_TARGET_T,
    Magnitude,
    QuarterPlan,
    Violation,
)

#: Each party's stated relative uncertainty of its own declarations (one standard
#: deviation). BMF's 1.3 % puts its single-mineral site at σ ≈ 1.42 % of the quantity.
DECLARED_UNCERTAINTY: Mapping[str, float] = {
    "PA": 0.010,
    "EF": 0.010,
    "MI": 0.015,
    "HMC": 0.012,
    "MC": 0.020,
    "TR": 0.012,
    "BMF": 0.013,
}
#: Quarterly budgets (t) of each operator in the capped sectors, split across its rows,
#: so that any ``size`` stays under Article 19 (6,000 t per Party, 12,000 t in total in
#: Seven-Beta) and Article 26 (9,000 t in Four-Gamma) even at +15 % quarterly swing.
CAPPED_BUDGET_T: Mapping[str, float] = {"seven-beta": 3600.0, "four-gamma": 2000.0}
OPEN_PRIMARY_T = (800.0, 2500.0)  # Seven-Alpha, per row per quarter
OPEN_BYPRODUCT_T = (400.0, 1000.0)
TRESPASS_T = 150.0
QUARTERLY_SWING = (0.85, 1.15)
CAP_LIMIT_T = 6000.0
CUSUM_K, CUSUM_H = 0.5, 4.0  # R7's cusum params


@dataclass(frozen=True, slots=True)
class ExtractionRow:
    """One site and mineral in one quarter (tonnes)."""

    party: str
    site: str
    sector: str
    mineral: str
    method: str
    true_t: float
    declared_t: float
    declared_sigma_t: float
    measured_t: float


def _round(value: float) -> float:
    return round(value, 1)


def base_tonnes(
    sites: Sequence[PlannedSite], rng: np.random.Generator
) -> dict[tuple[str, str], float]:
    """Typical quarterly extraction of every (site, mineral) row."""
    base: dict[tuple[str, str], float] = {}
    weights: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    for site in sites:
        for position, mineral in enumerate(site.minerals):
            key = (site.site_id, mineral)
            if site.site_id == TRESPASS_SITE:
                base[key] = TRESPASS_T
            elif site.sector in CAPPED_BUDGET_T:
                weight = float(rng.uniform(0.7, 1.3)) * (2.0 if position == 0 else 1.0)
                weights.setdefault((site.operator, site.sector), {})[key] = weight
            else:
                low, high = OPEN_PRIMARY_T if position == 0 else OPEN_BYPRODUCT_T
                base[key] = float(rng.uniform(low, high))
    for (_, sector), rows in weights.items():
        total = sum(rows.values())
        for key, weight in rows.items():
            base[key] = CAPPED_BUDGET_T[sector] * weight / total
    return base


@dataclass(frozen=True, slots=True)
class ExtractionQuarter:
    rows: tuple[ExtractionRow, ...]
    truth: tuple[Violation, ...]


class ExtractionModel:
    """Draws each quarter's rows; keeps the protracted site's CUSUM for the ground truth."""

    def __init__(
        self,
        sites: Sequence[PlannedSite],
        base: Mapping[tuple[str, str], float],
        uncertainties: UncertaintyTable,
    ) -> None:
        self._sites = tuple(sites)
        self._base = dict(base)
        self._table = uncertainties
        self._protracted_scores: list[float] = []

    def quarter(self, plan: QuarterPlan, rng: np.random.Generator) -> ExtractionQuarter:
        true = self._true_tonnes(plan, rng)
        systematic = {
            m.method: float(rng.normal(0.0, m.systematic_rel)) for m in self._table.methods
        }
        rows: list[ExtractionRow] = []
        truth: list[Violation] = []
        for site in self._sites:
            site_rows = [
                self._row(site, mineral, true[(site.site_id, mineral)], systematic, plan, rng)
                for mineral in site.minerals
            ]
            rows.extend(site_rows)
            truth.extend(self._site_truth(site, site_rows, plan))
        if plan.sector_cap:
            truth.append(_sector_cap_truth(rows, plan.period))
        return ExtractionQuarter(tuple(rows), tuple(truth))

    def _true_tonnes(
        self, plan: QuarterPlan, rng: np.random.Generator
    ) -> dict[tuple[str, str], float]:
        true = {
            key: value * float(rng.uniform(*QUARTERLY_SWING)) for key, value in self._base.items()
        }
        if plan.sector_cap:
            # Scale the Pacific Alliance's Seven-Beta rows up to the target total: the
            # declarations stay honest, only Article 19's limit is broken.
            keys = [
                (s.site_id, m)
                for s in self._sites
                if s.operator == "PA" and s.sector == "seven-beta"
                for m in s.minerals
            ]
            factor = SECTOR_CAP_TARGET_T / sum(true[k] for k in keys)
            for key in keys:
                true[key] *= factor
        return true

    def _row(
        self,
        site: PlannedSite,
        mineral: str,
        true_t: float,
        systematic: Mapping[str, float],
        plan: QuarterPlan,
        rng: np.random.Generator,
    ) -> ExtractionRow:
        method = self._table.get(site.method)
        u_declared = DECLARED_UNCERTAINTY[site.operator]
        measured = _round(
            true_t * (1 + systematic[site.method] + float(rng.normal(0.0, method.random_rel)))
        )
        declared_noise = float(rng.normal(0.0, u_declared))
        if plan.protracted and site.site_id == PROTRACTED_SITE:
            declared = self._protracted_declaration(measured, site.method, u_declared, rng)
        else:
            fraction = plan.gross.get(site.site_id, 1.0)
            declared = _round(true_t * fraction * (1 + declared_noise))
        return ExtractionRow(
            site.operator,
            site.site_id,
            site.sector,
            mineral,
            site.method,
            _round(true_t),
            declared,
            _round(u_declared * declared),
            measured,
        )

    def _protracted_declaration(
        self, measured: float, method_name: str, u_declared: float, rng: np.random.Generator
    ) -> float:
        """A declaration ``shift ± spread`` combined standard uncertainties below ``measured``.

        Built from the measurement so that the quarter's z lies in [−2.7, −1.7]: below the
        item test's 3 σ every quarter, yet each quarter adds at least 1.2 to Page's
        CUSUM (k = 0.5), which passes h = 4 by the fourth quarter.
        """
        method = self._table.get(method_name)
        target = PROTRACTED_SHIFT_SIGMA + float(
            rng.uniform(-PROTRACTED_SPREAD_SIGMA, PROTRACTED_SPREAD_SIGMA)
        )
        method_var = (measured * method.random_rel) ** 2 + (measured * method.systematic_rel) ** 2
        declared = measured
        for _ in range(4):  # σ_D depends on D: a few fixed-point steps converge
            sigma = math.sqrt(method_var + (u_declared * declared) ** 2)
            declared = measured - target * sigma
        return _round(declared)

    def _site_truth(
        self, site: PlannedSite, rows: Sequence[ExtractionRow], plan: QuarterPlan
    ) -> list[Violation]:
        true = sum(r.true_t for r in rows)
        declared = sum(r.declared_t for r in rows)
        measured = sum(r.measured_t for r in rows)
        if site.site_id in plan.gross:
            magnitude: Magnitude = {
                "declared_fraction_of_true": plan.gross[site.site_id],
                "true_t": round(true, 1),
                "declared_t": round(declared, 1),
                "measured_t": round(measured, 1),
                "under_declared_t": round(true - declared, 1),
            }
            return [
                Violation(GROSS, "R7", site.operator, site.site_id, plan.period, magnitude, ("R8",))
            ]
        if plan.protracted and site.site_id == PROTRACTED_SITE:
            return [self._protracted_truth(site, rows[0], plan.period)]
        if site.site_id == TRESPASS_SITE:
            where: Magnitude = {
                "measured_t": round(measured, 1),
                "declared_t": round(declared, 1),
                "inside_claim_of": TRESPASS_VICTIM_CLAIM,
            }
            return [
                Violation(OUTSIDE_CLAIMS, "R15", site.operator, site.site_id, plan.period, where)
            ]
        return []

    def _protracted_truth(self, site: PlannedSite, row: ExtractionRow, period: str) -> Violation:
        method = self._table.get(row.method)
        sigma = math.sqrt(
            (row.measured_t * method.random_rel) ** 2
            + (row.measured_t * method.systematic_rel) ** 2
            + row.declared_sigma_t**2
        )
        z = (row.declared_t - row.measured_t) / sigma
        self._protracted_scores.append(-z)
        path = cusum(self._protracted_scores, k=CUSUM_K, h=CUSUM_H)
        magnitude: Magnitude = {
            "declared_fraction_of_true": round(row.declared_t / row.true_t, 4),
            "z": round(z, 3),
            "cusum": round(float(path.path[-1]), 3),
            "cusum_alarm": "yes" if path.alarmed else "no",
            "under_declared_t": round(row.true_t - row.declared_t, 1),
        }
        return Violation(PROTRACTED, "R7", site.operator, site.site_id, period, magnitude, ("R8",))


def _sector_cap_truth(rows: Sequence[ExtractionRow], period: str) -> Violation:
    measured = sum(r.measured_t for r in rows if r.party == "PA" and r.sector == "seven-beta")
    magnitude: Magnitude = {
        "sector": "seven-beta",
        "measured_t": round(measured, 1),
        "limit_t": CAP_LIMIT_T,
    }
    return Violation(SECTOR_CAP, "R10", "PA", "PA", period, magnitude)

"""The D statistic: total under-declaration over a sampled population.

Following the IAEA's variables sampling (IAEA Safeguards Glossary, "D statistic";
Avenhaus & Canty, *Compliance Quantified*, ch. 4), a stratum of ``N`` items of which
``n`` are re-measured gives the extrapolated total difference::

    D = (N / n) · Σ_{i in sample} (declared_i − measured_i)

Under the null hypothesis (honest declarations, only measurement error) ``D`` has mean 0
and variance::

    Var D = (N² / n) · σ²_r,item  +  (Σ_{all N items} declared)² · s²

The random part is ``n`` independent errors scaled by ``N/n``: relative to the stratum
total it shrinks as ``1/√n``. The systematic part is one error ``s`` shared by every
measurement with the same method; it applies to the whole extrapolated total and
**does not shrink with n**. Strata add: ``D = Σ D_h``; random variances add, and the
systematic standard deviations of strata measured by the same method add linearly
(their errors are the same error), those of different methods in quadrature.

As for single items, under-declaration makes ``D`` negative and the one-sided test
flags ``D / σ_D < −k``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from concord.errors import ComplianceError

from ._validate import Vector, broadcast, non_negative, non_negative_array, positive, whole_number
from .item_test import k_for_false_alarm
from .uncertainty import MethodUncertainty


@dataclass(frozen=True, slots=True)
class StratumD:
    """The D statistic of one stratum and its two variance components."""

    method: str
    population_size: int
    sample_size: int
    d: float
    random_variance: float
    systematic_sd: float


@dataclass(frozen=True, slots=True)
class DStatisticResult:
    """The D statistic over all strata, its standard deviation and the test outcome."""

    d: float
    sigma: float
    random_variance: float
    systematic_variance: float
    z: float
    k: float
    false_alarm_probability: float
    flagged: bool
    strata: tuple[StratumD, ...]


def stratum_d(
    *,
    population_size: int,
    declared: Vector,
    measured: Vector,
    declared_total: float,
    uncertainty: MethodUncertainty,
) -> StratumD:
    """The D statistic of one stratum from its ``n`` verified pairs.

    ``declared`` and ``measured`` are the sampled items' values; ``declared_total`` is
    the declared sum over all ``population_size`` items. The per-item random variance
    is the sample mean of ``(measured_i · r)²``::

        D      = (N / n) · Σ (declared_i − measured_i)
        Var_r  = (N² / n) · mean_i (measured_i · r)²
        sd_s   = declared_total · s
    """
    population = whole_number("population_size", population_size, minimum=1)
    d_values, m_values = broadcast(
        declared=non_negative_array("declared", declared),
        measured=non_negative_array("measured", measured),
    )
    sample = d_values.size
    if d_values.ndim != 1 or sample == 0:
        raise ComplianceError("declared and measured must be non-empty lists of equal length")
    if sample > population:
        raise ComplianceError(
            f"the sample ({sample} items) is larger than the stratum ({population} items)"
        )
    total = non_negative("declared_total", declared_total)
    scale = population / sample
    item_variance = float(np.mean((m_values * uncertainty.random_rel) ** 2))
    return StratumD(
        method=uncertainty.method,
        population_size=population,
        sample_size=sample,
        d=scale * float(np.sum(d_values - m_values)),
        random_variance=population * scale * item_variance,
        systematic_sd=total * uncertainty.systematic_rel,
    )


def d_statistic(
    strata: Sequence[StratumD], *, k: float | None = None, alpha: float | None = None
) -> DStatisticResult:
    """Combine strata and test ``D / σ_D < −k`` (give exactly one of ``k`` or ``alpha``).

    ``alpha`` is the one-sided false-alarm probability; it sets ``k = Φ⁻¹(1 − α)``.
    """
    if not strata:
        raise ComplianceError("the D statistic needs at least one stratum")
    threshold = _threshold(k, alpha)
    by_method: dict[str, float] = {}
    for stratum in strata:
        by_method[stratum.method] = by_method.get(stratum.method, 0.0) + stratum.systematic_sd
    random_variance = math.fsum(s.random_variance for s in strata)
    systematic_variance = math.fsum(sd**2 for sd in by_method.values())
    sigma = math.sqrt(random_variance + systematic_variance)
    if sigma == 0:
        raise ComplianceError("σ_D is zero: the strata carry no measurement uncertainty")
    total = math.fsum(s.d for s in strata)
    z = total / sigma
    return DStatisticResult(
        d=total,
        sigma=sigma,
        random_variance=random_variance,
        systematic_variance=systematic_variance,
        z=z,
        k=threshold,
        false_alarm_probability=0.5 * math.erfc(threshold / math.sqrt(2)),
        flagged=z < -threshold,
        strata=tuple(strata),
    )


def _threshold(k: float | None, alpha: float | None) -> float:
    if k is not None and alpha is None:
        return positive("k", k)
    if alpha is not None and k is None:
        return k_for_false_alarm(alpha)
    raise ComplianceError("give exactly one of k (threshold) or alpha (false-alarm rate)")

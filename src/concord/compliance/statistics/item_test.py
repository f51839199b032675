"""The per-item test: one declaration against one independent measurement.

Sign convention, used throughout Concord: the difference is ``d = D − M`` (declared
minus measured), so **under-declaration means D < M, a negative d and a negative z**.
The test is one-sided, as in IAEA verification (IAEA Safeguards Glossary, "item
verification"; Avenhaus & Canty, *Compliance Quantified*, ch. 3): only
under-declaration raises a flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np

from concord.errors import ComplianceError

from ._validate import (
    BoolArray,
    FloatArray,
    Vector,
    broadcast,
    finite_number,
    non_negative_array,
    positive,
    probability,
)
from .uncertainty import MethodUncertainty


@dataclass(frozen=True, slots=True)
class ItemTestResult:
    """The test of one item: ``d = D − M``, its ``sigma``, ``z = d / sigma``, and the flag."""

    d: float
    sigma: float
    z: float
    flagged: bool
    k: float


@dataclass(frozen=True, slots=True)
class ItemTestBatch:
    """The test of many items at once; arrays are aligned with the inputs."""

    d: FloatArray
    sigma: FloatArray
    z: FloatArray
    flagged: BoolArray
    k: float

    @property
    def flagged_count(self) -> int:
        """How many items were flagged."""
        return int(np.count_nonzero(self.flagged))


@overload
def item_test(
    declared: float,
    measured: float,
    uncertainty: MethodUncertainty,
    *,
    declared_sigma: float = ...,
    k: float = ...,
) -> ItemTestResult: ...
@overload
def item_test(
    declared: Vector,
    measured: float | Vector,
    uncertainty: MethodUncertainty,
    *,
    declared_sigma: float | Vector = ...,
    k: float = ...,
) -> ItemTestBatch: ...
@overload
def item_test(
    declared: float,
    measured: Vector,
    uncertainty: MethodUncertainty,
    *,
    declared_sigma: float | Vector = ...,
    k: float = ...,
) -> ItemTestBatch: ...
def item_test(
    declared: float | Vector,
    measured: float | Vector,
    uncertainty: MethodUncertainty,
    *,
    declared_sigma: float | Vector = 0.0,
    k: float = 3.0,
) -> ItemTestResult | ItemTestBatch:
    """Test declared ``D`` against measured ``M`` for under-declaration.

    ::

        σ² = (M·r)² + (M·s)² + σ_D²       r, s: the method's random and systematic
        z  = (D − M) / σ                   relative uncertainties; σ_D: the declaration's
        flagged  ⇔  z < −k                 own stated standard uncertainty (default 0)

    Scalars give an :class:`ItemTestResult`; arrays (broadcast together) give an
    :class:`ItemTestBatch`. ``k = 3`` has a false-alarm probability Φ(−3) ≈ 0.00135
    per item; use :func:`k_for_false_alarm` to set ``k`` from a probability instead.
    """
    k = positive("k", k)
    d_values, m_values, declared_sd = broadcast(
        declared=non_negative_array("declared", declared),
        measured=non_negative_array("measured", measured),
        declared_sigma=non_negative_array("declared_sigma", declared_sigma),
    )
    # np.square, not ** 2: on a single number numpy's power can differ from the product in
    # the last place, and one item must get the z it gets within a batch.
    sigma = np.sqrt(
        np.square(m_values * uncertainty.random_rel)
        + np.square(m_values * uncertainty.systematic_rel)
        + np.square(declared_sd)
    )
    if np.any(sigma == 0):
        raise ComplianceError(
            "the combined uncertainty is zero (measured 0 and no declared_sigma); "
            "z is undefined — give the declaration's own uncertainty"
        )
    d = d_values - m_values
    z = d / sigma
    flagged = z < -k
    if d.ndim == 0:
        return ItemTestResult(float(d), float(sigma), float(z), bool(flagged), k)
    return ItemTestBatch(d, sigma, z, flagged, k)


def k_for_false_alarm(alpha: float) -> float:
    """The one-sided threshold ``k = Φ⁻¹(1 − α)`` with false-alarm probability ``α``.

    For example ``α = 0.05`` gives ``k ≈ 1.645`` and ``α = 0.00135`` gives ``k ≈ 3``.
    """
    from scipy.special import ndtri  # SciPy loads when first needed, not with every command

    alpha = probability("alpha", alpha)
    return float(-ndtri(alpha))


def detection_probability(k: float, shift: float) -> float:
    """Probability that a one-sided test at ``k`` flags a true under-declaration.

    ``shift`` is the true under-declaration in units of σ (``(M − D)/σ`` on average),
    and z is normal with mean ``−shift`` and unit variance::

        P(z < −k) = Φ(shift − k)

    ``shift = 0`` gives the false-alarm probability Φ(−k).
    """
    from scipy.special import ndtr

    k = positive("k", k)
    shift = finite_number("shift", shift)
    return float(ndtr(shift - k))

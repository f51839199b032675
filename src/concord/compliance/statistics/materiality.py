"""EITI margin of variance: is a discrepancy material?

In EITI reconciliation (EITI Standard, Requirement 4.9 and the Independent
Administrator's terms of reference) the multi-stakeholder group agrees a *margin of
variance*: discrepancies below it are not investigated. Concord's rule is that a
discrepancy is material only when it exceeds **both** a percentage of a reference
amount **and** an absolute floor, so neither small sums on large flows nor rounding on
small flows raise findings::

    material  ⇔  |D − M| > (percent / 100) · max(|D|, |M|)   and   |D − M| > floor

The reference is the larger of the two figures. That makes the rule symmetric (it does
not matter which party is labelled "declared"), and for an under-declaration (D < M) it
is the measured amount, the independent one.
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
    finite_array,
    finite_number,
    non_negative,
)


@dataclass(frozen=True, slots=True)
class MaterialityAssessment:
    """A discrepancy, the two limits it is compared with, and the verdict."""

    discrepancy: float
    percent_limit: float
    absolute_floor: float
    material: bool

    @property
    def threshold(self) -> float:
        """The binding limit, ``max(percent_limit, absolute_floor)``."""
        return max(self.percent_limit, self.absolute_floor)


@overload
def is_material(
    declared: float, measured: float, percent: float, absolute_floor: float
) -> bool: ...
@overload
def is_material(
    declared: Vector, measured: float | Vector, percent: float, absolute_floor: float
) -> BoolArray: ...
@overload
def is_material(
    declared: float, measured: Vector, percent: float, absolute_floor: float
) -> BoolArray: ...
def is_material(
    declared: float | Vector, measured: float | Vector, percent: float, absolute_floor: float
) -> bool | BoolArray:
    """True where ``|D − M|`` exceeds both ``percent``% of ``max(|D|, |M|)`` and the floor.

    ``percent`` is in percent (``2.0`` means 2 %). Arrays are broadcast together and give
    a boolean array; scalars give a ``bool``.
    """
    discrepancy, percent_limit, floor = _limits(declared, measured, percent, absolute_floor)
    material = (discrepancy > percent_limit) & (discrepancy > floor)
    return bool(material) if material.ndim == 0 else material


def assess_materiality(
    declared: float, measured: float, percent: float, absolute_floor: float
) -> MaterialityAssessment:
    """The single-pair test of :func:`is_material`, with its working shown."""
    discrepancy, percent_limit, floor = _limits(declared, measured, percent, absolute_floor)
    return MaterialityAssessment(
        discrepancy=float(discrepancy),
        percent_limit=float(percent_limit),
        absolute_floor=floor,
        material=bool((discrepancy > percent_limit) & (discrepancy > floor)),
    )


def _limits(
    declared: float | Vector, measured: float | Vector, percent: float, absolute_floor: float
) -> tuple[FloatArray, FloatArray, float]:
    rate = finite_number("percent", percent)
    if not 0 <= rate <= 100:
        raise ComplianceError(f"percent must be between 0 and 100, got {percent!r}")
    floor = non_negative("absolute_floor", absolute_floor)
    d_values, m_values = broadcast(
        declared=finite_array("declared", declared), measured=finite_array("measured", measured)
    )
    reference = np.maximum(np.abs(d_values), np.abs(m_values))
    return np.abs(d_values - m_values), rate / 100 * reference, floor

"""Input checks shared by the statistics modules.

Every check raises :class:`concord.errors.ComplianceError` with a message naming the
offending parameter, so no raw ``ValueError`` from numpy or scipy reaches a user.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from concord.errors import ComplianceError

FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]
#: A one-dimensional collection of numbers (never a bare scalar): what the vectorised
#: overloads accept, kept disjoint from ``float`` so scalar calls keep scalar results.
Vector: TypeAlias = Sequence[float] | NDArray[np.floating[Any]] | NDArray[np.integer[Any]]


def finite_array(name: str, values: float | Vector) -> FloatArray:
    """``values`` as a float64 array, rejecting non-numbers, NaN and infinities."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ComplianceError(f"{name} must be numbers, got {values!r}") from exc
    if not np.all(np.isfinite(array)):
        raise ComplianceError(f"{name} must be finite numbers (no NaN or infinity)")
    return array


def non_negative_array(name: str, values: float | Vector) -> FloatArray:
    """Like :func:`finite_array`, also rejecting negative entries."""
    array = finite_array(name, values)
    if np.any(array < 0):
        raise ComplianceError(f"{name} must not be negative")
    return array


def broadcast(**arrays: FloatArray) -> tuple[FloatArray, ...]:
    """Broadcast named arrays together, naming them if their shapes disagree."""
    try:
        return tuple(np.broadcast_arrays(*arrays.values()))
    except ValueError as exc:
        shapes = ", ".join(f"{name} {a.shape}" for name, a in arrays.items())
        raise ComplianceError(f"array shapes do not match: {shapes}") from exc


def finite_number(name: str, value: float) -> float:
    """``value`` as a finite float."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ComplianceError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ComplianceError(f"{name} must be finite, got {value!r}")
    return number


def non_negative(name: str, value: float) -> float:
    """``value`` as a finite float ≥ 0."""
    number = finite_number(name, value)
    if number < 0:
        raise ComplianceError(f"{name} must not be negative, got {value!r}")
    return number


def positive(name: str, value: float) -> float:
    """``value`` as a finite float > 0."""
    number = finite_number(name, value)
    if number <= 0:
        raise ComplianceError(f"{name} must be greater than 0, got {value!r}")
    return number


def probability(name: str, value: float) -> float:
    """``value`` as a float strictly between 0 and 1."""
    number = finite_number(name, value)
    if not 0 < number < 1:
        raise ComplianceError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return number


def whole_number(name: str, value: int, *, minimum: int) -> int:
    """``value`` as an ``int`` ≥ ``minimum`` (floats such as 3.0 are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ComplianceError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise ComplianceError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)

"""Page's CUSUM over successive periods, for protracted small under-reporting.

A diverter who under-reports a little every period stays under any single period's
threshold; the cumulative sum (Page 1954, "Continuous inspection schemes") accumulates
the evidence. Scores are standardised so that **under-reporting is positive**::

    x_t = (M_t − D_t) / σ_t                    (= −z_t of the item test)
    S_0 = 0,   S_t = max(0, S_{t−1} + x_t − k),   alarm at the first t with S_t > h

``k`` (the reference value) is usually half the shift to detect, in σ units; ``h`` (the
decision interval) sets the in-control average run length ARL₀. Run lengths are
computed two ways: Siegmund's closed-form approximation and the Markov-chain method of
Brook & Evans (1972), which discretises ``[0, h]`` into states and solves for the
expected absorption time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from concord.errors import ComplianceError

from ._validate import (
    FloatArray,
    Vector,
    broadcast,
    finite_array,
    finite_number,
    non_negative_array,
    positive,
    whole_number,
)

#: Siegmund's correction to the decision interval for normal increments.
SIEGMUND_OFFSET = 1.166
#: States of the Brook & Evans chain; 400 puts ARL₀(0.5, 4) within 0.01 % of the limit.
DEFAULT_STATES = 400


@dataclass(frozen=True, slots=True)
class CusumResult:
    """The CUSUM path ``S_1 … S_T`` and the first alarm (a 0-based period index)."""

    path: FloatArray
    first_alarm_index: int | None
    k: float
    h: float

    @property
    def alarmed(self) -> bool:
        """Whether ``S_t`` exceeded ``h`` in any period."""
        return self.first_alarm_index is not None


@dataclass(frozen=True, slots=True)
class AverageRunLength:
    """Expected periods to the first alarm, by two methods; ``value`` is the chain's."""

    k: float
    h: float
    shift: float
    markov_chain: float
    siegmund: float

    @property
    def value(self) -> float:
        """The Brook & Evans figure, the more accurate of the two."""
        return self.markov_chain


def under_reporting_scores(declared: Vector, measured: Vector, sigma: float | Vector) -> FloatArray:
    """``x_t = (M_t − D_t) / σ_t``: per-period scores, positive when under-reporting."""
    d_values, m_values, sd = broadcast(
        declared=finite_array("declared", declared),
        measured=finite_array("measured", measured),
        sigma=non_negative_array("sigma", sigma),
    )
    if np.any(sd == 0):
        raise ComplianceError("sigma must be greater than 0 in every period")
    return (m_values - d_values) / sd


def cusum(scores: Vector, *, k: float, h: float, restart: bool = False) -> CusumResult:
    """Page's one-sided CUSUM ``S_t = max(0, S_{t−1} + x_t − k)``, alarm when ``S_t > h``.

    With ``restart`` the scheme starts again from 0 in the period after an alarm, as
    Page (1954) prescribes once action has been taken: one large discrepancy, already
    acted on, then no longer keeps the level above ``h`` for every later period.
    ``first_alarm_index`` is the position in ``scores`` of the first period whose ``S_t``
    exceeds ``h`` (``None`` if none does); the path records ``S_t`` before any restart.
    """
    k, h = positive("k", k), positive("h", h)
    x = finite_array("scores", scores)
    if x.ndim != 1:
        raise ComplianceError("scores must be a one-dimensional list of periods")
    path = np.empty_like(x)
    level = 0.0
    for t, score in enumerate(x):
        level = max(0.0, level + float(score) - k)
        path[t] = level
        if restart and level > h:
            level = 0.0
    above = np.flatnonzero(path > h)
    return CusumResult(path, int(above[0]) if above.size else None, k, h)


def siegmund_arl(k: float, h: float, shift: float = 0.0) -> float:
    """Siegmund's approximation to the ARL of the one-sided CUSUM, unit-normal scores.

    ::

        Δ = shift − k,   b = h + 1.166
        ARL ≈ (exp(−2Δb) + 2Δb − 1) / (2Δ²),   and b² when Δ = 0

    ``shift`` is the mean of the scores in σ units (0 in control).
    """
    k, h, shift = positive("k", k), positive("h", h), finite_number("shift", shift)
    delta, b = shift - k, h + SIEGMUND_OFFSET
    if abs(delta) < 1e-9:
        return b * b
    return (math.exp(-2 * delta * b) + 2 * delta * b - 1) / (2 * delta * delta)


def markov_chain_arl(
    k: float, h: float, shift: float = 0.0, *, states: int = DEFAULT_STATES
) -> float:
    """The ARL by the Markov-chain method of Brook & Evans (1972).

    ``[0, h]`` is split into ``m`` states: state 0 is ``S = 0``, state ``j`` the cell of
    width ``w = 2h / (2m − 1)`` around ``j·w``; leaving ``[0, h]`` is absorption. With
    ``R`` the transient transition matrix, the ARL from ``S = 0`` is ``[(I − R)⁻¹ 1]_0``.
    """
    from scipy.linalg import solve  # SciPy loads when first needed, not with every command

    transient = _transition_matrix(k, h, shift, states)
    run_lengths = solve(np.eye(states) - transient, np.ones(states))
    return float(run_lengths[0])


def average_run_length(k: float, h: float, shift: float = 0.0) -> AverageRunLength:
    """The ARL of the one-sided CUSUM at a given mean ``shift`` of the scores, both ways.

    ``shift = 0`` gives the in-control ARL₀ (mean periods between false alarms).
    """
    return AverageRunLength(
        k=k,
        h=h,
        shift=shift,
        markov_chain=markov_chain_arl(k, h, shift),
        siegmund=siegmund_arl(k, h, shift),
    )


def alarm_probability_within(
    k: float, h: float, shift: float, periods: int, *, states: int = DEFAULT_STATES
) -> float:
    """Probability of an alarm in the first ``periods`` periods (Brook & Evans chain).

    ``P(T ≤ t) = 1 − e₀ᵀ Rᵗ 1``: the chance of not yet being absorbed after ``t`` steps.
    """
    periods = whole_number("periods", periods, minimum=0)
    transient = _transition_matrix(k, h, shift, states)
    survival = np.zeros(states)
    survival[0] = 1.0
    for _ in range(periods):
        survival = survival @ transient
    return float(1.0 - survival.sum())


def _transition_matrix(k: float, h: float, shift: float, states: int) -> FloatArray:
    from scipy.special import ndtr

    k, h, shift = positive("k", k), positive("h", h), finite_number("shift", shift)
    states = whole_number("states", states, minimum=2)
    width = 2 * h / (2 * states - 1)
    level = np.arange(states, dtype=np.float64)[:, None] * width
    centre = np.arange(states, dtype=np.float64)[None, :] * width
    # From S = i·w, the next S is i·w + x − k with x ~ N(shift, 1).
    upper = ndtr(centre + width / 2 - level + k - shift)
    lower = ndtr(centre - width / 2 - level + k - shift)
    matrix = np.asarray(upper - lower, dtype=np.float64)
    matrix[:, 0] = np.asarray(ndtr(width / 2 - level[:, 0] + k - shift), dtype=np.float64)
    return matrix

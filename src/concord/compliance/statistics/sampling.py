"""Attribute sampling: how many items to verify to catch a falsification.

If a diverter must falsify ``M`` of ``N`` items to hide a goal quantity, and the
inspector verifies ``n`` items drawn without replacement, the number of falsified items
in the sample is hypergeometric, and the probability of finding none is::

    P(miss) = C(N − M, n) / C(N, n) = Π_{i=0}^{n−1} (N − M − i) / (N − i)

The attribute sample size is the smallest ``n`` with ``P(miss) ≤ β``, i.e. detection
probability at least ``1 − β`` (IAEA Safeguards Glossary, "attribute sampling";
Avenhaus & Canty, *Compliance Quantified*, ch. 4). The usual approximation, exact for
sampling with replacement of a large population, is ``n ≈ N · (1 − β^(1/M))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from concord.errors import ComplianceError

from ._validate import positive, probability, whole_number


@dataclass(frozen=True, slots=True)
class AttributeSamplePlan:
    """The exact sample size and, for comparison, the approximate one."""

    sample_size: int
    population_size: int
    falsified_items: int
    beta: float
    detection_probability: float
    approximate_sample_size: int


def attribute_sample_size(
    population_size: int, falsified_items: int, beta: float
) -> AttributeSamplePlan:
    """The smallest ``n`` with ``1 − C(N−M, n)/C(N, n) ≥ 1 − β``, computed exactly.

    The comparison uses integer binomial coefficients and ``β`` read as the decimal it
    prints as (``0.05`` is exactly 1/20), so boundary cases are decided without rounding.
    The approximate size is ``⌈N · (1 − β^(1/M))⌉``.
    """
    population = whole_number("population_size", population_size, minimum=1)
    falsified = whole_number("falsified_items", falsified_items, minimum=1)
    if falsified > population:
        raise ComplianceError(
            f"falsified_items ({falsified}) cannot exceed population_size ({population})"
        )
    beta = probability("beta", beta)
    target = _decimal(beta)
    # P(miss) falls as n grows and is 0 at n = N − M + 1, so binary search is exact.
    low, high = 0, population - falsified + 1
    while low < high:
        middle = (low + high) // 2
        if _misses_at_most(population, falsified, middle, target):
            high = middle
        else:
            low = middle + 1
    return AttributeSamplePlan(
        sample_size=low,
        population_size=population,
        falsified_items=falsified,
        beta=beta,
        detection_probability=1 - _miss_probability(population, falsified, low),
        approximate_sample_size=math.ceil(population * (1 - beta ** (1 / falsified))),
    )


def attribute_detection_probability(
    population_size: int, falsified_items: int, sample_size: int
) -> float:
    """``1 − C(N − M, n) / C(N, n)``: the chance a sample of ``n`` finds a falsified item."""
    population = whole_number("population_size", population_size, minimum=1)
    falsified = whole_number("falsified_items", falsified_items, minimum=0)
    sample = whole_number("sample_size", sample_size, minimum=0)
    if falsified > population or sample > population:
        raise ComplianceError(
            "falsified_items and sample_size cannot exceed population_size "
            f"({falsified}, {sample} > {population})"
        )
    return 1 - _miss_probability(population, falsified, sample)


def min_falsified_items(goal_quantity: float, per_item_quantity: float) -> int:
    """``⌈goal / per_item⌉``: the fewest items a diverter must falsify.

    If each item can hide at most ``per_item_quantity`` (e.g. its whole content, or the
    largest bias that would pass the item test), removing ``goal_quantity`` (the IAEA's
    "significant quantity") needs at least this many falsified items — the ``M`` of
    :func:`attribute_sample_size`. Both are read as decimals, so 0.3 / 0.1 is 3.
    """
    goal = _decimal(positive("goal_quantity", goal_quantity))
    per_item = _decimal(positive("per_item_quantity", per_item_quantity))
    return math.ceil(goal / per_item)


def _misses_at_most(population: int, falsified: int, sample: int, beta: Fraction) -> bool:
    # P(miss) ≤ p / q  ⇔  q · numerator ≤ p · denominator, in exact integers.
    numerator, denominator = _miss_ratio(population, falsified, sample)
    return beta.denominator * numerator <= beta.numerator * denominator


def _miss_probability(population: int, falsified: int, sample: int) -> float:
    numerator, denominator = _miss_ratio(population, falsified, sample)
    return numerator / denominator  # int / int is correctly rounded, however large


def _miss_ratio(population: int, falsified: int, sample: int) -> tuple[int, int]:
    """C(N−M, n) / C(N, n) as an integer fraction, from the shorter of two products.

    C(N−M, n) / C(N, n) = Π_{i<n} (N−M−i) / (N−i) = Π_{j<M} (N−n−j) / (N−j)
    """
    if sample > population - falsified:
        return 0, 1
    if sample <= falsified:
        return (
            math.prod(range(population - falsified - sample + 1, population - falsified + 1)),
            math.prod(range(population - sample + 1, population + 1)),
        )
    return (
        math.prod(range(population - sample - falsified + 1, population - sample + 1)),
        math.prod(range(population - falsified + 1, population + 1)),
    )


def _decimal(value: float) -> Fraction:
    # repr gives the shortest decimal that round-trips, i.e. the number the user wrote.
    return Fraction(repr(float(value)))

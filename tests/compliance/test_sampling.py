"""Attribute sample sizes (hypergeometric, exact)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.compliance.statistics import (
    attribute_detection_probability,
    attribute_sample_size,
    min_falsified_items,
)
from concord.errors import ComplianceError


def test_hand_worked_plan() -> None:
    # N = 20, M = 3, β = 0.1. P(miss | n) = C(17, n)/C(20, n) = (20−n)(19−n)(18−n)/(20·19·18):
    #   n = 10: 10·9·8 / 6840 = 720/6840 = 0.10526 > 0.1
    #   n = 11:  9·8·7 / 6840 = 504/6840 = 0.07368 ≤ 0.1  → n = 11, detection 0.92632
    # Approximation: 20 · (1 − 0.1^(1/3)) = 20 · (1 − 0.46416) = 10.72 → 11.
    plan = attribute_sample_size(20, 3, 0.1)
    assert plan.sample_size == 11
    assert plan.detection_probability == pytest.approx(1 - 504 / 6840)
    assert plan.approximate_sample_size == 11
    assert attribute_detection_probability(20, 3, 10) == pytest.approx(1 - 720 / 6840)


def test_exact_boundary_is_decided_without_rounding() -> None:
    # N = 10, M = 1: P(miss | n) = (10 − n)/10, which equals β = 0.5 exactly at n = 5.
    assert attribute_sample_size(10, 1, 0.5).sample_size == 5
    # β = 0.3 is hit exactly at n = 7 ((10 − 7)/10 = 0.3, although 0.3 is not a binary float).
    assert attribute_sample_size(10, 1, 0.3).sample_size == 7


def test_large_population_is_fast_and_close_to_the_approximation() -> None:
    # N = 100,000, M = 10, β = 0.05: N(1 − 0.05^(1/10)) = 100000 · 0.25887 = 25,887.
    plan = attribute_sample_size(100_000, 10, 0.05)
    assert plan.approximate_sample_size == 25_887
    assert plan.sample_size == 25_886
    assert plan.detection_probability >= 0.95


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((10, 11, 0.05), "cannot exceed"),
        ((10, 0, 0.05), "falsified_items must be at least 1"),
        ((0, 1, 0.05), "population_size must be at least 1"),
        ((10, 1, 0.0), "beta must be strictly between"),
        ((10, 1, 1.0), "beta must be strictly between"),
        ((10.5, 1, 0.1), "whole number"),
    ],
)
def test_plan_rejects_bad_inputs(args: tuple[int, int, float], message: str) -> None:
    with pytest.raises(ComplianceError, match=message):
        attribute_sample_size(*args)


def test_detection_probability_rejects_a_sample_larger_than_the_population() -> None:
    with pytest.raises(ComplianceError, match="cannot exceed"):
        attribute_detection_probability(10, 1, 11)


def test_min_falsified_items_hand_worked() -> None:
    # ⌈8 / 0.75⌉ = ⌈10.67⌉ = 11; ⌈8 / 2⌉ = 4 exactly; ⌈0.3 / 0.1⌉ = 3 (not 4 from 2.9999…).
    assert min_falsified_items(8, 0.75) == 11
    assert min_falsified_items(8, 2) == 4
    assert min_falsified_items(0.3, 0.1) == 3
    with pytest.raises(ComplianceError, match="per_item_quantity"):
        min_falsified_items(8, 0)


plans = st.integers(1, 300).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(1, n), st.floats(0.001, 0.999))
)


@given(plans)
def test_the_size_achieves_the_guarantee_and_one_fewer_does_not(
    plan_args: tuple[int, int, float],
) -> None:
    population, falsified, beta = plan_args
    size = attribute_sample_size(population, falsified, beta).sample_size
    assert (
        1 - math.comb(population - falsified, size) / math.comb(population, size)
        >= 1 - beta - 1e-12
    )
    if size > 0:
        before = size - 1
        missed = math.comb(population - falsified, before) / math.comb(population, before)
        assert missed > beta - 1e-12


@given(plans, st.floats(0.001, 0.999))
def test_size_grows_as_beta_shrinks(plan_args: tuple[int, int, float], other: float) -> None:
    population, falsified, beta = plan_args
    strict, lax = sorted((beta, other))
    assert (
        attribute_sample_size(population, falsified, strict).sample_size
        >= attribute_sample_size(population, falsified, lax).sample_size
    )


@given(plans, st.integers(1, 300))
def test_size_shrinks_as_more_items_are_falsified(
    plan_args: tuple[int, int, float], other: int
) -> None:
    population, falsified, beta = plan_args
    fewer, more = sorted((falsified, min(other, population)))
    assert (
        attribute_sample_size(population, more, beta).sample_size
        <= attribute_sample_size(population, fewer, beta).sample_size
    )


@given(plans)
def test_with_replacement_approximation_never_undersamples(
    plan_args: tuple[int, int, float],
) -> None:
    # (1 − n/N)^M ≥ C(N−M, n)/C(N, n): the approximation is conservative.
    plan = attribute_sample_size(*plan_args)
    assert plan.approximate_sample_size >= plan.sample_size


@given(st.integers(1, 10_000), st.integers(1, 1_000))
def test_min_falsified_items_is_the_ceiling(goal_tenths: int, per_item_tenths: int) -> None:
    goal, per_item = goal_tenths / 10, per_item_tenths / 10
    items = min_falsified_items(goal, per_item)
    assert items * per_item_tenths >= goal_tenths
    assert (items - 1) * per_item_tenths < goal_tenths

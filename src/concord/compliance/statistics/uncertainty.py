"""Measurement uncertainties per method, and their estimation from paired data.

Each measurement method carries two relative standard uncertainties, as in the IAEA
*International Target Values* (IAEA-STR-368):

* ``random_rel`` — errors that are independent from one item to the next;
* ``systematic_rel`` — errors shared by every item measured in the same period
  (a calibration, a reference standard), which do not average out over items.

:data:`DEFAULT_UNCERTAINTIES` gives defaults of the order the ITVs give for comparable
techniques. Where the office holds paired declared/measured data, estimate both
components with :func:`estimate_uncertainty_from_pairs` and swap them in with
:meth:`UncertaintyTable.with_estimates`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from concord.errors import ComplianceError

from ._validate import FloatArray, Vector, broadcast, finite_array, non_negative, non_negative_array


@dataclass(frozen=True, slots=True)
class MethodUncertainty:
    """Relative standard uncertainties of one measurement method (fractions, not %)."""

    method: str
    random_rel: float
    systematic_rel: float

    def __post_init__(self) -> None:
        if not self.method:
            raise ComplianceError("a measurement method needs a name")
        non_negative(f"random_rel of {self.method!r}", self.random_rel)
        non_negative(f"systematic_rel of {self.method!r}", self.systematic_rel)


# Orders of magnitude after IAEA-STR-368 (ITV 2010) for comparable techniques: bulk
# weighing and tank volumetry are the most precise, non-destructive assay (gamma, XRF)
# the least; sampling plus laboratory assay sits between. "declared_estimate" covers a
# declaration made without a measurement (an engineering estimate).
DEFAULT_UNCERTAINTIES: tuple[MethodUncertainty, ...] = (
    MethodUncertainty("weighing", random_rel=0.001, systematic_rel=0.0005),
    MethodUncertainty("volumetric", random_rel=0.003, systematic_rel=0.002),
    MethodUncertainty("sampling_assay", random_rel=0.005, systematic_rel=0.003),
    MethodUncertainty("xrf", random_rel=0.02, systematic_rel=0.01),
    MethodUncertainty("gamma_spectrometry", random_rel=0.05, systematic_rel=0.03),
    MethodUncertainty("declared_estimate", random_rel=0.10, systematic_rel=0.05),
)


@dataclass(frozen=True, slots=True)
class PairedUncertaintyEstimate:
    """Uncertainty components estimated from paired declared/measured data.

    ``random_rel`` and ``systematic_rel`` are standard deviations of the relative
    difference ``(declared − measured) / measured``; ``mean_relative_difference`` is the
    overall mean, reported separately because a persistent offset is not measurement
    uncertainty — it may be the very under-declaration the tests look for.
    """

    random_rel: float
    systematic_rel: float
    mean_relative_difference: float
    pairs: int
    periods: int
    within_mean_square: float
    between_mean_square: float

    def for_method(self, method: str) -> MethodUncertainty:
        """These estimates as the uncertainty of ``method``."""
        return MethodUncertainty(method, self.random_rel, self.systematic_rel)


@dataclass(frozen=True, slots=True)
class UncertaintyTable:
    """Uncertainties by method name; build with :meth:`default`."""

    methods: tuple[MethodUncertainty, ...]

    def __post_init__(self) -> None:
        names = [m.method for m in self.methods]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ComplianceError(f"methods listed twice: {', '.join(duplicates)}")

    @classmethod
    def default(cls) -> UncertaintyTable:
        """The documented default table, :data:`DEFAULT_UNCERTAINTIES`."""
        return cls(DEFAULT_UNCERTAINTIES)

    def get(self, method: str) -> MethodUncertainty:
        """The uncertainty of ``method``."""
        for entry in self.methods:
            if entry.method == method:
                return entry
        known = ", ".join(m.method for m in self.methods)
        raise ComplianceError(f"no uncertainty for method {method!r}; known: {known}")

    def with_estimates(
        self, estimates: Mapping[str, PairedUncertaintyEstimate | MethodUncertainty]
    ) -> UncertaintyTable:
        """A new table in which each method in ``estimates`` replaces (or adds) its entry."""
        replaced = {name: _as_method(name, e) for name, e in estimates.items()}
        kept = [m for m in self.methods if m.method not in replaced]
        return UncertaintyTable((*kept, *replaced.values()))


def _as_method(
    name: str, estimate: PairedUncertaintyEstimate | MethodUncertainty
) -> MethodUncertainty:
    if isinstance(estimate, PairedUncertaintyEstimate):
        return estimate.for_method(name)
    if estimate.method != name:
        raise ComplianceError(f"estimate for {name!r} is labelled {estimate.method!r}")
    return estimate


def estimate_uncertainty_from_pairs(
    declared: Vector, measured: Vector, *, periods: Iterable[object]
) -> PairedUncertaintyEstimate:
    """Estimate random and systematic relative uncertainty from paired data.

    The model is one-way random effects on the relative differences
    ``e_ij = (D_ij − M_ij) / M_ij`` of item ``j`` in period ``i``::

        e_ij = μ + s_i + r_ij,   s_i ~ N(0, σ_s²) per period,   r_ij ~ N(0, σ_r²) per item

    and the estimator is the classical ANOVA (method-of-moments) one, as used for
    operator–inspector differences in Avenhaus & Canty, *Compliance Quantified* (after
    Grubbs)::

        MSW = Σ_i Σ_j (e_ij − ē_i)² / (N − p)                  → σ_r² = MSW
        MSB = Σ_i n_i (ē_i − ē)² / (p − 1)
        n₀  = (N − Σ_i n_i² / N) / (p − 1)                     → σ_s² = max(0, (MSB − MSW) / n₀)

    with ``N`` pairs in ``p`` periods of ``n_i`` pairs. The differences carry the errors
    of both parties, so for an exact declaration they estimate the measuring method,
    otherwise the two combined (an upper bound for either).
    """
    d_values, m_values = broadcast(
        declared=finite_array("declared", declared),
        measured=non_negative_array("measured", measured),
    )
    labels = list(periods)
    if d_values.ndim != 1 or len(labels) != d_values.size:
        raise ComplianceError("declared, measured and periods must be equal-length lists")
    if np.any(m_values == 0):
        raise ComplianceError("measured values must be positive to form relative differences")
    relative = (d_values - m_values) / m_values
    positions: dict[object, list[int]] = {}
    for index, label in enumerate(labels):
        positions.setdefault(label, []).append(index)
    return _one_way_anova([relative[index] for index in positions.values()])


def _one_way_anova(groups: list[FloatArray]) -> PairedUncertaintyEstimate:
    sizes = np.array([g.size for g in groups], dtype=np.float64)
    total, count = float(sizes.sum()), len(groups)
    if count < 2 or total - count < 1:
        raise ComplianceError(
            "need at least two periods and more pairs than periods to separate "
            f"random from systematic uncertainty (got {int(total)} pairs in {count} periods)"
        )
    means = np.array([g.mean() for g in groups])
    grand = float(np.concatenate(groups).mean())
    within = float(sum(((g - g.mean()) ** 2).sum() for g in groups)) / (total - count)
    between = float((sizes * (means - grand) ** 2).sum()) / (count - 1)
    n0 = (total - float((sizes**2).sum()) / total) / (count - 1)
    return PairedUncertaintyEstimate(
        random_rel=within**0.5,
        systematic_rel=max(0.0, (between - within) / n0) ** 0.5,
        mean_relative_difference=grand,
        pairs=int(total),
        periods=count,
        within_mean_square=within,
        between_mean_square=between,
    )

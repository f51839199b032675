"""``reconciliation``: declared against independently measured extraction.

Three tests, as in IAEA verification and EITI reconciliation (Articles 24 and 25):

1. the item test — ``z = (D − M) / σ`` with ``σ`` from the measuring method's
   uncertainty table (IAEA-STR-368): random errors add in quadrature over items,
   systematic errors add linearly within a method (they are shared by every item the
   method measured in the period), and the declaration's own stated uncertainty adds
   in quadrature; flagged when ``z < −k_sigma`` (one-sided: under-declaration);
2. EITI materiality — the difference must exceed both the percentage and the floor;
3. Page's CUSUM (Page 1954) over the periods up to the evaluated one, per subject, for
   protracted under-reporting too small for any single period's test.

A difference is a violation when (1) and (2) both hold, or when the CUSUM is above its
decision interval in the evaluated period. Declared items that the office did not
measure are left out of the comparison; measured items that were not declared count as
declared zero (undeclared extraction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from concord.compliance.context import EvaluationContext
from concord.compliance.findings import Finding, Row, Statistic
from concord.compliance.kinds.reconciliation_sums import (
    SubjectPeriods,
    subject_periods,
    take,
    unfiled,
)
from concord.compliance.statistics import (
    MethodUncertainty,
    cusum,
    is_material,
    item_test,
    under_reporting_scores,
)
from concord.compliance.statistics._validate import BoolArray, FloatArray
from concord.treaty.requirements import Reconciliation

IntArray = NDArray[np.intp]
#: σ is combined beforehand (:mod:`.reconciliation_sums`), so the item test gets it as
#: the declaration's own uncertainty with a zero-uncertainty method: σ² = 0 + 0 + σ².
_COMBINED = MethodUncertainty("combined", random_rel=0.0, systematic_rel=0.0)


def final_cusum_levels(scores: FloatArray, starts: IntArray, k: float, h: float) -> FloatArray:
    """Page's CUSUM level ``S_T`` at the last period of each subject, all subjects at once.

    ``scores`` holds every subject's periods in order, subject ``g`` starting at
    ``starts[g]``. The recursion ``S_t = max(0, S_{t−1} + x_t − k)``, ``S_0 = 0`` (Page
    1954) restarts from 0 after a period whose level exceeded ``h`` (the alarm was acted
    on). It runs over period positions, each step vectorised across every subject, so
    the loop is as long as the longest history (a few dozen periods), never per row.
    Equal to ``cusum(x, k=k, h=h, restart=True).path[-1]``.
    """
    ends = np.append(starts[1:], len(scores))
    lengths = ends - starts
    level = np.zeros(len(starts), dtype=np.float64)
    final = np.zeros(len(starts), dtype=np.float64)
    for t in range(int(lengths.max(initial=0))):
        alive = lengths > t
        value = np.maximum(0.0, level[alive] + scores[starts[alive] + t] - k)
        final[alive] = value
        level[alive] = np.where(value > h, 0.0, value)
    return final


@dataclass(frozen=True, slots=True)
class CusumPath:
    """The CUSUM of one subject as the requirement computes it: ``S_t`` in each compared
    period up to the evaluated one, oldest first, before any restart (a level above
    ``h`` is an alarm, and the next period starts again from 0)."""

    party: str
    subject: str
    points: tuple[tuple[str, float], ...]
    h: float


def cusum_paths(ctx: EvaluationContext, requirement: Reconciliation) -> list[CusumPath]:
    """The CUSUM path of every subject compared in the evaluated period: the statistic
    its finding uses, period by period, so that a chart of it and the finding agree."""
    p = requirement.params
    data = subject_periods(ctx, p.per)
    compared = (data.measured_items > 0) & (data.sigma > 0)
    in_current = np.zeros(len(data.subject_no) and int(data.subject_no[-1]) + 1, np.bool_)
    in_current[data.subject_no[data.current & compared]] = True
    rows = np.flatnonzero(compared & in_current[data.subject_no])
    if not len(rows):
        return []
    subject_no = data.subject_no[rows]
    starts = np.flatnonzero(np.r_[True, subject_no[1:] != subject_no[:-1]])
    ends = np.append(starts[1:], len(rows))
    scores = under_reporting_scores(data.declared[rows], data.measured[rows], data.sigma[rows])
    periods = take(data.period, rows)
    heads = rows[starts]
    out = []
    for party, subject, a, b in zip(
        take(data.party, heads), take(data.subject, heads), starts, ends, strict=True
    ):
        path = cusum(scores[a:b], k=p.cusum.k, h=p.cusum.h, restart=True).path.tolist()
        points = tuple(zip(periods[a:b], path, strict=True))
        out.append(CusumPath(party, subject, points, p.cusum.h))
    return out


def _unfiled(ctx: EvaluationContext, requirement: Reconciliation) -> list[Finding]:
    """Measured extraction of parties that filed no declaration: not reconciled."""
    return [
        ctx.finding(
            requirement,
            "insufficient_evidence",
            f"{party} filed no extraction declaration for {ctx.period}, so its measured "
            "extraction cannot be reconciled; the missing report is a finding of its own.",
            party=party,
            subject=subject_,
            evidence=evidence,
        )
        for party, subject_, evidence in unfiled(ctx, requirement.params.per)
    ]


def evaluate(ctx: EvaluationContext, requirement: object) -> list[Finding]:
    assert isinstance(requirement, Reconciliation)
    data = subject_periods(ctx, requirement.params.per)
    compared = (data.measured_items > 0) & (data.sigma > 0)
    out = _unfiled(ctx, requirement) + _unmeasured(ctx, requirement, data, compared)
    # Subjects compared in the evaluated period, with every earlier compared period.
    in_current = np.zeros(len(data.subject_no) and int(data.subject_no[-1]) + 1, np.bool_)
    in_current[data.subject_no[data.current & compared]] = True
    rows = np.flatnonzero(compared & in_current[data.subject_no])
    if len(rows):
        out += _compared(ctx, requirement, data, rows)
    elif not out:
        out.append(
            ctx.finding(
                requirement,
                "insufficient_evidence",
                f"Neither declarations nor measurements of extraction are recorded for "
                f"{ctx.period}.",
            )
        )
    return out


def _unmeasured(
    ctx: EvaluationContext, requirement: Reconciliation, data: SubjectPeriods, compared: BoolArray
) -> list[Finding]:
    """Subjects declared in the evaluated period but not measured."""
    rows = np.flatnonzero(data.current & ~compared)
    return [
        ctx.finding(
            requirement,
            "insufficient_evidence",
            f"{_label(party, subject)}'s declaration for {ctx.period} has no "
            "independent measurement to compare it with.",
            party=party,
            subject=subject,
            evidence=data.evidence[i],
        )
        for i, party, subject in zip(
            rows.tolist(), take(data.party, rows), take(data.subject, rows), strict=True
        )
    ]


def _compared(
    ctx: EvaluationContext, requirement: Reconciliation, data: SubjectPeriods, rows: IntArray
) -> list[Finding]:
    """The three tests for each subject of ``rows`` (its compared periods, in order)."""
    p = requirement.params
    subject_no = data.subject_no[rows]
    starts = np.flatnonzero(np.r_[True, subject_no[1:] != subject_no[:-1]])
    declared, measured, sigma = data.declared[rows], data.measured[rows], data.sigma[rows]
    scores = under_reporting_scores(declared, measured, sigma)
    levels = final_cusum_levels(scores, starts, p.cusum.k, p.cusum.h)
    last = np.append(starts[1:], len(rows)) - 1  # each subject's evaluated period
    at = rows[last]
    d, m, s = declared[last], measured[last], sigma[last]
    test = item_test(d, m, _COMBINED, declared_sigma=s, k=p.k_sigma)
    material = is_material(d, m, p.materiality.percent, p.materiality.absolute_floor)
    limits = np.maximum.reduce(
        [
            p.k_sigma * s,
            p.materiality.percent / 100 * np.maximum(d, m),
            np.full(len(at), p.materiality.absolute_floor),
        ]
    )
    return Finding.many(
        requirement=requirement.id,
        provisions=tuple(requirement.cites),
        period=ctx.period_id,
        record_time=ctx.record_time,
        rows=map(
            _Wording(ctx, requirement).row,
            take(data.party, at),
            take(data.subject, at),
            d.tolist(),
            m.tolist(),
            test.z.tolist(),
            (test.flagged & material).tolist(),
            levels.tolist(),
            take(data.period, rows[starts]),
            limits.tolist(),
            [data.evidence[i] for i in at.tolist()],
        ),
    )


class _Wording:
    """The finding of a compared subject, in the requirement's words."""

    def __init__(self, ctx: EvaluationContext, req: Reconciliation) -> None:
        p = req.params
        self.period, self.h = ctx.period_id, p.cusum.h
        self.significant = (
            f": an under-declaration beyond {p.k_sigma:g} standard deviations and material "
            f"(over {p.materiality.percent:g} % and {p.materiality.absolute_floor:g} "
            f"{p.materiality.unit})."
        )
        self.protracted = f", above the decision interval {p.cusum.h:g}."
        self.compliant = (
            f": within {p.k_sigma:g} standard deviations or not material, and no "
            "persistent under-reporting."
        )

    def row(
        self,
        party: str,
        subject: str,
        d: float,
        m: float,
        z: float,
        significant: bool,
        level: float,
        first: str,
        limit: float,
        evidence: list[int],
    ) -> Row:
        base = (
            f"{_label(party, subject)} declared {d:,.1f} t for {self.period} against "
            f"{m:,.1f} t measured (difference {d - m:+,.1f} t, z = {z:.2f})"
        )
        if significant:
            explanation = base + self.significant
            return party, subject, "violation", explanation, m, limit, Statistic("z", z), evidence
        if level > self.h:
            explanation = (
                f"{base}; protracted under-reporting: the cumulative sum over {first}–"
                f"{self.period} is {level:.2f}{self.protracted}"
            )
            statistic = Statistic("cusum", level)
            return party, subject, "violation", explanation, m, self.h, statistic, evidence
        compliant = base + self.compliant
        return party, subject, "compliant", compliant, m, limit, Statistic("z", z), evidence


def _label(party: str, subject: str) -> str:
    if party and subject:
        return f"{party} at {subject}"
    return party or subject

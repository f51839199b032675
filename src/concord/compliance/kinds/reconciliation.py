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

import numpy as np
from numpy.typing import NDArray

from concord.compliance.context import EvaluationContext
from concord.compliance.findings import Finding
from concord.compliance.statistics import (
    MethodUncertainty,
    is_material,
    item_test,
    under_reporting_scores,
)
from concord.compliance.statistics._validate import FloatArray
from concord.treaty.requirements import Reconciliation

#: σ is combined in SQL, so the item test gets it as the declaration's own uncertainty
#: with a zero-uncertainty method: σ² = 0 + 0 + σ_combined².
IntArray = NDArray[np.intp]
_COMBINED = MethodUncertainty("combined", random_rel=0.0, systematic_rel=0.0)
_GROUP = {
    "site": ("i.party", "i.site"),
    "party": ("i.party", "''"),
    "sector": ("''", "st.ancestor"),
}
_SECTOR_JOIN = {
    "site": "",
    "party": "",
    "sector": "JOIN sector_tree st ON st.sector = i.sector AND st.is_root",
}


#: Prefix of the working tables shared by every reconciliation requirement of one
#: evaluation (the engine drops them when the evaluation ends).
WORKING_TABLES = "reconciliation_sums_"

#: Per-item comparison (party, site, mineral, period) of every period up to the evaluated
#: one, summed per site, sector, method and cited statement in one pass: built once per
#: evaluation and shared by every reconciliation requirement, whatever it groups by. The
#: items themselves are never stored, and statement indexes are kept for the evaluated
#: period only (the only one whose evidence is cited). Sums are exact (``EXACT``), so
#: findings do not depend on the order in which a parallel aggregation, or a store
#: refreshed instead of rebuilt, adds the items.
_SUMS = """
    CREATE TEMP TABLE IF NOT EXISTS {name} AS
    WITH d AS (SELECT * FROM extraction_declarations
               WHERE list_contains($periods::VARCHAR[], period)),
         -- A party that filed no extraction declaration for a period is not reconciled
         -- for it: the missing report is its own violation (report_due), not a declared 0.
         m AS (SELECT * FROM extraction_measurements em
               WHERE list_contains($periods::VARCHAR[], em.period)
                 AND EXISTS (SELECT 1 FROM declarations f
                             WHERE f.declaration_type = 'extraction' AND f.party = em.party
                               AND f.period = em.period)),
         items AS (
             SELECT coalesce(m.party, d.party) AS party, coalesce(m.site, d.site) AS site,
                    coalesce(m.sector, d.sector) AS sector,
                    coalesce(m.period, d.period) AS period, m.method,
                    CAST(m.measured_tonnes AS {EXACT}) AS measured,
                    CASE WHEN m.measured_tonnes IS NOT NULL
                         THEN CAST(coalesce(d.declared_tonnes, 0) AS {EXACT}) END AS declared,
                    CASE WHEN m.measured_tonnes IS NOT NULL
                         THEN CAST(coalesce(d.declared_sigma_tonnes, 0) ^ 2 AS {EXACT})
                    END AS declared_var,
                    CAST((m.measured_tonnes * u.random_rel) ^ 2 AS {EXACT}) AS random_var,
                    CAST(m.measured_tonnes * u.systematic_rel AS {EXACT}) AS systematic_sd,
                    CASE WHEN coalesce(m.period, d.period) = $current
                         THEN d.statement_index END AS d_index,
                    CASE WHEN coalesce(m.period, d.period) = $current
                         THEN m.statement_index END AS m_index
             FROM d FULL JOIN m ON d.party = m.party AND d.site = m.site
                                AND d.mineral = m.mineral AND d.period = m.period
             LEFT JOIN methods u ON u.method = m.method)
    SELECT party, site, sector, period, method, d_index, m_index,
           sum(declared) AS declared, sum(measured) AS measured,
           sum(declared_var) AS declared_var, sum(random_var) AS random_var,
           sum(systematic_sd) AS systematic_sd, count(measured) AS measured_items
    FROM items
    GROUP BY ALL
"""
#: Items are added as decimals to 12 places, finer than the 6 that findings publish.
EXACT = "DECIMAL(38, 12)"


def _sums(ctx: EvaluationContext) -> str:
    name = WORKING_TABLES + ctx.period.id.replace("-", "_")
    ctx.con.execute(
        _SUMS.format(name=name, EXACT=EXACT),
        {"periods": ctx.periods_through(), "current": ctx.period.id},
    )
    return name


def _query(per: str, sums: str) -> str:
    party, subject = _GROUP[per]
    return f"""
    WITH g AS (
        SELECT {party} AS party, {subject} AS subject, i.period, i.method,
               sum(i.declared) AS declared, sum(i.measured) AS measured,
               sum(i.declared_var) AS declared_var, sum(i.random_var) AS random_var,
               sum(i.systematic_sd) AS systematic_sd, sum(i.measured_items) AS measured_items,
               list(i.d_index) FILTER (WHERE i.d_index IS NOT NULL) AS d_index,
               list(i.m_index) FILTER (WHERE i.m_index IS NOT NULL) AS m_index
        FROM {sums} i {_SECTOR_JOIN[per]}
        GROUP BY ALL)
    SELECT party, subject, period,
           CAST(sum(CAST(coalesce(declared, 0) AS DECIMAL(38, 6))) AS DOUBLE) AS declared,
           CAST(sum(CAST(coalesce(measured, 0) AS DECIMAL(38, 6))) AS DOUBLE) AS measured,
           -- Systematic errors add linearly within a method, then in quadrature.
           sqrt(CAST(sum(coalesce(declared_var, 0) + coalesce(random_var, 0)
                         + CAST(CAST(coalesce(systematic_sd, 0) AS DOUBLE) ^ 2 AS {EXACT}))
                     AS DOUBLE)) AS sigma,
           sum(measured_items) AS measured_items,
           CASE WHEN period = $current
                THEN list_sort(list_distinct(flatten(list(list_concat(coalesce(d_index, []),
                                                                      coalesce(m_index, []))))))
           END AS evidence
    FROM g GROUP BY party, subject, period ORDER BY party, subject, period
    """


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


_UNFILED = """
    SELECT DISTINCT em.party, {subject} AS subject,
           list(DISTINCT em.statement_index) OVER (PARTITION BY em.party, {subject}) AS evidence
    FROM extraction_measurements em {join}
    WHERE em.period = $current AND NOT EXISTS (
        SELECT 1 FROM declarations f WHERE f.declaration_type = 'extraction'
          AND f.party = em.party AND f.period = em.period)
    ORDER BY em.party, subject
"""


def _unfiled(ctx: EvaluationContext, requirement: Reconciliation) -> list[Finding]:
    """Measured extraction of parties that filed no declaration: not reconciled."""
    per = requirement.params.per
    subject = {"site": "em.site", "party": "''", "sector": "st.ancestor"}[per]
    join = "JOIN sector_tree st ON st.sector = em.sector AND st.is_root" if per == "sector" else ""
    rows = ctx.con.execute(
        _UNFILED.format(subject=subject, join=join), {"current": ctx.period.id}
    ).fetchall()
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
        for party, subject_, evidence in rows
    ]


def evaluate(ctx: EvaluationContext, requirement: object) -> list[Finding]:
    assert isinstance(requirement, Reconciliation)
    p = requirement.params
    unfiled = _unfiled(ctx, requirement)
    sums = _sums(ctx)
    data = ctx.con.execute(_query(p.per, sums), {"current": ctx.period.id}).fetchnumpy()
    party, subject, period = data["party"], data["subject"], data["period"]
    declared, measured, sigma = (
        np.asarray(data[c], dtype=np.float64) for c in ("declared", "measured", "sigma")
    )
    evidence = data["evidence"]
    current = period == ctx.period.id
    compared = (np.asarray(data["measured_items"]) > 0) & (sigma > 0)
    out = unfiled + [
        ctx.finding(
            requirement,
            "insufficient_evidence",
            f"{_label(party[i], subject[i])}'s declaration for {ctx.period} has no "
            "independent measurement to compare it with.",
            party=party[i],
            subject=subject[i],
            evidence=evidence[i],
        )
        for i in np.flatnonzero(current & ~compared)
    ]
    # Subjects compared in the evaluated period, with every earlier compared period.
    keys = np.char.add(np.char.add(party.astype(str), "\x1f"), subject.astype(str))
    wanted = np.isin(keys, keys[current & compared]) & compared
    if not wanted.any():
        if not out:
            out.append(
                ctx.finding(
                    requirement,
                    "insufficient_evidence",
                    f"Neither declarations nor measurements of extraction are recorded for "
                    f"{ctx.period}.",
                )
            )
        return out
    rows = np.flatnonzero(wanted)
    starts = np.flatnonzero(np.r_[True, keys[rows][1:] != keys[rows][:-1]])
    scores = under_reporting_scores(declared[rows], measured[rows], sigma[rows])
    levels = final_cusum_levels(scores, starts, p.cusum.k, p.cusum.h)
    firsts = period[rows][starts]
    last = np.append(starts[1:], len(rows)) - 1
    at = rows[last]  # the evaluated period's row of each subject
    d, m, s = declared[at], measured[at], sigma[at]
    test = item_test(d, m, _COMBINED, declared_sigma=s, k=p.k_sigma)
    material = is_material(d, m, p.materiality.percent, p.materiality.absolute_floor)
    limits = np.maximum.reduce(
        [
            p.k_sigma * s,
            p.materiality.percent / 100 * np.maximum(d, m),
            np.full(len(at), p.materiality.absolute_floor),
        ]
    )
    for n, i in enumerate(at):
        out.append(
            _finding(
                ctx,
                requirement,
                party[i],
                subject[i],
                float(d[n]),
                float(m[n]),
                float(test.z[n]),
                bool(test.flagged[n] and material[n]),
                float(levels[n]),
                str(firsts[n]),
                float(limits[n]),
                evidence[i],
            )
        )
    return out


def _finding(
    ctx: EvaluationContext,
    req: Reconciliation,
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
) -> Finding:
    p = req.params
    base = (
        f"{_label(party, subject)} declared {d:,.1f} t for {ctx.period} against {m:,.1f} t "
        f"measured (difference {d - m:+,.1f} t, z = {z:.2f})"
    )
    if significant:
        return ctx.finding(
            req,
            "violation",
            f"{base}: an under-declaration beyond {p.k_sigma:g} standard deviations and "
            f"material (over {p.materiality.percent:g} % and {p.materiality.absolute_floor:g} "
            f"{p.materiality.unit}).",
            party=party,
            subject=subject,
            measured=m,
            threshold=limit,
            statistic=("z", z),
            evidence=evidence,
        )
    if level > p.cusum.h:
        return ctx.finding(
            req,
            "violation",
            f"{base}; protracted under-reporting: the cumulative sum over {first}–"
            f"{ctx.period} is {level:.2f}, above the decision interval {p.cusum.h:g}.",
            party=party,
            subject=subject,
            measured=m,
            threshold=p.cusum.h,
            statistic=("cusum", level),
            evidence=evidence,
        )
    return ctx.finding(
        req,
        "compliant",
        f"{base}: within {p.k_sigma:g} standard deviations or not material, and no "
        "persistent under-reporting.",
        party=party,
        subject=subject,
        measured=m,
        threshold=limit,
        statistic=("z", z),
        evidence=evidence,
    )


def _label(party: str, subject: str) -> str:
    if party and subject:
        return f"{party} at {subject}"
    return party or subject

"""What every reconciliation requirement compares: declared against measured extraction,
summed per subject and period, with the combined uncertainty of the measurement.

Items (party, site, mineral, period) of every period up to the evaluated one are joined
and summed per party, site, period and method in one pass over the evidence
(:func:`shared_sums`), once per evaluation and kept with it, for every requirement per
site or per party (requirements per sector share sums per party and sector). A
requirement groups those sums by method for its subjects (:func:`subject_periods`); the
methods are then combined here, in a fixed order.

Sums are exact (DECIMAL to 12 places), so findings do not depend on the order in which a
parallel aggregation, or a store refreshed instead of rebuilt, adds the items. Declared
and measured tonnes are rounded to 6 places per method, as findings publish them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from concord.compliance.context import EvaluationContext
from concord.compliance.statistics._validate import BoolArray, FloatArray
from concord.errors import ComplianceError

IntArray = NDArray[np.int64]

#: Places kept in the sums (finer than the 6 that findings publish).
EXACT = "DECIMAL(38, 12)"

#: Items (party, site, mineral, period). Declared items that were not measured are left
#: out of the comparison; measured items that were not declared count as declared 0. The
#: method's relative errors are constants of the method, so only the tonnes and their
#: squares are kept: Σ(M·r)² = r²·ΣM² (random errors add in quadrature over items) and
#: Σ M·s = s·ΣM (systematic errors add linearly within a method).
_ITEMS = """
    d AS (SELECT *, declared_sigma_tonnes * declared_sigma_tonnes AS declared_var
          FROM extraction_declarations WHERE period <= '{current}'),
    m AS (SELECT * FROM extraction_measurements WHERE period <= '{current}'),
    items AS (
        SELECT coalesce(m.party, d.party) AS party, coalesce(m.site, d.site) AS site,
               coalesce(m.sector, d.sector) AS sector, coalesce(m.period, d.period) AS period,
               m.method,
               CAST(m.measured_tonnes AS {exact}) AS measured,
               CAST(m.measured_tonnes * m.measured_tonnes AS {exact}) AS measured_sq,
               CASE WHEN m.measured_tonnes IS NOT NULL
                    THEN CAST(coalesce(d.declared_tonnes, 0) AS {exact}) END AS declared,
               CASE WHEN m.measured_tonnes IS NOT NULL
                    THEN CAST(coalesce(d.declared_var, 0) AS {exact}) END AS declared_var,
               -- Evidence is cited for the evaluated period only.
               CASE WHEN coalesce(m.period, d.period) = '{current}'
                    THEN d.statement_index END AS d_index,
               CASE WHEN coalesce(m.period, d.period) = '{current}'
                    THEN m.statement_index END AS m_index
        FROM d FULL JOIN m ON d.party = m.party AND d.site = m.site
                           AND d.mineral = m.mineral AND d.period = m.period)
"""

#: The sums of every period up to the evaluated one, per party, site (or sector), period
#: and method. Period ids of one calendar sort as their periods do, so ``<= current``
#: keeps a superset of the periods listed; the others are marked once summed (marked,
#: not filtered out, which the planner would move back below the join). A party that
#: filed no extraction declaration for a period is not reconciled for it: the missing
#: report is its own violation (report_due), not a declared 0. Every declared row comes
#: from a filed declaration (the store loads it from the filing), so the sums of an
#: evaluated period that are not ``reconciled`` hold exactly the measurements of a party
#: that did not file.
_SUMS = """
    WITH {items},
    sums AS (
        SELECT {grain}, period, method,
               sum(declared) AS declared, sum(measured) AS measured,
               sum(declared_var) AS declared_var, sum(measured_sq) AS measured_sq,
               count(measured) AS measured_items,
               list(d_index) FILTER (WHERE d_index IS NOT NULL) AS d_index,
               list(m_index) FILTER (WHERE m_index IS NOT NULL) AS m_index
        FROM items
        GROUP BY {grain}, period, method)
    SELECT *, s.period IN ({periods})
              AND EXISTS (SELECT 1 FROM declarations f
                          WHERE f.declaration_type = 'extraction' AND f.party = s.party
                            AND f.period = s.period) AS reconciled
    FROM sums s
"""

#: Per requirement: the sums it reads (their grain), and its (party, subject).
_GRAIN = {"site": "party, site", "party": "party, site", "sector": "party, sector"}
_SUBJECT = {
    "site": ("s.party", "s.site", ""),
    "party": ("s.party", "''", ""),
    "sector": ("''", "st.ancestor", "JOIN sector_tree st ON st.sector = s.sector AND st.is_root"),
}
_GROUPED = """
    SELECT {party} AS party, {subject} AS subject, s.period, s.method,
           sum(s.declared) AS declared, sum(s.measured) AS measured,
           sum(s.declared_var) AS declared_var, sum(s.measured_sq) AS measured_sq,
           CAST(sum(s.measured_items) AS BIGINT) AS measured_items,
           flatten(list(s.d_index)) AS d_index, flatten(list(s.m_index)) AS m_index
    FROM {sums} s {join}
    WHERE s.reconciled
    GROUP BY ALL
"""

#: Measured extraction of parties that filed no declaration for the evaluated period,
#: per party and subject.
_UNFILED = """
    SELECT s.party, {subject} AS subject, flatten(list(s.m_index)) AS evidence
    FROM {sums} s {join}
    WHERE NOT s.reconciled AND s.period = '{current}'
    GROUP BY ALL
    ORDER BY ALL
"""
_UNFILED_SUBJECT = {"site": "s.site", "party": "''", "sector": "st.ancestor"}
#: The name the sums are queried by.
_SUMS_VIEW = "reconciliation_sums"


def shared_sums(ctx: EvaluationContext, per: str) -> pa.Table:
    """This evaluation's sums for requirements ``per`` site, party or sector, made on
    first use and kept with the evaluation."""
    grain = _GRAIN[per]
    key = f"reconciliation sums per {grain}"
    sums = ctx.shared.get(key)
    if sums is None:
        # Period ids come from the calendar (validated), never from evidence.
        periods = ", ".join(f"'{p}'" for p in ctx.periods_through())
        items = _ITEMS.format(current=ctx.period_id, exact=EXACT)
        query = _SUMS.format(items=items, grain=grain, periods=periods)
        sums = ctx.shared[key] = ctx.con.sql(query).to_arrow_table()
    return sums


def _query(ctx: EvaluationContext, per: str, sql: str) -> pa.Table:
    """``sql`` over the shared sums for ``per`` (named ``{sums}`` in it)."""
    ctx.con.register(_SUMS_VIEW, shared_sums(ctx, per))
    try:
        return ctx.con.sql(sql.format(sums=_SUMS_VIEW)).to_arrow_table()
    finally:
        ctx.con.unregister(_SUMS_VIEW)


def unfiled(ctx: EvaluationContext, per: str) -> list[tuple[str, str, list[int]]]:
    """(party, subject, statement indexes) measured in the evaluated period for parties
    that filed no extraction declaration for it."""
    sql = _UNFILED.format(
        subject=_UNFILED_SUBJECT[per], join=_SUBJECT[per][2], current=ctx.period_id, sums="{sums}"
    )
    rows = _query(ctx, per, sql)
    return list(zip(*(rows.column(c).to_pylist() for c in rows.column_names), strict=True))


@dataclass(frozen=True, slots=True)
class SubjectPeriods:
    """Every (party, subject, period) of a requirement, in that order, as columns."""

    party: pa.Array
    subject: pa.Array
    period: pa.Array
    #: Which subject (0, 1, …) each row is of.
    subject_no: IntArray
    declared: FloatArray
    measured: FloatArray
    #: The combined standard uncertainty of declared − measured.
    sigma: FloatArray
    measured_items: IntArray
    current: BoolArray
    #: Statement indexes cited, for the evaluated period's rows (``None`` elsewhere).
    evidence: list[list[int] | None]


def take(column: pa.Array, rows: NDArray[np.intp]) -> list[Any]:
    """Python values of ``column`` at ``rows``."""
    values: list[Any] = column.take(pa.array(rows, type=pa.int64())).to_pylist()
    return values


def subject_periods(ctx: EvaluationContext, per: str) -> SubjectPeriods:
    """Declared, measured and σ per subject and period, for subjects ``per`` site, party or
    sector (sectors are their root sectors)."""
    party, subject, join = _SUBJECT[per]
    if per == "site":
        # Per site the sums are already one row per subject, period and method.
        sums = shared_sums(ctx, per)
        rows = (
            sums.filter(sums.column("reconciled"))
            .rename_columns({"site": "subject"})
            .combine_chunks()
        )
    else:
        grouped = _GROUPED.format(party=party, subject=subject, join=join, sums="{sums}")
        rows = _query(ctx, per, grouped).combine_chunks()
    order = _Order(rows)
    starts = order.starts
    heads = pa.array(order.rows[starts])
    period = rows.column("period").take(heads)
    current = pc.equal(period, ctx.period_id).to_numpy(zero_copy_only=False)
    measured = _float(rows, "measured")[order.rows]
    # σ² per method: declaration's own, random (quadrature), systematic (linear) ...
    random_rel, systematic_rel = _relative_errors(ctx, order.methods)
    variance = (
        _float(rows, "declared_var")[order.rows]
        + random_rel[order.method] ** 2 * _float(rows, "measured_sq")[order.rows]
        + (systematic_rel[order.method] * measured) ** 2
    )
    return SubjectPeriods(
        party=rows.column("party").take(heads),
        subject=rows.column("subject").take(heads),
        period=period,
        subject_no=np.cumsum(order.new_subject[starts]) - 1,
        declared=_tonnes(rows, "declared", order),
        measured=_tonnes(rows, "measured", order),
        # ... and the methods' variances add (in the order of the methods' names).
        sigma=np.sqrt(_reduce(variance, starts)),
        measured_items=_reduce(rows.column("measured_items").to_numpy()[order.rows], starts),
        current=current,
        evidence=_evidence(rows, order, current),
    )


class _Order:
    """The rows by method of a requirement, put in order: each subject's rows together,
    its periods in order and, within a period, its methods in order of their names (then
    no method). Subjects themselves come in no particular order."""

    def __init__(self, rows: pa.Table) -> None:
        party, _ = _codes(rows.column("party"))
        subject, _ = _codes(rows.column("subject"))
        period, _ = _ranks(*_codes(rows.column("period")))
        method, self.methods = _ranks(*_codes(rows.column("method")))
        #: The rows, in order (positions in ``rows``).
        self.rows: IntArray = np.lexsort((method, period, subject, party))
        #: Each row's method, as its place in :attr:`methods`.
        self.method: IntArray = method[self.rows]
        party, subject, period = party[self.rows], subject[self.rows], period[self.rows]
        #: Whether each row, in order, starts a new subject.
        self.new_subject: BoolArray = _differs(party) | _differs(subject)
        #: Where each (party, subject, period) starts, in order.
        self.starts: IntArray = np.flatnonzero(self.new_subject | _differs(period))


def _differs(values: IntArray) -> BoolArray:
    """Whether each value differs from the one before it (the first one does)."""
    out = np.ones(len(values), dtype=np.bool_)
    out[1:] = values[1:] != values[:-1]
    return out


def _codes(column: pa.ChunkedArray) -> tuple[IntArray, list[Any]]:
    """Each row's value as a number (first seen, first numbered; NULL after every value),
    and the values numbered."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    indices = pc.fill_null(encoded.indices, len(encoded.dictionary))
    return indices.to_numpy().astype(np.int64), encoded.dictionary.to_pylist()


def _ranks(codes: IntArray, values: list[Any]) -> tuple[IntArray, list[Any]]:
    """The codes renumbered in the order of their values (NULL still last), and the values
    in that order (code points sort as the store's bytes do)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(values) + 1, dtype=np.int64)
    rank[order] = np.arange(len(values))
    rank[-1] = len(values)
    ranked: IntArray = rank[codes]
    return ranked, [values[i] for i in order]


def _relative_errors(ctx: EvaluationContext, methods: list[str]) -> tuple[FloatArray, FloatArray]:
    """Random and systematic relative errors of each of ``methods``, then of no method: 0
    (as for a method the uncertainty table does not list)."""
    known = {m.method: m for m in ctx.uncertainties.methods}
    listed = [known.get(name) for name in methods]
    random_rel = [m.random_rel if m else 0.0 for m in listed]
    systematic_rel = [m.systematic_rel if m else 0.0 for m in listed]
    return np.array([*random_rel, 0.0]), np.array([*systematic_rel, 0.0])


def _reduce(values: NDArray[Any], starts: NDArray[np.intp]) -> NDArray[Any]:
    """Sums of ``values`` from each start to the next, in order."""
    return np.add.reduceat(values, starts) if len(starts) else values[:0]


def _decimals(rows: pa.Table, column: str) -> pa.Array:
    """An exact decimal column, nothing summed read as 0."""
    values = rows.column(column).combine_chunks()
    return pc.fill_null(values, pa.scalar(0, values.type))


def _float(rows: pa.Table, column: str) -> FloatArray:
    """An exact decimal column as floats (not always the nearest, always the same)."""
    values: FloatArray = pc.cast(_decimals(rows, column), pa.float64()).to_numpy()
    return values


def _tonnes(rows: pa.Table, column: str, order: _Order) -> FloatArray:
    """Each method's exact sum rounded to 6 places (ties away from zero), added over the
    methods of each (party, subject, period) exactly, as the nearest float."""
    rounded = pc.cast(
        pc.round(_decimals(rows, column), 6, round_mode="half_towards_infinity"),
        pa.decimal128(38, 6),
    )
    micro = _unscaled(rounded)[order.rows]
    # Below 2**53 (9 billion tonnes) the integer and 10**6 are exact floats and the
    # division rounds once: the nearest float to the decimal.
    tonnes: FloatArray = _reduce(micro, order.starts).astype(np.float64) / 1e6
    return tonnes


def _unscaled(decimals: pa.Array) -> IntArray:
    """The integers behind a decimal128 array (which must fit in 64 bits)."""
    if len(decimals) == 0:
        return np.zeros(0, dtype=np.int64)
    words: IntArray = np.frombuffer(decimals.buffers()[1], dtype="<i8")
    words = words[2 * decimals.offset : 2 * (decimals.offset + len(decimals))]
    low, high = words[0::2], words[1::2]
    if not np.array_equal(high, low >> 63):
        raise ComplianceError("extraction totals beyond 9 trillion tonnes cannot be reconciled")
    return low


def _evidence(rows: pa.Table, order: _Order, current: BoolArray) -> list[list[int] | None]:
    """The statement indexes of each evaluated-period row, over all of its methods."""
    starts = order.starts
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(order.rows))))
    wanted = np.flatnonzero(current[group])
    taken = pa.array(order.rows[wanted])
    out: list[list[int] | None] = [None] * len(starts)
    for column in ("d_index", "m_index"):
        lists = rows.column(column).combine_chunks().take(taken)
        values = pc.list_flatten(lists).to_numpy(zero_copy_only=False).tolist()
        offsets = np.asarray(lists.offsets)
        bounds = (offsets - offsets[0]).tolist()
        for k, n in enumerate(group[wanted].tolist()):
            indexes = values[bounds[k] : bounds[k + 1]]
            previous = out[n]
            out[n] = indexes if previous is None else previous + indexes
    return out

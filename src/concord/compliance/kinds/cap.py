"""``cap``: the sum of a quantity per party, sector or site stays within a limit.

Article 19 (Sector Seven-Beta: 12,000 t per period in total, 6,000 t per Party) and
Article 26 (Sector Four-Gamma). A zone counts towards its parent sector (Annex I), so
sites are mapped to every sector that contains them through ``sector_tree``. Sums are
taken in DECIMAL so that they do not depend on the order of a parallel aggregation.
"""

from __future__ import annotations

from concord.compliance.context import EvaluationContext
from concord.compliance.findings import Finding
from concord.errors import ComplianceError
from concord.treaty.requirements import Cap

#: The quantities a cap may name, and the table and column that hold them.
QUANTITIES = {
    "measured_tonnes": ("extraction_measurements", "measured_tonnes"),
    "declared_tonnes": ("extraction_declarations", "declared_tonnes"),
    "extraction_tonnes": ("extraction_declarations", "declared_tonnes"),
}
_KEY = {"party": "t.party", "sector": "st.ancestor", "site": "t.site"}


def evaluate(ctx: EvaluationContext, requirement: object) -> list[Finding]:
    assert isinstance(requirement, Cap)
    p = requirement.params
    if p.quantity not in QUANTITIES:
        raise ComplianceError(
            f"{requirement.id}: unknown quantity {p.quantity!r}",
            details=[f"known: {', '.join(QUANTITIES)}"],
        )
    table, column = QUANTITIES[p.quantity]
    in_sectors = "list_contains(?::VARCHAR[], st.ancestor)" if p.sectors else "st.is_root"
    rows = ctx.rows(
        f"""SELECT {_KEY[p.per]} AS key, any_value(t.party),
                   CAST(sum(CAST(t.{column} AS DECIMAL(38, 6))) AS DOUBLE),
                   list(DISTINCT t.statement_index ORDER BY t.statement_index)
            FROM {table} t JOIN sector_tree st ON st.sector = t.sector
            WHERE t.period = ? AND {in_sectors}
            GROUP BY key ORDER BY key""",
        [ctx.period.id, *([p.sectors] if p.sectors else [])],
    )
    evidence_count = ctx.rows(f"SELECT count(*) FROM {table} WHERE period = ?", [ctx.period.id])
    where = f" in {', '.join(p.sectors)}" if p.sectors else ""
    if evidence_count[0][0] == 0:
        return [
            ctx.finding(
                requirement,
                "insufficient_evidence",
                f"No {p.quantity.replace('_', ' ')} are recorded for {ctx.period}.",
            )
        ]
    totals = {key: (party, total, idx) for key, party, total, idx in rows}
    if p.per == "sector":
        for sector in p.sectors:
            totals.setdefault(sector, ("", 0.0, []))
    out = []
    for key, (party, total, indexes) in sorted(totals.items()):
        over = total > p.limit
        whose = {
            "party": f"{key}'s extraction",
            "sector": f"Extraction in {key}",
            "site": f"Extraction at site {key}",
        }[p.per]
        verdict = "exceeds" if over else "is within"
        out.append(
            ctx.finding(
                requirement,
                "violation" if over else "compliant",
                f"{whose}{where if p.per != 'sector' else ''} in {ctx.period} was "
                f"{total:,.1f} {p.unit}, which {verdict} the limit of {p.limit:,.0f} {p.unit}.",
                party=key if p.per == "party" else (party if p.per == "site" else ""),
                subject="" if p.per == "party" else key,
                measured=total,
                threshold=p.limit,
                evidence=indexes,
            )
        )
    return out

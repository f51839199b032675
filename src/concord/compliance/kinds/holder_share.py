"""``holder_share``: no holder holds more than ``max_share`` of a sector.

Article 37: no holder shall hold claims covering more than forty per cent of the area
of any sector. The share is of the sector's area (Annex I polygon), not of the claimed
area; a claim in a zone counts towards its parent sector. With ``measure: extraction``
the share is of the extraction measured in the sector, attributed to the holder of the
claim containing each site. Claims come from the claims registry's tables (``claims``,
``site_claims``, ``holder_areas``), as they stood in the evaluated period; without them
the finding is ``insufficient_evidence``.

"Claims covering": a holder's area is the ground its claims cover, the union of their
geometries (``holder_areas``), so two overlapping claims of one holder count their
common ground once.
"""

from __future__ import annotations

from concord.compliance.context import EvaluationContext
from concord.compliance.findings import Finding
from concord.treaty.requirements import HolderShare

_BY_AREA = """
    SELECT h.holder, h.sector, h.area_km2 / a.area_km2, string_split(coalesce(h.claim_ids, ''), ',')
    FROM holder_areas h JOIN sector_tree st ON st.sector = h.sector AND st.ancestor = h.sector
    JOIN sector_areas a ON a.sector = h.sector
    WHERE h.period = ? AND {sectors}
    ORDER BY h.sector, h.holder
"""

_BY_EXTRACTION = """
    WITH x AS (
        SELECT st.ancestor AS sector, sc.holder, m.measured_tonnes, m.statement_index
        FROM extraction_measurements m
        JOIN site_claims sc ON sc.site = m.site AND sc.period = m.period
        JOIN sector_tree st ON st.sector = m.sector
        WHERE m.period = ? AND {sectors}),
    t AS (SELECT sector, sum(measured_tonnes) AS total FROM x GROUP BY sector)
    SELECT x.holder, x.sector, sum(x.measured_tonnes) / any_value(t.total),
           list(DISTINCT CAST(x.statement_index AS VARCHAR))
    FROM x JOIN t USING (sector) GROUP BY ALL ORDER BY x.sector, x.holder
"""


def evaluate(ctx: EvaluationContext, requirement: object) -> list[Finding]:
    assert isinstance(requirement, HolderShare)
    p = requirement.params
    claims = ctx.rows(
        "SELECT (SELECT count(*) FROM claims WHERE period = $1)"
        " + (SELECT count(*) FROM site_claims WHERE period = $1)",
        [ctx.period_id],
    )
    if claims[0][0] == 0:
        return [
            ctx.finding(
                requirement,
                "insufficient_evidence",
                "The claims registry holds no claims to measure holders' shares against.",
            )
        ]
    sectors = "list_contains(?::VARCHAR[], st.ancestor)" if p.sectors else "st.is_root"
    extra = [p.sectors] if p.sectors else []
    if p.measure == "area":
        rows = ctx.rows(_BY_AREA.format(sectors=sectors), [ctx.period_id, *extra])
        what = "of the area"
    else:
        rows = ctx.rows(_BY_EXTRACTION.format(sectors=sectors), [ctx.period.id, *extra])
        what = f"of the extraction in {ctx.period}"
    out = []
    for holder, sector, share, listed in rows:
        refs = [r for r in listed if r]
        over = share > p.max_share
        evidence = [int(r) for r in refs] if p.measure == "extraction" else []
        out.append(
            ctx.finding(
                requirement,
                "violation" if over else "compliant",
                f"{holder} holds {share:.1%} {what} of {sector}, "
                f"{'above' if over else 'within'} the limit of {p.max_share:.0%}"
                + (f" (claims {', '.join(refs)})." if p.measure == "area" else "."),
                party=holder,
                subject=sector,
                measured=share,
                threshold=p.max_share,
                evidence=evidence,
            )
        )
    return out

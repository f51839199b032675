"""``claim_respected``: a party extracts only where a claim it holds prevails.

Articles 1, 9 and 10: extraction at a site must be by the holder of a valid claim that
contains the site (``site_claims``, from the claims registry, lists the claims that
prevail under the priority rules, as the registry stood in the evaluated period).
Article 15: in a zone allocated to some parties
(Annex I), only those parties may extract.
"""

from __future__ import annotations

from concord.compliance.context import EvaluationContext
from concord.compliance.findings import Finding
from concord.treaty.requirements import ClaimRespected

_ACTIVITY = """
    WITH x AS (
        SELECT party, site, sector, statement_index FROM extraction_declarations
        WHERE period = $period
        UNION ALL
        SELECT party, site, sector, statement_index FROM extraction_measurements
        WHERE period = $period),
    s AS (SELECT party, site, any_value(sector) AS sector,
                 list(DISTINCT statement_index ORDER BY statement_index) AS idx
          FROM x GROUP BY party, site)
    SELECT s.party, s.site, s.idx,
           (SELECT list(DISTINCT sc.holder ORDER BY sc.holder) FROM site_claims sc
            WHERE sc.site = s.site AND sc.period = $period) AS holders,
           (SELECT list(DISTINCT sa.party ORDER BY sa.party) FROM sector_tree st
            JOIN sector_allocations sa ON sa.sector = st.ancestor
            WHERE st.sector = s.sector) AS allocated,
           (SELECT list(DISTINCT st.ancestor ORDER BY st.ancestor) FROM sector_tree st
            JOIN sector_allocations sa ON sa.sector = st.ancestor
            WHERE st.sector = s.sector) AS zones
    FROM s ORDER BY s.party, s.site
"""


def evaluate(ctx: EvaluationContext, requirement: object) -> list[Finding]:
    assert isinstance(requirement, ClaimRespected)
    registry = ctx.rows(
        "SELECT (SELECT count(*) FROM claims WHERE period = $1)"
        " + (SELECT count(*) FROM site_claims WHERE period = $1)",
        [ctx.period_id],
    )
    if registry[0][0] == 0:
        return [
            ctx.finding(
                requirement,
                "insufficient_evidence",
                "The claims registry holds no claims to check extraction against.",
            )
        ]
    rows = ctx.con.execute(_ACTIVITY, {"period": ctx.period.id}).fetchall()
    out = []
    for party, site, idx, claim_holders, allocated_to, zones in rows:
        holders, allocated = claim_holders or [], allocated_to or []
        if allocated and party not in allocated:
            reason = (
                f"site {site} lies in {', '.join(zones)}, allocated to "
                f"{', '.join(allocated)} (Article 15)"
            )
        elif not holders:
            reason = f"no valid claim contains site {site}"
        elif party not in holders:
            reason = f"the claim that prevails at site {site} is held by {', '.join(holders)}"
        else:
            out.append(
                ctx.finding(
                    requirement,
                    "compliant",
                    f"{party} extracted at {site} in {ctx.period} under its own prevailing claim.",
                    party=party,
                    subject=site,
                    evidence=idx,
                )
            )
            continue
        out.append(
            ctx.finding(
                requirement,
                "violation",
                f"{party} extracted at {site} in {ctx.period}, but {reason}.",
                party=party,
                subject=site,
                evidence=idx,
            )
        )
    return out

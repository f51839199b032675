"""The parties' quarterly declarations: extraction, activity on claims, compliance.

On-time declarations are filed between 5 days after the quarter ends and 2 days before
they fall due; an injected late one is filed ``N`` days after the due date, and an
injected missing one is not filed at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import numpy as np

from concord.claims.schemas import ActivityReported
from concord.evidence.schemas import DECLARATION_FILED, DeclarationFiled
from concord.scenario.cast import Cast
from concord.scenario.claims import PlannedClaim
from concord.scenario.extraction import ExtractionRow
from concord.scenario.record import PlannedStatement, at, iso
from concord.scenario.tables import encode_table, mass
from concord.scenario.violations import LATE, MISSING, Magnitude, QuarterPlan, Violation
from concord.treaty.calendar import Period

ACTIVITY_REPORTED = ActivityReported.statement_type

#: The unit each party declares in (all three units of the contract appear).
DECLARED_UNIT: Mapping[str, str] = {
    "PA": "t",
    "EF": "kt",
    "MI": "t",
    "HMC": "kg",
    "MC": "t",
    "TR": "t",
    "BMF": "t",
}


def on_time(period: Period, due_days: int, rng: np.random.Generator) -> date:
    """A filing day after the period ends and before the report falls due."""
    return period.end + timedelta(days=int(rng.integers(5, max(6, due_days - 1))))


def extraction_declarations(
    period: Period,
    rows: Sequence[ExtractionRow],
    plan: QuarterPlan,
    cast: Cast,
    due_days: int,
    rng: np.random.Generator,
) -> tuple[list[PlannedStatement], list[Violation]]:
    """One declaration per party with sites, unless it is injected missing."""
    due = period.end + timedelta(days=due_days)
    statements: list[PlannedStatement] = []
    truth: list[Violation] = []
    for member in cast.parties:
        party = member.party
        assert party is not None
        mine = [r for r in rows if r.party == party]
        requirement = "R1" if member.role == "signatory" else "R2"
        filed = on_time(period, due_days, rng)
        hour = int(rng.integers(8, 18))
        if not mine:
            continue
        if party in plan.missing:
            truth.append(
                Violation(MISSING, requirement, party, party, period.id, {"due": due.isoformat()})
            )
            continue
        if party in plan.late:
            filed = due + timedelta(days=plan.late[party])
            magnitude: Magnitude = {
                "due": due.isoformat(),
                "filed_at": iso(at(filed, hour)),
                "days_late": plan.late[party],
            }
            truth.append(Violation(LATE, requirement, party, party, period.id, magnitude))
        unit = DECLARED_UNIT[party]
        table = encode_table(
            "extraction",
            [
                (r.site, r.mineral, mass(r.declared_t, unit), unit, mass(r.declared_sigma_t, unit))
                for r in mine
            ],
        )
        body = DeclarationFiled(
            declaration_type="extraction", party=party, period=period.id, table=table.ref
        )
        statements.append(
            PlannedStatement(
                at(filed, hour),
                member.key,
                DECLARATION_FILED,
                f"declaration-extraction-{party}-{period.id}",
                body,
                {table.sha256: table.data},
            )
        )
    return statements, truth


def _activity(claim: PlannedClaim, period: Period, rng: np.random.Generator) -> tuple[str, int]:
    days = (period.end - period.start).days + 1
    if not claim.operational:
        return "survey", int(rng.integers(5, 21))
    if claim.has_sites:
        return "extraction", days
    return "operations", int(rng.integers(60, days + 1))


def activity_reports(
    period: Period,
    claims: Sequence[PlannedClaim],
    cast: Cast,
    due_days: int,
    rng: np.random.Generator,
) -> list[PlannedStatement]:
    """Per party: the activity-report table (R4), and per claim the registry's report."""
    statements: list[PlannedStatement] = []
    for member in cast.parties:
        mine = [c for c in claims if c.holder == member.party]
        if not mine:
            continue
        # Filed with the extraction returns, well inside Article 11's 120 days.
        filed = at(period.end + timedelta(days=int(rng.integers(5, 29))), int(rng.integers(8, 18)))
        activities = [_activity(c, period, rng) for c in mine]
        table = encode_table(
            "activity_report",
            [
                (c.claim_id, kind, str(days))
                for c, (kind, days) in zip(mine, activities, strict=True)
            ],
        )
        body = DeclarationFiled(
            declaration_type="activity_report",
            party=str(member.party),
            period=period.id,
            table=table.ref,
        )
        statements.append(
            PlannedStatement(
                filed,
                member.key,
                DECLARATION_FILED,
                f"declaration-activity-{member.party}-{period.id}",
                body,
                {table.sha256: table.data},
            )
        )
        statements.extend(
            PlannedStatement(
                filed,
                member.key,
                ACTIVITY_REPORTED,
                f"claim-activity-{c.claim_id}-{period.id}",
                c.activity(period.id, filed),
            )
            for c in mine
        )
    return statements


def compliance_reports(
    period: Period, cast: Cast, due_days: int, rng: np.random.Generator
) -> list[PlannedStatement]:
    """Each Signatory's quarterly compliance report (Article 52, R5), always on time."""
    return [
        PlannedStatement(
            at(on_time(period, due_days, rng), int(rng.integers(8, 18))),
            member.key,
            DECLARATION_FILED,
            f"declaration-compliance-{member.party}-{period.id}",
            DeclarationFiled(
                declaration_type="compliance_report",
                party=str(member.party),
                period=period.id,
                summary=f"{member.name}: compliance report for {period.id} under Article 52.",
            ),
        )
        for member in cast.parties
        if member.role == "signatory"
    ]

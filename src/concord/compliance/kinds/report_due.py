"""``report_due``: each obliged party files its report for the period by the due date.

Article 6 (computation of time) and the requirement's ``due_days_after_period_end``
give the last day on which a report is on time. A report is on time if its first
filing for the period is on or before that day (a later correction does not make an
on-time report late). The obliged parties are the requirement's ``reporters`` bound by
the treaty during the period; a ``…_measurement`` type is the office's measurements.
"""

from __future__ import annotations

from datetime import datetime

from concord.compliance.context import EvaluationContext
from concord.compliance.findings import Finding, Status
from concord.treaty.calendar import due_date
from concord.treaty.requirements import ReportDue

_FILINGS = """
    SELECT party, min(filed_at), list(statement_index ORDER BY statement_index)
    FROM declarations WHERE declaration_type = ? AND period = ? GROUP BY party
"""
_MEASUREMENTS = """
    SELECT ? AS party, min(filed_at), list(statement_index ORDER BY statement_index)
    FROM measurements WHERE measurement_type = ? AND period = ? HAVING count(*) > 0
"""


def _first_filings(
    ctx: EvaluationContext, declaration_type: str
) -> dict[str, tuple[datetime, list[int]]]:
    period = ctx.period.id
    if declaration_type.endswith("_measurement"):
        measured = declaration_type.removesuffix("_measurement")
        rows = ctx.rows(_MEASUREMENTS, [ctx.office_party, measured, period])
    else:
        rows = ctx.rows(_FILINGS, [declaration_type, period])
    return {party: (first, indexes) for party, first, indexes in rows}


def evaluate(ctx: EvaluationContext, requirement: object) -> list[Finding]:
    assert isinstance(requirement, ReportDue)
    params = requirement.params
    due = due_date(ctx.period, params.due_days_after_period_end)
    filings = _first_filings(ctx, params.declaration_type)
    what = params.declaration_type.replace("_", " ").removesuffix(" report")
    out: list[Finding] = []
    for party in ctx.reporters(requirement.reporters):
        if party not in filings:
            if ctx.as_of <= due:
                out.append(
                    ctx.finding(
                        requirement,
                        "not_applicable",
                        f"{party}'s {what} report for {ctx.period} is not due until {due}.",
                        party=party,
                        threshold=params.due_days_after_period_end,
                    )
                )
            else:
                out.append(
                    ctx.finding(
                        requirement,
                        "violation",
                        f"{party} has filed no {what} report for {ctx.period}, due on {due}.",
                        party=party,
                        threshold=params.due_days_after_period_end,
                    )
                )
            continue
        first, indexes = filings[party]
        filed = first.date()
        days_after_end = (filed - ctx.period.end).days
        late = (filed - due).days
        status: Status = "violation" if late > 0 else "compliant"
        sentence = f"late by {late} day{'s' if late != 1 else ''}" if late > 0 else "on time"
        out.append(
            ctx.finding(
                requirement,
                status,
                f"{party} filed its {what} report for {ctx.period} on {filed}, {sentence} "
                f"(due {due}).",
                party=party,
                measured=days_after_end,
                threshold=params.due_days_after_period_end,
                evidence=indexes,
            )
        )
    return out

"""``fee_schedule``: docking fees equal the schedule, and do not discriminate.

Article 29: the fee is the rate of Annex II for the vessel class and berth, from the
schedule version in force on the day of arrival, times the days charged (every day
begun counts); no other charge may be levied, so a call with no rate in the schedule
is a violation. Articles 30 and 38: vessels of the same class at the same berth, under
the same schedule version, pay the same fee per day whatever their party.
"""

from __future__ import annotations

from collections import defaultdict

from concord.compliance.context import EvaluationContext
from concord.compliance.findings import Finding
from concord.treaty.requirements import FeeScheduleCheck

_CALLS = """
    WITH rates AS (SELECT * FROM fee_rates WHERE schedule = $schedule),
    versions AS (SELECT DISTINCT effective_from FROM rates),
    calls AS (
        SELECT f.*, (SELECT max(v.effective_from) FROM versions v
                     WHERE v.effective_from <= CAST(f.arrived_at AS DATE)) AS version
        FROM docking_fees f WHERE f.period = $period)
    SELECT c.*, r.currency AS schedule_currency,
           CASE r.per WHEN 'day' THEN r.amount * c.days WHEN 'call' THEN r.amount END
               AS expected
    FROM calls c LEFT JOIN rates r ON r.effective_from = c.version
         AND r.vessel_class = c.vessel_class AND r.berth = c.berth
"""

_MISCHARGED = f"""
    SELECT party, vessel, vessel_class, berth, CAST(arrived_at AS DATE), days,
           CAST(fee_charged AS DOUBLE), currency, CAST(expected AS DOUBLE),
           schedule_currency, statement_index
    FROM ({_CALLS})
    WHERE expected IS NULL OR currency <> schedule_currency
       OR abs(fee_charged - expected) > $tolerance / 100 * expected
    ORDER BY party, vessel, arrived_at
"""

_PER_PARTY = f"""
    SELECT party, count(*), list(DISTINCT statement_index ORDER BY statement_index)
    FROM ({_CALLS}) GROUP BY party ORDER BY party
"""

_PER_DAY = f"""
    WITH p AS (
        SELECT version, vessel_class, berth, party,
               CAST(sum(fee_charged) AS DOUBLE) / sum(days) AS per_day,
               list(DISTINCT statement_index) AS idx
        FROM ({_CALLS}) GROUP BY ALL),
    g AS (SELECT version, vessel_class, berth, min(per_day) AS lowest, count(*) AS parties
          FROM p GROUP BY ALL)
    SELECT p.party, p.vessel_class, p.berth, p.version, p.per_day, g.lowest, g.parties, p.idx
    FROM p JOIN g USING (version, vessel_class, berth)
    ORDER BY p.party, p.vessel_class, p.berth, p.version
"""


def _params(ctx: EvaluationContext, req: FeeScheduleCheck) -> dict[str, object]:
    return {"schedule": req.params.schedule, "period": ctx.period.id}


def _no_fees(ctx: EvaluationContext, req: FeeScheduleCheck) -> list[Finding]:
    return [
        ctx.finding(req, "insufficient_evidence", f"No docking fees are reported for {ctx.period}.")
    ]


def _matches_schedule(ctx: EvaluationContext, req: FeeScheduleCheck) -> list[Finding]:
    params = _params(ctx, req)
    per_party = ctx.con.execute(_PER_PARTY, params).fetchall()
    if not per_party:
        return _no_fees(ctx, req)
    out: list[Finding] = []
    wrong: set[str] = set()
    mischarged = ctx.con.execute(
        _MISCHARGED, {**params, "tolerance": req.params.tolerance_percent}
    ).fetchall()
    for (
        party,
        vessel,
        vclass,
        berth,
        arrived,
        days,
        charged,
        currency,
        expected,
        sched_cur,
        index,
    ) in mischarged:
        wrong.add(party)
        if expected is None:
            reason = f"Annex II has no rate for a {vclass} vessel at a {berth} berth"
        elif currency != sched_cur:
            reason = f"it was charged in {currency}, not {sched_cur}"
        else:
            reason = f"the schedule gives {expected:,.2f} {sched_cur} for {days} day(s)"
        out.append(
            ctx.finding(
                req,
                "violation",
                f"{party}'s vessel {vessel} ({vclass}, {berth} berth, arrived {arrived}) was "
                f"charged {charged:,.2f} {currency}, but {reason}.",
                party=party,
                subject=vessel,
                measured=charged,
                threshold=expected,
                evidence=[index],
            )
        )
    for party, calls, indexes in per_party:
        if party not in wrong:
            out.append(
                ctx.finding(
                    req,
                    "compliant",
                    f"All {calls} docking call(s) of {party}'s vessels in {ctx.period} were "
                    "charged as the schedule provides.",
                    party=party,
                    evidence=indexes,
                )
            )
    return out


def _non_discrimination(ctx: EvaluationContext, req: FeeScheduleCheck) -> list[Finding]:
    rows = ctx.con.execute(_PER_DAY, _params(ctx, req)).fetchall()
    if not rows:
        return _no_fees(ctx, req)
    tolerance = req.params.tolerance_percent / 100
    worst: dict[str, tuple[float, float, str]] = {}
    evidence: dict[str, set[int]] = defaultdict(set)
    compared: set[str] = set()
    for party, vclass, berth, _version, per_day, lowest, parties, idx in rows:
        evidence[party].update(idx)
        if parties < 2:
            continue
        compared.add(party)
        if per_day > lowest * (1 + tolerance):
            excess = per_day / lowest - 1
            if party not in worst or excess > worst[party][1] / worst[party][0] - 1:
                worst[party] = (lowest, per_day, f"{vclass} vessels at {berth} berths")
    out = []
    for party in sorted(evidence):
        if party in worst:
            lowest, per_day, what = worst[party]
            out.append(
                ctx.finding(
                    req,
                    "violation",
                    f"{party} paid {per_day:,.2f} per day for {what} in {ctx.period}, while "
                    f"another party paid {lowest:,.2f}.",
                    party=party,
                    measured=per_day,
                    threshold=lowest,
                    evidence=sorted(evidence[party]),
                )
            )
        elif party in compared:
            out.append(
                ctx.finding(
                    req,
                    "compliant",
                    f"{party} paid the same fees per day as other parties for the same class "
                    f"and berth in {ctx.period}.",
                    party=party,
                    evidence=sorted(evidence[party]),
                )
            )
        else:
            out.append(
                ctx.finding(
                    req,
                    "not_applicable",
                    f"No other party docked vessels of the same class at the same berth as "
                    f"{party} in {ctx.period}.",
                    party=party,
                    evidence=sorted(evidence[party]),
                )
            )
    return out


def evaluate(ctx: EvaluationContext, requirement: object) -> list[Finding]:
    assert isinstance(requirement, FeeScheduleCheck)
    if requirement.params.test == "matches_schedule":
        return _matches_schedule(ctx, requirement)
    return _non_discrimination(ctx, requirement)

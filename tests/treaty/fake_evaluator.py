"""A small stand-in for the compliance engine, enough to run the Station Unity cases."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from concord.compliance.statistics import UncertaintyTable
from concord.treaty.calendar import due_date
from concord.treaty.testcases import CaseRequest, ObservedFinding


def _reporters(request: CaseRequest, names: list[str]) -> list[str]:
    kinds = {"signatories": {"signatory"}, "third_parties": {"third_party"}, "office": {"office"}}
    kinds["parties"] = {"signatory", "third_party"}
    out = []
    for name in names:
        wanted = kinds.get(name)
        out += [p.id for p in request.treaty.treaty.parties if wanted and p.kind in wanted]
        out += [name] if wanted is None else []
    return out


def evaluate(request: CaseRequest) -> list[ObservedFinding]:
    out: list[ObservedFinding] = []
    for req in request.requirements:
        out += globals()[f"_{req.kind}"](request, req)
    return out


def _finding(req: Any, subject: str, ok: bool) -> ObservedFinding:
    status = "compliant" if ok else "violation"
    return ObservedFinding(requirement=req.id, subject=subject, status=status)


def _report_due(request: CaseRequest, req: Any) -> list[ObservedFinding]:
    due = due_date(request.period, req.params.due_days_after_period_end)
    filed = {
        s["body"]["party"]: date.fromisoformat(str(s["issued_at"])[:10])
        for s in request.case.given.statements
        if s["type"] == "evidence.declaration_filed"
        and s["body"]["declaration_type"] == req.params.declaration_type
    }
    return [
        _finding(req, party, party in filed and filed[party] <= due)
        for party in _reporters(request, req.reporters)
    ]


def _cap(request: CaseRequest, req: Any) -> list[ObservedFinding]:
    parents = {s.id: s.parent for s in request.treaty.treaty.sectors}
    totals: dict[str, float] = defaultdict(float)
    for row in request.case.given.evidence.get("extraction_measurements", []):
        sector = parents.get(row["sector"]) or row["sector"]
        if not req.params.sectors or sector in req.params.sectors:
            key = sector if req.params.per == "sector" else row[req.params.per]
            totals[key] += row[req.params.quantity]
    return [_finding(req, key, total <= req.params.limit) for key, total in totals.items()]


def _reconciliation(request: CaseRequest, req: Any) -> list[ObservedFinding]:
    p = req.params
    measured = {r["site"]: r for r in request.case.given.evidence["extraction_measurements"]}
    out = []
    for row in request.case.given.evidence["extraction_declarations"]:
        m = measured[row["site"]]
        method = UncertaintyTable.default().get(m["method"])
        sigma = m[p.measured] * (method.random_rel**2 + method.systematic_rel**2) ** 0.5
        diff = abs(row["declared_tonnes"] - m[p.measured])
        significant = diff > p.k_sigma * sigma
        material = diff > p.materiality.percent / 100 * m[p.measured]
        material = material and diff > p.materiality.absolute_floor
        out.append(_finding(req, row["site"], not (significant and material)))
    return out


def _fee_schedule(request: CaseRequest, req: Any) -> list[ObservedFinding]:
    rows = request.case.given.evidence["docking_fees"]
    if req.params.test == "matches_schedule":
        out = []
        for row in rows:
            version = request.treaty.treaty.fee_schedules[0].versions
            day = _arrival(row).date()
            rates = max(
                (v for v in version if v.effective_from <= day), key=lambda v: v.effective_from
            )
            rate = rates.rate(row["vessel_class"], row["berth"])
            assert rate is not None
            charged = Decimal(row["fee_charged"])
            out.append(_finding(req, row["vessel"], charged == rate.amount * _days(row)))
        return out
    per_day: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        per_day[(row["vessel_class"], row["berth"])][row["party"]] = Decimal(
            row["fee_charged"]
        ) / _days(row)
    out = []
    for charges in per_day.values():
        lowest = min(charges.values())
        if len(charges) == 1:
            out += [
                ObservedFinding(requirement=req.id, subject=op, status="not_applicable")
                for op in charges
            ]
            continue
        out += [_finding(req, op, fee <= lowest) for op, fee in charges.items()]
    return out


def _arrival(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(row["arrived_at"]).replace("Z", "+00:00"))


def _days(row: dict[str, Any]) -> int:
    departed = datetime.fromisoformat(str(row["departed_at"]).replace("Z", "+00:00"))
    return max(1, math.ceil((departed - _arrival(row)).total_seconds() / 86400))

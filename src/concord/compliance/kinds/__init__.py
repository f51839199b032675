"""Requirement kinds: one module per kind, each evaluating a requirement set-wise in SQL.

Each module exposes ``evaluate(ctx, requirement) -> list[Finding]``. Python loops over
parties and subjects (never over evidence rows); the statistics are applied to arrays
returned by one query. ``reconciliation_sums`` is not a kind: it holds what the
reconciliation requirements of one evaluation share.
"""

from __future__ import annotations

from collections.abc import Callable

from concord.compliance.context import EvaluationContext
from concord.compliance.findings import Finding
from concord.compliance.kinds import (
    cap,
    claim_respected,
    fee_schedule,
    holder_share,
    reconciliation,
    report_due,
    sql,
)
from concord.treaty.models import Requirement

Evaluate = Callable[[EvaluationContext, Requirement], list[Finding]]

KINDS: dict[str, Evaluate] = {
    "report_due": report_due.evaluate,
    "cap": cap.evaluate,
    "reconciliation": reconciliation.evaluate,
    "fee_schedule": fee_schedule.evaluate,
    "holder_share": holder_share.evaluate,
    "claim_respected": claim_respected.evaluate,
    "sql": sql.evaluate,
}

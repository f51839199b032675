"""One quarter of the office's work: evaluate, publish, open cases, report.

1. Evaluate every requirement in force at the latest signed checkpoint.
2. Publish the findings (a blob and an office statement naming the checkpoint).
3. Open a case for every violation and every contested claim not yet in a case.
4. Write the consolidated report and one per signatory (HTML and PDF), and log each
   report's hashes as an office statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy.orm import Session

from concord.claims.schemas import ClaimsContested
from concord.claims.service import contested_cases
from concord.compliance.engine import Evaluation, evaluate, publish_findings
from concord.compliance.findings import Finding
from concord.cycle.inputs import report_input
from concord.disputes.models import DisputeCase
from concord.disputes.schemas import CASE_OPENED, CaseOpened
from concord.errors import VerificationError
from concord.evidence.analytics import open_analytics, rebuild_analytics, verify_analytics
from concord.evidence.store_lock import Waiting
from concord.ledger.audit import rebuild as rebuild_log
from concord.ledger.receipts import Receipt
from concord.reports.model import ReportInput
from concord.reports.render import ReportFiles, write_report
from concord.reports.schemas import REPORT_PUBLISHED
from concord.workspace import Workspace, sign_statement

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class QuarterResult:
    evaluation: Evaluation
    findings_receipt: Receipt
    cases: tuple[str, ...]
    reports: tuple[ReportFiles, ...]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60]


def _case_for(finding: Finding, findings_id: str, received: date) -> CaseOpened | None:
    if not finding.party:
        return None
    subject = f" ({finding.subject})" if finding.subject else ""
    return CaseOpened(
        case_id=_slug(
            f"case-{finding.period}-{finding.requirement}-{finding.party}-{finding.subject}"
        ),
        kind="violation",
        parties=[finding.party],
        received=received,
        summary=f"{finding.requirement}{subject}: {finding.explanation}",
        provisions=list(finding.provisions),
        requirement=finding.requirement,
        period=finding.period,
        subject=finding.subject,
        findings_statement=findings_id,
    )


def _at(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), UTC)


def open_cases(ws: Workspace, evaluation: Evaluation, findings_id: str) -> list[str]:
    """Open a case for each violation and each contested claim not yet in a case."""
    issued = _at(evaluation.as_of)
    opened: list[str] = []
    with Session(ws.engine) as session:
        existing = {c for (c,) in session.query(DisputeCase.case_id).all()}
        contested = contested_cases(session, evaluation.as_of)
    envelopes = []

    for finding in evaluation.findings:
        if finding.status != "violation":
            continue
        case = _case_for(finding, findings_id, evaluation.as_of)
        if case is None or case.case_id in existing:
            continue
        existing.add(case.case_id)
        opened.append(case.case_id)
        envelopes.append(
            sign_statement(
                ws.office_key,
                CASE_OPENED,
                case,
                issued_at=issued,
                statement_id=f"open-{case.case_id}",
            )
        )
    for pair in contested:
        if pair.open_case is not None:
            continue
        case_id = _slug(f"case-claims-{pair.claim_a}-{pair.claim_b}")
        if case_id in existing:
            continue
        existing.add(case_id)
        opened.append(case_id)
        parties = sorted(set(pair.holders))
        summary = (
            f"Claims {pair.claim_a} and {pair.claim_b} overlap over {pair.area_km2:.2f} km²; "
            f"the rules {' and '.join(pair.rules)} disagree and the treaty states no precedence."
        )
        envelopes.append(
            sign_statement(
                ws.office_key,
                CASE_OPENED,
                CaseOpened(
                    case_id=case_id,
                    kind="contested_claim",
                    parties=parties,
                    received=evaluation.as_of,
                    summary=summary,
                    provisions=list(pair.cites),
                    claims=[pair.claim_a, pair.claim_b],
                ),
                issued_at=issued,
                statement_id=f"open-{case_id}",
            )
        )
        envelopes.append(
            sign_statement(
                ws.office_key,
                ClaimsContested.statement_type,
                ClaimsContested(
                    case_id=case_id,
                    claim_ids=[pair.claim_a, pair.claim_b],
                    contested_at=issued,
                    cites=list(pair.cites) or ["P1"],
                    note=summary,
                ),
                issued_at=issued,
                statement_id=f"contest-{case_id}",
            )
        )
    if envelopes:
        ws.ledger.submit_many(envelopes)
    return opened


def write_reports(
    ws: Workspace,
    evaluation: Evaluation,
    out_dir: Path,
    *,
    publish: bool = True,
    on_wait: Waiting | None = None,
) -> list[ReportFiles]:
    """The consolidated report and one per signatory, for an evaluation's checkpoint."""
    with open_analytics(ws, evaluation.checkpoint_size, on_wait=on_wait) as con:
        consolidated = report_input(ws, evaluation, con)
    return _write_all(ws, consolidated, out_dir, evaluation, publish=publish)


def _write_all(
    ws: Workspace,
    consolidated: ReportInput,
    out_dir: Path,
    evaluation: Evaluation,
    *,
    publish: bool,
) -> list[ReportFiles]:
    signatories = [p.id for p in consolidated.treaty.treaty.parties if p.kind == "signatory"]
    files = [write_report(consolidated, out_dir)]
    files += [write_report(consolidated.scoped(party), out_dir) for party in signatories]
    if publish:
        issued = _at(evaluation.as_of)
        envelopes = []

        for f in files:
            scope = f.publication.scope or "consolidated"
            envelopes.append(
                sign_statement(
                    ws.office_key,
                    REPORT_PUBLISHED,
                    f.publication,
                    issued_at=issued,
                    statement_id=f"report-{f.publication.period}-{scope}-{f.publication.checkpoint_size}",
                )
            )
        ws.ledger.submit_many(envelopes)
    return files


def check_record(ws: Workspace, *, on_wait: Waiting | None = None) -> None:
    """Before the office signs findings, the inputs must be the log's: its tables are
    compared with a replay of the whole log (an edited claim, treaty text or site is
    named by table and nothing is published), the analytic store is checked (an
    altered one is refused, naming the command that rebuilds it) and then rebuilt from
    the log and the blobs (which the statements hash)."""
    replayed = rebuild_log(ws.ledger, ws.ledger.registry)
    if replayed.differences:
        raise VerificationError(
            "the office's tables differ from a replay of the log; nothing was published",
            details=[*replayed.differences, "run `concord verify` to see what was altered"],
        )
    verify_analytics(ws)  # an altered store is reported, never silently replaced
    rebuild_analytics(ws, on_wait=on_wait)


def run_quarter(
    ws: Workspace,
    period: str,
    out_dir: Path,
    *,
    step: Step | None = None,
    at: date | None = None,
    on_wait: Waiting | None = None,
) -> QuarterResult:
    """Evaluate ``period`` at the latest checkpoint as of day ``at`` (default: the
    record's day, never after the office's clock), publish, open cases, report."""
    say = step or (lambda _msg: None)

    def wait() -> None:
        say(f"{period}: waiting for another command to finish with the analytic store")
        if on_wait is not None:
            on_wait()

    say(f"{period}: checking the office's tables against the log")
    check_record(ws, on_wait=wait)
    say(f"{period}: evaluating")
    evaluation = evaluate(ws, period, as_of=at, on_wait=wait)
    receipt = publish_findings(ws, evaluation)
    say(f"{period}: opening cases")
    cases = open_cases(ws, evaluation, receipt.statement_id)
    say(f"{period}: writing reports")
    reports = write_reports(ws, evaluation, out_dir, on_wait=wait)
    return QuarterResult(evaluation, receipt, tuple(cases), tuple(reports))

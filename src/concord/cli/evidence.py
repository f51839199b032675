"""``concord evidence …`` and ``concord evaluate``: file evidence, rebuild the analytic
store, evaluate a period's requirements and publish the findings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, get_args

import typer
from rich.console import Console

from concord.cli.common import (
    Table,
    identifier_option,
    parse_day,
    period_option,
    progress_bar,
    store_wait_notice,
    workspace,
)
from concord.errors import EvidenceError
from concord.identity.keys import SigningKey
from concord.inputs import MAX_TABLE_BYTES, read_input

evidence_app = typer.Typer(no_args_is_help=True, help="File evidence; rebuild the analytic store.")
out = Console()
STATUS_STYLE = {
    "compliant": "green",
    "violation": "bold red",
    "insufficient_evidence": "yellow",
    "no_evidence": "yellow",
    "not_applicable": "dim",
}
MEASUREMENT_SUFFIX = "_measurement"
#: ``concord evaluate --fail-on-violation`` exits with this code when a finding is a
#: violation (documented in docs/reference.md).
VIOLATIONS_EXIT = 3


def _when(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EvidenceError(f"--issued-at {text!r} is not an ISO 8601 time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@evidence_app.command("file")
def file(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="extraction, docking_fees, activity_report, compliance_report, "
            "or extraction_measurement (an inspector's measurements)",
        ),
    ],
    csv: Annotated[Path | None, typer.Argument(help="the table (CSV)")] = None,
    party: Annotated[str | None, typer.Option(help="the declaring party")] = None,
    period: Annotated[str, typer.Option(help="reporting period, e.g. 2187-Q2")] = "",
    key: Annotated[Path, typer.Option(help="key file of the signing principal")] = Path(),
    issued_at: Annotated[str | None, typer.Option(help="filing time, UTC (default: now)")] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="write the submission here (on the filer's machine)"),
    ] = None,
) -> None:
    """Sign a declaration or measurement with its table; submit it, or write it (--out)."""
    from concord.cli.statements import deliver
    from concord.evidence.schemas import DeclarationType, MeasurementType
    from concord.registry import default_registry
    from concord.submission import sign_submission

    if not period:
        raise EvidenceError("--period is required")
    period_option(period)
    identifier_option(party, "--party")
    data = None
    if csv is not None:
        data = read_input(csv, "table", limit=MAX_TABLE_BYTES, error=EvidenceError)
    signer = SigningKey.load(key)
    declared = {t: t for t in get_args(DeclarationType)}
    measured = {f"{t}{MEASUREMENT_SUFFIX}": t for t in get_args(MeasurementType)}
    body: dict[str, object]
    if kind in measured:
        if data is None:
            raise EvidenceError("a measurement needs its CSV table")
        type_ = "evidence.measurement_filed"
        body = {"measurement_type": measured[kind], "period": period}
    elif kind in declared:
        if party is None:
            raise EvidenceError("--party is required for a declaration")
        type_ = "evidence.declaration_filed"
        body = {"declaration_type": declared[kind], "party": party, "period": period}
        from concord.evidence.service import DECLARATION_TABLES

        if data is None and kind in DECLARATION_TABLES:
            raise EvidenceError(f"a {kind} declaration needs its table")
    else:
        raise EvidenceError(
            f"unknown evidence type {kind!r}",
            details=[f"known: {', '.join([*declared, *measured])}"],
        )
    submission = sign_submission(
        default_registry(),
        signer,
        type_,
        body,
        issued_at=_when(issued_at),
        tables=[data] if data is not None else [],
    )
    receipt = deliver(ctx, submission, out_file)
    if receipt is not None:
        out.print(f"{kind} for {period} logged at index {receipt.index} ({receipt.statement_id})")


@evidence_app.command("rebuild")
def rebuild(ctx: typer.Context) -> None:
    """Rebuild the analytic store (DuckDB) from the log and the blobs."""
    from concord.evidence.analytics import latest_state, rebuild_analytics

    with workspace(ctx) as ws:
        state = latest_state(ws)
        path = rebuild_analytics(ws, state.size, on_wait=lambda: store_wait_notice(ws))
    out.print(f"analytic store rebuilt at {path} from the first {state.size} log entries")


def evaluate(
    ctx: typer.Context,
    period: Annotated[str, typer.Option(help="reporting period, e.g. 2187-Q2")],
    as_json: Annotated[bool, typer.Option("--json", help="print the canonical findings")] = False,
    publish: Annotated[bool, typer.Option(help="log the findings as an office statement")] = False,
    fail_on_violation: Annotated[
        bool,
        typer.Option(help=f"exit with code {VIOLATIONS_EXIT} when any finding is a violation"),
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            help="the day the period is judged as of, YYYY-MM-DD (default: the record's "
            "latest day, never after the office's clock)"
        ),
    ] = None,
) -> None:
    """Evaluate every requirement in force for a period at the latest checkpoint."""
    from concord.compliance.engine import evaluate as run

    period_option(period)
    from concord.compliance.engine import publish_findings

    with workspace(ctx) as ws:
        if publish:
            from concord.cycle.service import check_record

            check_record(ws, on_wait=lambda: store_wait_notice(ws))
        with progress_bar() as bar:
            task = bar.add_task("requirements", total=None)
            evaluation = run(
                ws,
                period,
                on_requirements=lambda n: bar.update(task, total=n),
                progress=lambda _r: bar.advance(task),
                as_of=parse_day(at, "--at"),
                on_wait=lambda: store_wait_notice(ws),
            )
        receipt = publish_findings(ws, evaluation) if publish else None
    if as_json:
        typer.echo(evaluation.to_json().decode())
    else:
        valid, record = evaluation.valid_time, evaluation.record_time
        table = Table(
            title=f"Findings for {evaluation.period} (valid {valid.start} to {valid.end}) "
            f"at checkpoint {record.checkpoint_size} (root {record.checkpoint_root})"
        )
        for column in ("requirement", "party", "subject", "status", "explanation"):
            table.add_column(column, overflow="fold")
        for f in evaluation.findings:
            style = STATUS_STYLE[f.status]
            table.add_row(
                f.requirement, f.party, f.subject, f"[{style}]{f.status}[/]", f.explanation
            )
        out.print(table)
        out.print(", ".join(f"{n} {s}" for s, n in evaluation.counts.items()))
    if receipt is not None:
        out.print(f"findings published at log index {receipt.index}")
    if fail_on_violation and evaluation.counts.get("violation", 0):
        raise typer.Exit(VIOLATIONS_EXIT)


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
    app.command("evaluate")(evaluate)

"""``concord quarter run`` and ``concord reports render``: the office's quarter on any
workspace, as the demo runs it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from concord.cli.common import (
    parse_day,
    period_option,
    progress_bar,
    store_wait_notice,
    workspace,
)

quarter_app = typer.Typer(no_args_is_help=True, help="The office's quarterly cycle.")
reports_app = typer.Typer(no_args_is_help=True, help="Compliance reports (HTML and PDF).")
out = Console(highlight=False)

if TYPE_CHECKING:
    from concord.reports.render import ReportFiles

PeriodOption = Annotated[str, typer.Option(help="reporting period, e.g. 2187-Q2")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="folder for the reports (default: HOME/reports)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="print the result as JSON")]
AtOption = Annotated[
    str | None,
    typer.Option(
        help="the day the period is judged as of, YYYY-MM-DD (default: the record's latest "
        "day, never after the office's clock)"
    ),
]


def _files(reports: Sequence[ReportFiles]) -> list[dict[str, str]]:
    rows = []
    for f in reports:
        rows.append(
            {
                "scope": f.publication.scope or "consolidated",
                "html": str(f.html),
                "pdf": str(f.pdf),
                "html_sha256": f.publication.html_sha256,
                "pdf_sha256": f.publication.pdf_sha256,
            }
        )
    return rows


@quarter_app.command("run")
def run(
    ctx: typer.Context,
    period: PeriodOption,
    out_dir: OutOption = None,
    at: AtOption = None,
    as_json: JsonOption = False,
) -> None:
    """Evaluate the period at the latest checkpoint, publish the findings, open the
    cases, and render and publish the reports."""
    period_option(period)
    from concord.cycle.service import run_quarter

    with workspace(ctx) as ws:
        target = out_dir or ws.settings.home / "reports"
        with progress_bar() as bar:
            task = bar.add_task(f"{period}", total=None)
            result = run_quarter(
                ws,
                period,
                target,
                step=lambda m: bar.update(task, description=m),
                at=parse_day(at, "--at"),
                on_wait=lambda: store_wait_notice(ws),
            )
    evaluation = result.evaluation
    summary = {
        "period": evaluation.period,
        "checkpoint_size": evaluation.checkpoint_size,
        "as_of": evaluation.as_of.isoformat(),
        "counts": evaluation.counts,
        "findings_statement": result.findings_receipt.statement_id,
        "findings_index": result.findings_receipt.index,
        "cases_opened": list(result.cases),
        "reports": _files(result.reports),
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    out.print(
        f"{evaluation.period} evaluated at checkpoint {evaluation.checkpoint_size} "
        f"(record as of {evaluation.as_of}): "
        + ", ".join(f"{n} {s}" for s, n in evaluation.counts.items())
    )
    out.print(f"findings published at log index {result.findings_receipt.index}")
    out.print(f"{len(result.cases)} case(s) opened")
    for row in _files(result.reports):
        out.print(f"  {row['scope']}: {row['html']} and {row['pdf']}")


@reports_app.command("render")
def render(
    ctx: typer.Context,
    period: PeriodOption,
    out_dir: OutOption = None,
    publish: Annotated[
        bool, typer.Option(help="log each report's hashes as an office statement")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Render the period's reports (consolidated and per signatory) at the latest checkpoint."""
    period_option(period)
    from concord.compliance.engine import evaluate
    from concord.cycle.service import write_reports

    with workspace(ctx) as ws:
        target = out_dir or ws.settings.home / "reports"
        evaluation = evaluate(ws, period, on_wait=lambda: store_wait_notice(ws))
        files = write_reports(
            ws, evaluation, target, publish=publish, on_wait=lambda: store_wait_notice(ws)
        )
    rows = _files(files)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    out.print(f"reports for {period} at checkpoint {evaluation.checkpoint_size}:")
    for row in rows:
        out.print(f"  {row['scope']}: {row['html']} and {row['pdf']}")


def register(app: typer.Typer) -> None:
    app.add_typer(quarter_app, name="quarter")
    app.add_typer(reports_app, name="reports")

"""``concord demo`` (the quarterly cycle) and ``concord tour`` (the record at work)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from concord.cli.common import settings_of

out = Console(highlight=False)


def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="scenario seed")] = 2187,
    quarters: Annotated[int, typer.Option(help="quarters to run")] = 4,
    size: Annotated[int, typer.Option(help="scenario size (rows scale with it)")] = 1,
) -> None:
    """The office's quarterly cycle on the Station Unity example, from a fresh workspace,
    as the commands a user types (printed, and written to HOME/demo-commands.sh)."""
    from concord.cycle.demo import run_demo

    run_demo(settings_of(ctx), seed=seed, quarters=quarters, size=size)


def tour(ctx: typer.Context) -> None:
    """The record at work: keys, receipts, refusals, rotation, export, verification."""
    from concord.ledger_tour import run_tour

    run_tour(settings_of(ctx))


def audit(
    ctx: typer.Context,
    report: Annotated[Path, typer.Argument(help="a report's HTML or PDF file")],
    log: Annotated[Path, typer.Option("--log", help="a tiles export of the log")],
    key: Annotated[
        str | None, typer.Option(help="the office's checkpoint verifier key, as text")
    ] = None,
    vkey: Annotated[
        Path | None, typer.Option("--vkey", help="the office's checkpoint verifier key file")
    ] = None,
    trust_export_key: Annotated[
        bool,
        typer.Option(
            "--trust-export-key",
            help="use the key shipped inside the export (warned; not an audit)",
        ),
    ] = False,
) -> None:
    """Recompute a report from a tiles export; exit 2 unless it matches byte for byte."""
    from concord.cli.ledger import _verifier
    from concord.cycle.audit import audit_report
    from concord.errors import VerificationError

    verifier = _verifier(ctx, key, log, vkey=vkey, trust_export_key=trust_export_key)
    result = audit_report(report, log, verifier)
    scope = result.scope or "consolidated"
    out.print(f"report {result.period} ({scope}) at checkpoint {result.checkpoint_size}")
    out.print(f"  findings in the report: {result.findings_sha256}")
    out.print(f"  findings recomputed:    {result.recomputed_sha256}")
    out.print(
        f"  report ({result.kind.upper()}) re-rendered identically: "
        f"{'yes' if result.report_matches else 'no'}"
    )
    if result.difference is not None:
        out.print(f"  first difference: {result.difference}")
    if not result.matches:
        raise VerificationError("the report does not match the log")
    out.print("[green]match byte for byte[/]")


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(tour)
    app.command()(audit)

"""``concord cases``: the dispute case queue."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from concord.cli.common import Table, workspace

cases_app = typer.Typer(no_args_is_help=True, help="Dispute cases opened by the office.")
out = Console(highlight=False)


@cases_app.command("list")
def list_cases(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print the cases as JSON")] = False,
) -> None:
    """List open cases with their first time limits (from the treaty's procedure)."""
    from concord.disputes.service import case_documents, first_deadlines, open_cases
    from concord.treaty.registry import treaty_in_force

    with workspace(ctx) as ws, Session(ws.engine) as session:
        cases = open_cases(session)
        if as_json:
            rows = case_documents(session)
            typer.echo(json.dumps(rows, indent=2, sort_keys=True))
            return
        table = Table(title=f"Cases ({len(cases)})")
        for column in ("case", "kind", "parties", "about", "received", "next limit"):
            table.add_column(column)
        for case in cases:
            procedure = treaty_in_force(session, case.received).treaty.dispute_procedure
            limits = first_deadlines(procedure, case.received)
            upcoming = min((d for d in limits if d.kind == "by"), key=lambda d: d.day, default=None)
            about = case.requirement or case.claims.replace(",", " v ")
            table.add_row(
                case.case_id,
                case.kind,
                case.parties,
                f"{about} {case.period or ''}".strip(),
                str(case.received),
                f"{upcoming.title} by {upcoming.day}" if upcoming else "",
            )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")

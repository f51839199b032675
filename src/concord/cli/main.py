"""The ``concord`` command. Entry points parse, call a service and render; this module
is the one place where errors become exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from concord.config import load_settings
from concord.errors import ConcordError

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Concord: the tamper-evident record and compliance engine of a treaty-monitoring office.",
)
err = Console(stderr=True)


@app.callback()
def _root(
    ctx: typer.Context,
    home: Annotated[
        Path | None, typer.Option("--home", help="workspace folder (default $CONCORD_HOME)")
    ] = None,
) -> None:
    ctx.obj = load_settings(home=home)


def _register() -> None:
    from concord.cli import (
        cases,
        claims,
        demo,
        evidence,
        identity,
        ledger,
        quarter,
        scenario,
        serve,
        statements,
    )

    ledger.register(app)
    statements.register(app)
    quarter.register(app)
    evidence.register(app)
    cases.register(app)
    identity.register(app)
    claims.register(app)
    scenario.register(app)
    demo.register(app)
    serve.register(app)
    import concord.cli.treaty_record  # noqa: F401  (adds register, amend, show)
    from concord.cli.treaty import treaty_app

    app.add_typer(treaty_app, name="treaty", help="Check, test and show treaties.")
    from concord.cli.witness import witness_app

    app.add_typer(witness_app, name="witness")


_register()


def main() -> None:
    """Run the CLI; a ConcordError becomes its message and its exit code."""
    try:
        app()
    except ConcordError as exc:
        err.print(f"[bold red]error:[/] {exc.diagnostics()}", highlight=False)
        sys.exit(exc.exit_code)

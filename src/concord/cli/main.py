"""The `concord` command: parses, calls a service, renders."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Concord: the record and compliance engine of a treaty-monitoring office.")


@app.command()
def version() -> None:
    """Print Concord's version."""
    from concord import __version__

    typer.echo(__version__)

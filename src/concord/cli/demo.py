"""``concord demo``: the office's work on the embedded default, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from concord.cli.common import settings_of


def demo(
    ctx: typer.Context,
    fresh: Annotated[bool, typer.Option(help="start from an empty workspace")] = True,
) -> None:
    """Run the demonstration in the workspace folder."""
    from concord.demo import run_demo

    run_demo(settings_of(ctx), fresh=fresh, out_dir=Path(settings_of(ctx).home))


def register(app: typer.Typer) -> None:
    app.command()(demo)

"""Helpers shared by CLI commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from concord.config import Settings
from concord.workspace import Workspace, open_workspace


def settings_of(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


@contextmanager
def workspace(ctx: typer.Context) -> Iterator[Workspace]:
    ws = open_workspace(settings_of(ctx))
    try:
        yield ws
    finally:
        ws.close()


def progress_bar(transient: bool = True) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=transient,
    )

"""Helpers shared by CLI commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich import table as rich_table
from rich.console import Console
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


def store_wait_notice(ws: Workspace) -> None:
    """Tell the user why a command pauses: another one holds the analytic store."""
    Console(stderr=True).print(
        f"waiting for another Concord command to finish with the analytic store "
        f"({ws.settings.analytics_path})",
        highlight=False,
    )


def progress_bar(transient: bool = True) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=transient,
    )


class Table(rich_table.Table):
    """A Rich table that never cuts a value: on a narrow terminal a cell wraps, and a
    value without spaces (an id, a key, a hash) folds onto the next line, instead of
    ending in an ellipsis."""

    def __init__(self, *headers: str | rich_table.Column, **options: Any) -> None:
        super().__init__(*headers, **options)
        for column in self.columns:
            column.overflow = "fold"

    def add_column(self, *args: Any, **options: Any) -> None:
        options.setdefault("overflow", "fold")
        super().add_column(*args, **options)

"""Helpers shared by CLI commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import typer
from pydantic import ValidationError
from rich import table as rich_table
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from concord.config import Settings
from concord.errors import InputError
from concord.inputs import identifier_problem
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


def period_option(value: str, option: str = "--period") -> str:
    """A reporting period id from the command line, checked before anything runs."""
    from concord.errors import ConcordError
    from concord.treaty.calendar import parse_period

    try:
        parse_period(value)
    except ConcordError as exc:
        raise InputError(f"{option}: {exc.message}") from None
    return value


def identifier_option(value: str | None, option: str) -> str | None:
    """An identifier (a party, a principal) from the command line, or None."""
    if value is None:
        return None
    problem = identifier_problem(value)
    if problem is not None:
        raise InputError(f"{option}: {value!r} is not an identifier: {problem}")
    return value


def option_details(exc: ValidationError, options: dict[str, str]) -> list[str]:
    """Schema errors of a body built from options, each naming the option at fault."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        where = options.get(field, field)
        reason = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {reason}")
    return lines


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


def parse_day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value, or a one-line error naming the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r}: expected a day like 2187-09-15") from None

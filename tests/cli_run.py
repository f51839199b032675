"""Running the ``concord`` command in tests, in-process, as ``main`` runs it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from concord.cli.main import app
from concord.errors import ConcordError

ENV = {"COLUMNS": "200", "CONCORD_VERIFY_WORKERS": "0", "CONCORD_DATABASE_URL": ""}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def _invoke(args: list[str], ok: bool) -> Run:
    result = CliRunner().invoke(app, args, env=ENV)
    error = result.exception
    if isinstance(error, ConcordError):
        run = Run(error.exit_code, result.stdout, error.diagnostics())
    elif error is not None and not isinstance(error, SystemExit):
        raise error
    else:
        run = Run(result.exit_code, result.stdout, result.stderr)
    if ok:
        assert run.returncode == 0, run.stderr + run.stdout
    return run


def concord(home: Path, *args: str, ok: bool = True) -> Run:
    """Run the CLI on the workspace ``home``; a ConcordError maps to its exit code."""
    return _invoke(["--home", str(home), *args], ok)


def concord_in(folder: Path, *args: str, ok: bool = True) -> Run:
    """Run the CLI with ``folder`` as the working directory (a party's own machine)."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        return _invoke(list(args), ok)
    finally:
        os.chdir(before)

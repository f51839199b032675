"""``concord treaty …``: check a treaty file, run a treaty's test cases."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from concord.errors import ComplianceError, TreatyError

if TYPE_CHECKING:
    from concord.treaty.models import Amendment
    from concord.treaty.testcases import Evaluator

treaty_app = typer.Typer(no_args_is_help=True, help="Check, test and show treaties.")
out = Console(highlight=False)

#: Where the runner looks for the compliance engine's test-case evaluator by default.
DEFAULT_EVALUATOR = "concord.compliance.testcases:evaluate_case"

AmendmentOption = Annotated[
    list[Path] | None,
    typer.Option("--amendment", "-a", help="an amendment file (repeatable), in any order"),
]


@treaty_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="the treaty file (YAML)")],
    amendment: AmendmentOption = None,
) -> None:
    """Check a treaty file (and its amendments); print every problem with its place."""
    from concord.treaty.loader import read_yaml_file
    from concord.treaty.service import (
        check_amendment_text,
        check_treaty_file,
        load_amendment_text,
        load_treaty_file,
        treaty_summary,
    )

    problems = check_treaty_file(file)
    if problems:
        raise TreatyError(f"{file}: {len(problems)} problem(s)", details=[str(p) for p in problems])
    treaty = load_treaty_file(file)
    earlier: list[Amendment] = []
    for path in amendment or []:
        text = read_yaml_file(path, "amendment file")
        found = check_amendment_text(treaty, text, str(path), earlier)
        if found:
            raise TreatyError(f"{path}: {len(found)} problem(s)", details=[str(p) for p in found])
        earlier.append(load_amendment_text(text, str(path)))
    out.print(f"[green]ok[/] {treaty.id} — {treaty.title}")
    for name, count in treaty_summary(treaty).items():
        out.print(f"  {name:>15}: {count}")
    if earlier:
        out.print(f"  {'amendments':>15}: {len(earlier)}")


@treaty_app.command("test")
def run_tests(
    path: Annotated[Path, typer.Argument(help="a test-case file, or a folder of them")],
    treaty_file: Annotated[
        Path | None,
        typer.Option("--treaty", help="the treaty file (default: the Treaty of Station Unity)"),
    ] = None,
    evaluator: Annotated[
        str, typer.Option(help="the evaluator to run, as module:function")
    ] = DEFAULT_EVALUATOR,
    amendment: AmendmentOption = None,
) -> None:
    """Run treaty test cases: given evidence, compare findings with the expected ones."""
    from concord.scenario.treaty import station_unity_path
    from concord.treaty.loader import read_yaml_file
    from concord.treaty.service import load_amendment_text, load_treaty_file
    from concord.treaty.testcases import load_cases, run_case

    treaty = load_treaty_file(treaty_file or station_unity_path())
    amendments = [
        load_amendment_text(read_yaml_file(p, "amendment file"), str(p)) for p in amendment or []
    ]
    cases = load_cases(path, treaty)  # every case-file problem is reported before running
    evaluate = _import_evaluator(evaluator)
    failed = 0
    for loaded in cases:
        result = run_case(loaded, treaty, amendments, evaluate)
        if result.passed:
            out.print(f"[green]PASS[/] {result.case_id}  ({result.source})")
            continue
        failed += 1
        out.print(f"[red]FAIL[/] {result.case_id}  ({result.source})")
        if result.error:
            out.print(f"    error: {result.error}")
        for want in result.missing:
            out.print(f"    expected, not found: {want.model_dump(exclude_none=True)}")
        for got in result.unexpected:
            out.print(f"    found, not expected: {got.model_dump(exclude_none=True)}")
    out.print(f"{len(cases) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


def _import_evaluator(spec: str) -> Evaluator:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        function: Evaluator = getattr(module, attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ComplianceError(
            f"cannot load the evaluator {spec!r}: {exc}",
            details=[
                "the compliance engine is not available in this build yet;",
                "pass --evaluator module:function to run the cases with another evaluator",
            ],
        ) from exc
    return function

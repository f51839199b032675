"""``concord scenario generate``: write the Station Unity example data to a folder."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from concord.cli.common import settings_of

scenario_app = typer.Typer(no_args_is_help=True, help="Generate the Station Unity example data.")
out = Console(highlight=False)


@scenario_app.command("generate")
def generate_command(
    ctx: typer.Context,
    out_dir: Annotated[
        Path, typer.Argument(help="folder to write the statements, blobs and truth to")
    ],
    seed: Annotated[
        int, typer.Option(help="random seed; the same seed gives the same bytes")
    ] = 2187,
    quarters: Annotated[int, typer.Option(help="reporting periods to generate")] = 4,
    size: Annotated[
        int, typer.Option(help="scale: 12·size sites, 42·size docking calls a quarter")
    ] = 1,
    start_period: Annotated[str, typer.Option(help="first reporting period")] = "2187-Q2",
    violations: Annotated[bool, typer.Option(help="inject the known violations")] = True,
    office_key: Annotated[
        Path | None,
        typer.Option(help="the office's key file (default: the workspace's keys/office.json)"),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option(help="also write the parties' and inspectors' key pairs to this folder"),
    ] = None,
    submissions: Annotated[
        bool,
        typer.Option(
            "--submissions",
            help="also write the statements as submissions for `concord submit`, one file "
            "per quarter (what is in by its evaluation), in OUT_DIR/submissions",
        ),
    ] = False,
) -> None:
    """Generate signed statements, their CSV blobs and the ground truth into OUT_DIR.

    The office's statements are signed with the workspace's office key, so that the
    statements can be submitted to that workspace's ledger after its genesis. The other
    keys follow from the seed; --keys writes them down, as each party would hold its own.
    """
    from concord.errors import ConfigurationError
    from concord.identity.keys import SigningKey
    from concord.scenario.generator import generate
    from concord.scenario.submissions import write_batches, write_keys
    from concord.workspace import OFFICE_KEY

    key_file = office_key or settings_of(ctx).keys_dir / OFFICE_KEY
    if not key_file.exists():
        raise ConfigurationError(
            f"{key_file}: no office key",
            details=["run `concord init` first, or pass --office-key FILE"],
        )
    scenario = generate(
        SigningKey.load(key_file),
        seed,
        quarters=quarters,
        size=size,
        start_period=start_period,
        violations=violations,
    )
    if keys is not None:
        written = write_keys(scenario, keys)
        out.print(f"[green]wrote[/] {len(written)} key pairs (FILE and FILE.pub) to {keys}")
    scenario.write(out_dir)
    if submissions:
        for path in write_batches(scenario, out_dir / "submissions"):
            lines = path.read_text(encoding="utf-8").count("\n")
            out.print(f"[green]wrote[/] {lines} submissions to {path}")
    out.print(
        f"[green]wrote[/] {len(scenario.statements)} statements, {len(scenario.blobs)} blobs "
        f"and {len(scenario.truth.violations)} injected violations to {out_dir}"
    )
    for kind, count in sorted(Counter(v.kind for v in scenario.truth.violations).items()):
        out.print(f"  {kind:>40}: {count}")


@scenario_app.command("treaty")
def treaty_file(
    out_file: Annotated[Path, typer.Option("--out", help="where to write the treaty (YAML)")],
) -> None:
    """Write the Treaty of Station Unity, as shipped, to a file (to read, check, register)."""
    from concord.errors import ConfigurationError
    from concord.scenario.treaty import station_unity_path

    if out_file.exists():
        raise ConfigurationError(f"{out_file}: exists; refusing to overwrite it")
    out_file.write_bytes(station_unity_path().read_bytes())
    out.print(f"the Treaty of Station Unity written to {out_file}")


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario", help="Generate the Station Unity example data.")

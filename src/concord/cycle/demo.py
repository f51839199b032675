"""The demonstration behind ``make demo``: four quarters of the Station Unity office, as
the ``concord`` commands a user types.

The demo is a script of those commands. It prints each before it runs it (``$ concord
…``), runs it in this process exactly as the command line would, and writes the whole
script to ``HOME/demo-commands.sh``, which runs as written in any new folder:

1. ``concord init``: the office's workspace, its key and the genesis entry.
2. ``concord scenario generate … --keys … --submissions``: the parties' keys, in a
   folder of their own outside the workspace (their machines), and the statements they
   and the inspectors sign, as submissions, one file per quarter.
3. Quarter by quarter, ``concord submit`` of that quarter's file, then ``concord
   quarter run``: evaluate, publish the findings, open cases, write the reports.
4. An outside auditor's checks: ``concord export``, ``concord verify`` of the export with
   only the office's key, and ``concord audit`` of the last report.
"""

from __future__ import annotations

import shlex
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from concord.config import Settings
from concord.errors import WorkspaceInUseError
from concord.scenario.office import DEMO_MARKER, GENESIS, OFFICE_NAME, claim_demo_folder
from concord.scenario.submissions import EVALUATION_LAG
from concord.treaty.calendar import next_period, parse_period
from concord.workspace import VKEY

#: The script's file in the workspace.
SCRIPT = "demo-commands.sh"
FIRST_PERIOD = "2187-Q2"


@dataclass(frozen=True, slots=True)
class DemoQuarter:
    """One quarter as the demo's commands left it: its consolidated report's findings."""

    period: str
    #: The checkpoint its published findings were computed at (their record time).
    checkpoint_size: int
    #: How many findings of each status.
    counts: dict[str, int]
    #: The findings its consolidated report carries, in canonical order.
    findings: tuple[dict[str, Any], ...]
    #: The HTML reports, the consolidated one first; each PDF is beside its HTML.
    reports: tuple[Path, ...]


def parties_folder(home: Path) -> Path:
    """Where the demo keeps the parties' keys: beside the workspace, never inside it,
    as if each party held its own on its own machine."""
    return home.parent / f"{home.name}-party-keys"


def check_party_folder(folder: Path) -> None:
    """Refuse, before anything is written, a keys folder the demo did not create."""
    if folder.exists() and any(folder.iterdir()) and not (folder / DEMO_MARKER).is_file():
        raise WorkspaceInUseError(
            f"{folder}: folder exists and was not created by `concord demo`; "
            "refusing to write keys into it",
            details=["pass --home with a new folder"],
        )


def _prepare_party_folder(folder: Path) -> None:
    """An empty keys folder carrying the demo's marker (a former demo's is emptied)."""
    check_party_folder(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / DEMO_MARKER).write_text("demo\n", encoding="utf-8")


def shown(path: Path) -> str:
    """A path as a user would type it: relative to the working folder when inside it."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def command_line(argv: Sequence[str]) -> str:
    return shlex.join(["concord", *argv])


def run_command(argv: Sequence[str]) -> None:
    """Run ``concord ARGV`` in this process, as the command line runs it; a ConcordError
    propagates (the demo stops at the first command that fails)."""
    import typer

    from concord.cli.main import app

    typer.main.get_command(app).main(args=list(argv), prog_name="concord", standalone_mode=False)


class Script:
    """The commands run so far, printed as typed and kept for ``demo-commands.sh``."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.lines: list[str] = []

    def run(self, *argv: str) -> None:
        line = command_line(argv)
        self.lines.append(line)
        self.console.print(f"\n[bold]$ {escape(line)}[/]", highlight=False, soft_wrap=True)
        run_command(argv)

    def say(self, text: str) -> None:
        self.lines.append(f"\n# {text}")
        self.console.print(f"\n[dim]# {escape(text)}[/]", highlight=False)

    def text(self) -> str:
        header = [
            "#!/bin/sh",
            "# The commands `concord demo` ran, as a user types them. They run as written",
            "# in a new folder, with `concord` on the PATH: sh demo-commands.sh",
            "set -eu",
        ]
        return "\n".join([*header, *self.lines]) + "\n"


def run_demo(
    settings: Settings, *, seed: int = 2187, quarters: int = 4, size: int = 1, fresh: bool = True
) -> list[DemoQuarter]:
    """Run the demo's commands on the workspace ``settings.home`` (each command reads its
    other settings from the environment, as ``concord`` does)."""
    console = Console()
    started = time.perf_counter()
    console.rule("[bold]Concord — the Station Unity peace monitoring office")
    home = settings.home
    keys = parties_folder(home)
    check_party_folder(keys)
    claim_demo_folder(home, command="demo", fresh=fresh)
    _prepare_party_folder(keys)
    script = Script(console)
    periods = _periods(quarters)
    _commands(script, home, keys, seed=seed, quarters=quarters, size=size, periods=periods)
    (home / SCRIPT).write_text(script.text(), encoding="utf-8")
    (home / SCRIPT).chmod(0o755)
    results = _quarters(home, periods)
    _summary(console, results)
    console.print(
        f"\nThe commands are in {shown(home / SCRIPT)}; they run as written in a new folder."
    )
    console.print(f"Done in {time.perf_counter() - started:.0f} s. Workspace: {home}")
    return results


def _periods(quarters: int) -> list[str]:
    period = parse_period(FIRST_PERIOD)
    out = []
    for _ in range(quarters):
        out.append(period.id)
        period = next_period(period)
    return out


def _commands(
    script: Script,
    home: Path,
    keys: Path,
    *,
    seed: int,
    quarters: int,
    size: int,
    periods: Sequence[str],
) -> None:
    h, k = shown(home), shown(keys)
    scenario = f"{k}/scenario"
    vkey = f"{h}/{VKEY}"
    script.say("The office creates its workspace: its key, its database, the genesis entry.")
    established = GENESIS.strftime("%Y-%m-%dT%H:%M:%SZ")
    script.run("--home", h, "init", "--office-name", OFFICE_NAME, "--established", established)
    script.say(
        "The Station Unity example: the parties' keys go to their own folder, outside the "
        "workspace; the statements they sign go to one file per quarter."
    )
    script.run(
        "--home", h, "scenario", "generate", scenario, "--seed", str(seed),
        "--quarters", str(quarters), "--size", str(size), "--keys", k, "--submissions",
    )  # fmt: skip
    for period in periods:
        script.say(f"{period}: the office takes what is in by its evaluation, then runs it.")
        batch = f"{scenario}/submissions/{period}"
        script.run("--home", h, "submit", f"{batch}.jsonl", "--receipts", f"{batch}.receipts.jsonl")
        day = (parse_period(period).end + EVALUATION_LAG).isoformat()
        script.run("--home", h, "quarter", "run", "--period", period, "--at", day)
    script.say("An outside auditor: the log as static tiles, checked with the office's key.")
    script.run("--home", h, "export", f"{h}/export")
    script.run("verify", "--tiles", f"{h}/export", "--vkey", vkey)
    last = f"{h}/reports/{periods[-1]}-consolidated.html"
    script.run("audit", last, "--log", f"{h}/export", "--vkey", vkey)


def _quarters(home: Path, periods: Sequence[str]) -> list[DemoQuarter]:
    """Each quarter as its consolidated report shows it (the findings it carries)."""
    from concord.cycle.audit import report_findings, report_metadata

    out = []
    for period in periods:
        reports = _reports(home / "reports", period)
        html = reports[0].read_bytes()
        meta = report_metadata(html)
        document = report_findings(html, meta) or {}
        out.append(
            DemoQuarter(
                period=period,
                checkpoint_size=int(meta["checkpoint_size"]),
                counts=dict(document.get("counts", {})),
                findings=tuple(document.get("findings", ())),
                reports=reports,
            )
        )
    return out


def _reports(folder: Path, period: str) -> tuple[Path, ...]:
    consolidated = folder / f"{period}-consolidated.html"
    others = sorted(p for p in folder.glob(f"{period}-*.html") if p != consolidated)
    return (consolidated, *others)


def _summary(console: Console, results: list[DemoQuarter]) -> None:
    table = Table(title="Compliance by party (requirements met / violations), per quarter")
    table.add_column("party")
    for r in results:
        table.add_column(r.period, justify="center")
    parties = sorted({f["party"] for r in results for f in r.findings if f["party"]})
    for party in parties:
        cells = []
        for r in results:
            mine = [f for f in r.findings if f["party"] == party]
            met = len(
                {f["requirement"] for f in mine}
                - {f["requirement"] for f in mine if f["status"] != "compliant"}
            )
            bad = sum(1 for f in mine if f["status"] == "violation")
            cells.append(f"{met} / [red]{bad}[/]" if bad else f"{met} / 0")
        table.add_row(party, *cells)
    console.print()
    console.print(table)
    for r in results:
        console.print(
            f"  {r.period}: {len(r.findings)} findings at checkpoint {r.checkpoint_size}; "
            f"reports {shown(r.reports[0])} and {len(r.reports) - 1} per signatory (and PDFs)"
        )
    console.print("Dispute cases: `concord cases list`; claims: `concord claims check`.")

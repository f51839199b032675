"""The demonstration behind ``make demo``: four quarters of the Station Unity office.

It creates a workspace, registers the parties and their keys, the Treaty of Station
Unity, the sites and the claims, then, quarter by quarter, ingests the generated
evidence (with injected violations), evaluates, opens cases and writes the compliance
reports. It ends with an outside auditor's checks: a tiles export verified with only the
office's key, and one report recomputed from that export.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from concord.config import Settings
from concord.cycle.audit import audit_report
from concord.cycle.service import QuarterResult, run_quarter
from concord.errors import WorkspaceInUseError
from concord.ledger.export import export_tiles, verify_tiles
from concord.ledger.statements import parse_time
from concord.scenario.cast import Cast
from concord.scenario.generator import GeneratedStatement, generate
from concord.scenario.office import DEMO_MARKER, station_unity_workspace
from concord.storage.files import write_public
from concord.submission import Submission, submit
from concord.treaty.calendar import next_period, parse_period
from concord.workspace import Workspace

#: A quarter is evaluated once its measurements (due 45 days after it ends) and late
#: declarations are in: 75 days after the quarter ends.
EVALUATION_LAG = timedelta(days=75)


def _issued_at(statement: GeneratedStatement) -> datetime:
    payload = json.loads(statement.envelope.payload)
    return parse_time(payload["issued_at"], what="issued_at")


def _ingest(ws: Workspace, statements: Sequence[GeneratedStatement]) -> None:
    """Take the parties' signed submissions at the office (as ``concord submit`` does)."""
    submit(ws, [Submission(s.envelope, s.blobs) for s in statements])


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


def save_party_keys(folder: Path, cast: Cast) -> list[Path]:
    """Write each party's and inspector's key pair (FILE and FILE.pub) into ``folder``,
    a folder the demo owns (it carries the demo's marker)."""
    check_party_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DEMO_MARKER).write_text("demo\n", encoding="utf-8")
    written = []
    for member in cast.registered:
        path = folder / f"{member.principal_id}.json"
        for old in (path, path.with_name(path.name + ".pub")):
            old.unlink(missing_ok=True)
        member.key.save_pair(path)
        written.append(path)
    return written


def run_demo(
    settings: Settings, *, seed: int = 2187, quarters: int = 4, size: int = 1, fresh: bool = True
) -> list[QuarterResult]:
    console = Console()
    started = time.perf_counter()
    console.rule("[bold]Concord — the Station Unity peace monitoring office")
    check_party_folder(parties_folder(settings.home))
    ws = station_unity_workspace(settings, fresh=fresh, command="demo")
    try:
        results = _run(ws, console, seed=seed, quarters=quarters, size=size)
        _summary(console, results, settings.home / "reports")
        _outside_audit(ws, console, results)
    finally:
        ws.close()
    console.print(f"\nDone in {time.perf_counter() - started:.0f} s. Workspace: {settings.home}")
    return results


def _run(
    ws: Workspace, console: Console, *, seed: int, quarters: int, size: int
) -> list[QuarterResult]:
    scenario = generate(ws.office_key, seed, quarters=quarters, size=size)
    keys = parties_folder(ws.settings.home)
    save_party_keys(keys, scenario.cast)
    console.print(
        f"The parties' and inspectors' keys are in {keys}, outside the workspace; "
        "the office registered their public keys only."
    )
    pending = sorted(scenario.statements, key=_issued_at)
    out_dir = ws.settings.home / "reports"
    results: list[QuarterResult] = []
    period = parse_period("2187-Q2")
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("quarterly cycle", total=quarters * 3)
        for _ in range(quarters):
            cut = datetime.combine(period.end, datetime.min.time(), UTC) + EVALUATION_LAG
            batch = [s for s in pending if _issued_at(s) <= cut]
            pending = pending[len(batch) :]
            progress.update(task, description=f"{period.id}: ingesting {len(batch)} statements")
            _ingest(ws, batch)
            progress.advance(task)

            def step(message: str) -> None:
                progress.update(task, description=message)

            results.append(run_quarter(ws, period.id, out_dir, step=step, at=cut.date()))
            progress.advance(task, 2)
            period = next_period(period)
    console.print(
        f"Logged {ws.ledger.size():,} statements; ground truth of the injected violations: "
        f"{len(scenario.truth.violations)} records (kinds: "
        f"{', '.join(sorted({r.kind for r in scenario.truth.violations}))})."
    )
    return results


def _summary(console: Console, results: list[QuarterResult], out_dir: Path) -> None:
    table = Table(title="Compliance by party (requirements met / violations), per quarter")
    table.add_column("party")
    periods = [r.evaluation.period for r in results]
    for period in periods:
        table.add_column(period, justify="center")
    parties = sorted({f.party for r in results for f in r.evaluation.findings if f.party})
    for party in parties:
        cells = []
        for r in results:
            mine = [f for f in r.evaluation.findings if f.party == party]
            met = len(
                {f.requirement for f in mine}
                - {f.requirement for f in mine if f.status != "compliant"}
            )
            bad = sum(1 for f in mine if f.status == "violation")
            cells.append(f"{met} / [red]{bad}[/]" if bad else f"{met} / 0")
        table.add_row(party, *cells)
    console.print(table)
    cases = [c for r in results for c in r.cases]
    console.print(
        f"Cases opened: {len(cases)} (violations and contested claims); `concord cases list`"
    )
    console.print(f"Reports (HTML and PDF, consolidated and per signatory): {out_dir}")
    for r in results:
        consolidated = r.reports[0]
        console.print(
            f"  {r.evaluation.period}: {consolidated.html.name}, {consolidated.pdf.name} "
            f"and {len(r.reports) - 1} per signatory; checkpoint {r.evaluation.checkpoint_size}"
        )


def _outside_audit(ws: Workspace, console: Console, results: list[QuarterResult]) -> None:
    export_dir = ws.settings.home / "export"
    size = export_tiles(ws.ledger, export_dir, ws.settings.blobs_dir)
    write_public(export_dir / "log.vkey", (ws.verifier.vkey() + "\n").encode())
    report = verify_tiles(export_dir, ws.verifier, ws.ledger.registry)
    console.print(
        f"\n[bold]Outside audit[/]: tiles export of {size:,} entries in {export_dir} verified "
        f"with only the office's key ({report.statements:,} signatures and roles)."
    )
    last = results[-1].reports[0]
    verdict = audit_report(last.html, export_dir, ws.verifier)
    mark = "[green]match byte for byte[/]" if verdict.matches else "[red]DO NOT MATCH[/]"
    console.print(f"`concord audit {last.html.name}`: recomputed findings {mark}.")

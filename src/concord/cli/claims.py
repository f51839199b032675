"""``concord claims …``: file a claim, check conflicts, show a tenure history, draw a map."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from concord.cli.common import Table, workspace
from concord.errors import ClaimError, MalformedStatement
from concord.workspace import Workspace

claims_app = typer.Typer(no_args_is_help=True, help="The claims registry: filings and conflicts.")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

AtOption = Annotated[
    str | None,
    typer.Option(
        "--at", help="the day to settle on, YYYY-MM-DD (default: the day of the latest record)"
    ),
]


def _day(text: str | None, ws: Workspace) -> date:
    """The day asked for, or the day of the latest record (never the wall clock)."""
    if text is None:
        record = ws.ledger.latest_record()
        err.print(f"as of {record.describe()}", highlight=False)
        return record.at.date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ClaimError(f"--at: {text!r} is not a date like 2187-10-01") from None


def _time(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ClaimError(f"--filed-at: {text!r} is not a time like 2187-04-05T10:00:00Z")
    return value.astimezone(UTC)


@claims_app.command("check")
def check(
    ctx: typer.Context,
    at: AtOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the settlement as JSON")] = False,
) -> None:
    """List every overlap and how the treaty's priority rules settle it."""
    from sqlalchemy.orm import Session

    from concord.claims.service import contested_cases, settle

    with workspace(ctx) as ws, Session(ws.engine) as session:
        day = _day(at, ws)
        settlement = settle(session, day)
        cases = {(c.claim_a, c.claim_b): c for c in contested_cases(session, day)}
    if as_json:
        document = {
            "at": day.isoformat(),
            "live_claims": [s.claim_id for s in settlement.standings],
            "released": [list(pair) for pair in settlement.released],
            "resolutions": [
                {
                    "claim_a": r.claim_a,
                    "claim_b": r.claim_b,
                    "outcome": r.outcome,
                    "winner": r.winner,
                    "loser": r.loser,
                    "decided_by": list(r.decided_by),
                    "disagreeing": list(r.disagreeing),
                    "undeclared_conflict": r.undeclared_conflict,
                    "cites": list(dict.fromkeys(r.cites)),
                    "open_case": (
                        c.open_case if (c := cases.get((r.claim_a, r.claim_b))) else None
                    ),
                }
                for r in settlement.resolutions
            ],
        }
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    out.print(f"Claims registry on {day}: {len(settlement.standings)} live claims")
    for a, b in settlement.released:
        out.print(f"  [dim]released[/] {a} / {b}: a claim lapsed (use it or lose it)")
    for r in settlement.resolutions:
        if r.contested:
            case = cases.get((r.claim_a, r.claim_b))
            state = f"case {case.open_case} open" if case and case.open_case else "to open"
            flag = " [red](no rule of precedence: a gap in the treaty)[/]"
            out.print(
                f"  [yellow]contested[/] {r.claim_a} / {r.claim_b}: "
                f"{', '.join(r.disagreeing) or 'no rule decides'} disagree; {state}"
                f"{flag if r.undeclared_conflict else ''}"
            )
        else:
            out.print(
                f"  [green]decided[/] {r.winner} prevails over {r.loser} "
                f"by {', '.join(r.decided_by)}"
            )
        if r.cites:
            out.print(f"      cites {', '.join(dict.fromkeys(r.cites))}")
        for finding in r.findings:
            out.print(f"      {finding.rule_id}: {finding.reason}")
    if not settlement.resolutions and not settlement.released:
        out.print("  no overlapping claims")


@claims_app.command("show")
def show(
    ctx: typer.Context,
    claim_id: Annotated[str, typer.Argument(help="the claim id")],
    as_json: Annotated[bool, typer.Option("--json", help="print the claim as JSON")] = False,
) -> None:
    """Show a claim and its full tenure history (Art. 12)."""
    from sqlalchemy.orm import Session

    from concord.claims.service import claim_entry, tenure_history

    with workspace(ctx) as ws, Session(ws.engine) as session:
        entry = claim_entry(session, claim_id)
        history = tenure_history(session, claim_id)
    if as_json:
        document = {
            "claim_id": entry.claim_id,
            "holder": entry.holder,
            "mineral": entry.mineral,
            "sector": entry.sector,
            "status": entry.status,
            "area_km2": entry.area_km2,
            "filed_at": str(entry.filed_at),
            "history": [
                {
                    "seq": line.seq,
                    "at": line.at.isoformat(),
                    "event": line.event,
                    "status": line.status,
                    "holder": line.holder,
                    "case_id": line.case_id,
                    "log_index": line.log_index,
                }
                for line in history
            ],
        }
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    out.print(f"{entry.claim_id} — {entry.mineral} in {entry.sector}, held by {entry.holder}")
    out.print(f"  status {entry.status}; {entry.area_km2:,.3f} km²; filed {entry.filed_at}")
    table = Table("#", "at", "event", "status", "holder", "case", "log index")
    for line in history:
        table.add_row(
            str(line.seq),
            line.at.isoformat(),
            line.event,
            line.status,
            line.holder,
            line.case_id or "",
            str(line.log_index),
        )
    out.print(table)


@claims_app.command("map")
def map_sector(
    ctx: typer.Context,
    sector: Annotated[str, typer.Argument(help="the sector (or zone) id")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder for the SVG and PNG")] = Path(),
    at: AtOption = None,
) -> None:
    """Draw the public map of a sector (Art. 14): claims by holder, contested ground
    hatched, sites marked (ringed when outside their operator's claims)."""
    from sqlalchemy.orm import Session

    from concord.claims.public_map import sector_map
    from concord.cycle.inputs import map_context
    from concord.treaty.registry import treaty_in_force

    with workspace(ctx) as ws, Session(ws.engine) as session:
        day = _day(at, ws)
        shared = map_context(session, treaty_in_force(session, day))
        svg, png = sector_map(session, sector, day, sites=shared.sites, colours=shared.colours)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{sector}.svg").write_bytes(svg)
    (out_dir / f"{sector}.png").write_bytes(png)
    out.print(f"map of {sector} written to {out_dir / sector}.svg and .png")


@claims_app.command("file")
def file_claim(
    ctx: typer.Context,
    geojson: Annotated[Path, typer.Argument(help="GeoJSON Polygon/MultiPolygon, crs sector-km")],
    holder: Annotated[str, typer.Option(help="the holder's treaty party id")],
    key: Annotated[Path, typer.Option(help="key file of a principal acting for the holder")],
    sector: Annotated[str, typer.Option(help="the sector (or zone) id")],
    mineral: Annotated[str, typer.Option(help="the mineral claimed")],
    claim_id: Annotated[
        str | None, typer.Option("--id", help="the claim id (default: the file's name)")
    ] = None,
    filed_at: Annotated[
        str | None,
        typer.Option(help="filing time the holder states, ISO 8601 with a zone (default: now)"),
    ] = None,
    issued_at: Annotated[
        str | None,
        typer.Option(help="when the statement is issued, UTC (default: the filing time)"),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="write the submission here (on the holder's machine)"),
    ] = None,
) -> None:
    """File a claim over the ground in a GeoJSON file (signed with the holder's key).

    The filing time is what the holder states; the statement's issue time may be later
    (a claim filed with its Party before entry into force, entered at the Registry).
    """
    from pydantic import ValidationError

    from concord.claims.schemas import ClaimFiled
    from concord.identity.canonical import parse_json
    from concord.identity.keys import SigningKey
    from concord.inputs import MAX_JSON_FILE_BYTES, read_input

    try:
        raw = read_input(geojson, "GeoJSON", limit=MAX_JSON_FILE_BYTES)
        geometry = parse_json(raw, what=f"GeoJSON {geojson}")
    except MalformedStatement as exc:
        raise ClaimError(exc.message) from None
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    now = _time(filed_at)
    try:
        body = ClaimFiled.model_validate(
            {
                "claim_id": claim_id or geojson.stem,
                "holder": holder,
                "mineral": mineral,
                "sector": sector,
                "geometry": geometry,
                "filed_at": now,
            }
        )
    except ValidationError as exc:
        details = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ClaimError(f"{geojson}: not a valid claim filing", details=details) from None
    from concord.cli.statements import deliver, parse_when
    from concord.registry import default_registry
    from concord.submission import sign_submission

    submission = sign_submission(
        default_registry(),
        SigningKey.load(key),
        ClaimFiled.statement_type,
        body.model_dump(mode="json"),
        issued_at=parse_when(issued_at) if issued_at else now,
    )
    receipt = deliver(ctx, submission, out_file)
    if receipt is not None:
        out.print(f"claim {body.claim_id} filed at log index {receipt.index}")


def register(app: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")

"""``concord treaty register | amend | show``: treaties in the record."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from concord.cli.common import Table, workspace
from concord.cli.treaty import treaty_app
from concord.errors import TreatyError

err = Console(stderr=True)
out = Console(highlight=False)


def _read(path: Path) -> str:
    from concord.treaty.loader import read_yaml_file

    return read_yaml_file(path, "treaty file")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _issued(text: str | None) -> datetime:
    from concord.cli.statements import parse_when

    return parse_when(text)


@treaty_app.command("register")
def register_treaty(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="the treaty file (YAML)")],
    issued_at: Annotated[
        str | None, typer.Option(help="when the office registers it, UTC (default: now)")
    ] = None,
) -> None:
    """Register a treaty: an office statement carrying the file's exact bytes."""
    from concord.treaty.schemas import TREATY_REGISTERED
    from concord.treaty.service import registration_payload

    body = registration_payload(_read(file), str(file))
    with workspace(ctx) as ws:
        receipt = ws.submit_as(ws.office_key, TREATY_REGISTERED, body, issued_at=_issued(issued_at))
    out.print(
        f"treaty {body.treaty_id} registered at log index {receipt.index} "
        f"(sha256 {body.document_sha256[:16]}…)"
    )


@treaty_app.command("amend")
def amend_treaty(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="the amendment file (YAML)")],
    treaty_id: Annotated[str | None, typer.Option("--treaty", help="treaty id")] = None,
    issued_at: Annotated[
        str | None, typer.Option(help="when the office registers it, UTC (default: now)")
    ] = None,
) -> None:
    """Register a dated amendment to the registered treaty."""
    from concord.treaty.registry import registered_treaty
    from concord.treaty.schemas import TREATY_AMENDED
    from concord.treaty.service import amendment_payload

    with workspace(ctx) as ws:
        with Session(ws.engine) as session:
            current = registered_treaty(session, treaty_id)
        body = amendment_payload(current.treaty, _read(file), str(file), current.amendments)
        receipt = ws.submit_as(ws.office_key, TREATY_AMENDED, body, issued_at=_issued(issued_at))
    out.print(
        f"amendment {body.amendment_id} to {body.treaty_id} registered at log index "
        f"{receipt.index}, effective {body.effective_date}"
    )


@treaty_app.command("show")
def show_treaty(
    ctx: typer.Context,
    at: Annotated[
        str | None, typer.Option(help="the date (default: the day of the latest record)")
    ] = None,
    treaty_id: Annotated[str | None, typer.Option("--treaty", help="treaty id")] = None,
    provisions: Annotated[bool, typer.Option(help="print every provision's text")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the version as JSON")] = False,
) -> None:
    """Print the treaty in force on a date, with the provenance of every amended value."""
    from concord.treaty.registry import registered_treaty
    from concord.treaty.views import treaty_document

    try:
        day = date.fromisoformat(at) if at else None
    except ValueError as exc:
        raise TreatyError(f"--at: {at!r} is not a date like 2187-06-01") from exc
    with workspace(ctx) as ws, Session(ws.engine) as session:
        if day is None:
            record_time = ws.ledger.latest_record()
            day = record_time.at.date()
            err.print(f"as of {record_time.describe()}", highlight=False)
        if as_json:
            typer.echo(
                json.dumps(treaty_document(session, day, treaty_id), indent=2, sort_keys=True)
            )
            return
        record = registered_treaty(session, treaty_id)
        version = record.at(day)
    treaty = version.treaty
    status = "in force" if version.in_force else "not yet in force"
    out.print(f"[bold]{treaty.title}[/] ({treaty.id}) as on {day}: {status}")
    source = Table(title="Provenance: the documents this version is made of")
    for column in ("document", "kind", "effective", "log index", "statement", "sha256"):
        source.add_column(column)
    for doc in record.documents:
        applied = doc.kind == "treaty" or doc.document_id.split("/", 1)[1] in version.amendments
        source.add_row(
            doc.document_id,
            doc.kind if applied else f"{doc.kind} (not yet effective)",
            str(doc.effective_date),
            str(doc.log_index),
            doc.statement_id,
            doc.sha256,
        )
    out.print(source)
    if version.provenance:
        changes = Table(title="Amended values")
        for column in ("path", "amendment", "effective", "was", "now"):
            changes.add_column(column)
        for p in version.provenance:
            changes.add_row(p.path, p.amendment, str(p.effective_date), str(p.old), str(p.new))
        out.print(changes)
    reqs = Table(title=f"Monitoring requirements in force ({len(version.requirements())})")
    for column in ("id", "kind", "title", "cites"):
        reqs.add_column(column)
    for r in version.requirements():
        reqs.add_row(r.id, r.kind, r.title, ", ".join(r.cites))
    out.print(reqs)
    out.print(f"{len(version.provisions())} provisions in force")
    if provisions:
        for provision in version.provisions():
            out.print(
                f"\n[bold]Article {provision.article} ({provision.id}) — {provision.title}[/]"
                f"\n{provision.text}"
            )

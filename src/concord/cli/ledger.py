"""Commands over the log: init, submit, receipts, proofs, export, verify, rebuild."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from concord.cli.common import progress_bar, settings_of, workspace
from concord.errors import ConcordError, InputError, VerificationError
from concord.ledger.audit import rebuild as rebuild_log
from concord.ledger.audit import verify_database
from concord.ledger.export import export_tiles, verify_tiles
from concord.ledger.notes import NoteVerifier
from concord.ledger.verify import VerifyReport
from concord.storage.files import write_public
from concord.workspace import VKEY, Workspace, init_workspace

out = Console()
err = Console(stderr=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def init(
    ctx: typer.Context,
    office_id: Annotated[str, typer.Option(help="principal id of the office")] = "office",
    office_name: Annotated[
        str, typer.Option(help="name of the office")
    ] = "Peace Monitoring Office",
    established: Annotated[
        str | None, typer.Option(help="genesis time, UTC (default: now)")
    ] = None,
) -> None:
    """Create a workspace: keys, database and the genesis entry."""
    when = datetime.now(UTC).replace(microsecond=0)
    if established:
        when = datetime.fromisoformat(established.replace("Z", "+00:00"))
    ws = init_workspace(
        settings_of(ctx), office_id=office_id, office_name=office_name, established_at=when
    )
    out.print(f"workspace created in {ws.settings.home}")
    out.print(f"checkpoint verifier key: {ws.verifier.vkey()}")
    ws.close()


def checkpoint(ctx: typer.Context) -> None:
    """Print the latest signed checkpoint (C2SP signed note)."""
    with workspace(ctx) as ws:
        typer.echo(ws.ledger.latest_checkpoint(), nl=False)


def proof(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="inclusion or consistency")],
    first: Annotated[int, typer.Argument(help="leaf index (inclusion) or old size")],
    size: Annotated[int | None, typer.Argument(help="tree size (default: current)")] = None,
) -> None:
    """Print an inclusion or consistency proof as JSON."""
    from concord.ledger.reads import consistency_document, inclusion_document

    with workspace(ctx) as ws:
        if kind == "inclusion":
            body = inclusion_document(ws.ledger, first, size)
        elif kind == "consistency":
            body = consistency_document(ws.ledger, first, size)
        else:
            raise VerificationError(f"proof kind {kind!r}: expected inclusion or consistency")
        typer.echo(json.dumps(body, indent=2))


def export(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="output folder for the static tiles")],
) -> None:
    """Write the log as C2SP tlog-tiles static files (checkpoint, tiles, entry bundles)."""
    with workspace(ctx) as ws:
        size = export_tiles(ws.ledger, directory, ws.settings.blobs_dir)
        write_public(directory / VKEY, (ws.verifier.vkey() + "\n").encode())
    out.print(f"exported {size} entries to {directory}")


def _verifier(
    ctx: typer.Context,
    key: str | None,
    tiles: Path | None,
    *,
    vkey: Path | None = None,
    trust_export_key: bool = False,
) -> NoteVerifier:
    """The office's checkpoint key, from outside what is being checked.

    An export (``tiles``) is checked only against a key given with ``--vkey``/``--key``:
    the key shipped inside an export is whatever its maker put there, and is used only
    on ``--trust-export-key``, with a warning. A workspace is checked against its own
    ``log.vkey`` unless a key is given.
    """
    if key:
        return NoteVerifier.from_vkey(key)
    if vkey is not None:
        try:
            return NoteVerifier.from_vkey(vkey.read_text().strip())
        except OSError as exc:
            raise VerificationError(f"--vkey {vkey}: cannot read ({exc.strerror})") from None
    if tiles is not None:
        if not trust_export_key:
            raise VerificationError(
                "no checkpoint verifier key: an export is checked against the office's "
                "published key, not against the key it ships",
                details=[
                    "pass --vkey FILE (the office's log.vkey, obtained apart from the export)",
                    "or --trust-export-key to use the export's own log.vkey (not an audit)",
                ],
            )
        shipped = tiles / VKEY
        if not shipped.exists():
            raise VerificationError(f"{shipped}: the export ships no key; pass --vkey FILE")
        err.print(
            f"[yellow]warning:[/] trusting the key shipped inside the export ({shipped}); "
            "anyone who can write the export can replace it",
            highlight=False,
        )
        return NoteVerifier.from_vkey(shipped.read_text())
    place = settings_of(ctx).home / VKEY
    if place.exists():
        return NoteVerifier.from_vkey(place.read_text())
    raise VerificationError("no checkpoint verifier key: pass --vkey FILE")


VkeyOption = Annotated[
    Path | None, typer.Option("--vkey", help="the office's checkpoint verifier key file")
]
TrustExportOption = Annotated[
    bool,
    typer.Option(
        "--trust-export-key", help="use the key shipped inside the export (warned; not an audit)"
    ),
]


def verify(
    ctx: typer.Context,
    tiles: Annotated[
        Path | None, typer.Option(help="verify a tiles export instead of the workspace")
    ] = None,
    trusted: Annotated[
        Path | None, typer.Option(help="a checkpoint you trusted before; the log must extend it")
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="the office's checkpoint verifier key, as text")
    ] = None,
    vkey: VkeyOption = None,
    trust_export_key: TrustExportOption = False,
    witness: Annotated[
        list[Path] | None,
        typer.Option(
            help="a witness's verifier key (repeatable): accept the log only with a quorum "
            "of their cosignatures on a checkpoint"
        ),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option(
            help="cosignatures needed (default: the treaty's witness_quorum, else every --witness)"
        ),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option(
            help="also replay every statement's domain checks and compare the projections "
            "(a workspace only; --no-replay checks signatures, roles and the tree alone)"
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    server: Annotated[
        str | None,
        typer.Option(
            help="follow the log served at this URL (GET /log/...) into a local mirror, "
            "as an auditor does; needs --vkey"
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            help="with --server: the mirror folder, holding the checkpoint trusted last "
            "(default: ./concord-mirror)"
        ),
    ] = None,
) -> None:
    """Check the whole log end to end; names the first bad entry and exits non-zero.

    On a workspace it also replays the log into fresh tables and compares them with the
    live ones, as `concord rebuild` does. An export is checked against the office's key
    given from outside it (--vkey). With --server, the log is fetched over HTTP: only
    the tiles the mirror lacks, checked against the checkpoint trusted last (a rollback
    or a fork is refused, exit 2, and the trusted checkpoint kept).
    """
    if server is not None or state is not None:
        _verify_server(ctx, server, vkey, state, as_json=as_json)
        return
    verifier = _verifier(ctx, key, tiles, vkey=vkey, trust_export_key=trust_export_key)
    trusted_note = trusted.read_text() if trusted else None
    store: dict[str, object] | None = None
    with progress_bar() as bar:
        task = bar.add_task("verifying", total=None)

        def advance(n: int) -> None:
            bar.advance(task, n)

        if tiles is not None:
            from concord.identity.preverify import SignaturePool
            from concord.registry import default_registry

            workers = settings_of(ctx).verify_workers
            pool = SignaturePool(workers) if workers else None
            try:
                report = verify_tiles(
                    tiles,
                    verifier,
                    default_registry(),
                    trusted_note=trusted_note,
                    progress=advance,
                    pool=pool,
                )
            finally:
                if pool is not None:
                    pool.close()
        else:
            with workspace(ctx) as ws:
                bar.update(task, total=ws.ledger.size())
                report = verify_database(
                    ws.ledger, verifier, trusted_note=trusted_note, progress=advance
                )
                if replay:
                    replay_task = bar.add_task("replaying", total=report.size)
                    replayed = rebuild_log(
                        ws.ledger,
                        ws.ledger.registry,
                        progress=lambda n: bar.advance(replay_task, n),
                    )
                    if replayed.differences:
                        raise VerificationError(
                            "the tables differ from a replay of the log",
                            details=replayed.differences,
                        )
                store = _verify_store(ws)
    witnessed = _witnessed(ctx, tiles, verifier, witness or [], quorum)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "witnessed": witnessed,
                    "verified": True,
                    "size": report.size,
                    "statements": report.statements,
                    "checkpoints": report.checkpoints,
                    "root": _b64(report.root),
                    "trusted_size": None if report.trusted is None else report.trusted.size,
                    "replayed": replay and tiles is None,
                    **({} if tiles is not None else {"analytic_store": store}),
                },
                sort_keys=True,
            )
        )
        return
    _print_verified(report, replayed=replay and tiles is None, witnessed=witnessed)
    if tiles is None:
        out.print(_store_line(store), highlight=False)


def _print_verified(report: VerifyReport, *, replayed: bool, witnessed: str | None) -> None:
    out.print(
        f"[green]verified[/]: {report.size} entries, {report.statements} signatures and roles, "
        f"{report.checkpoints} checkpoint(s); root {_b64(report.root)}"
    )
    if replayed:
        out.print("replayed: every table matches a replay of the log")
    if report.trusted is not None:
        out.print(f"extends the trusted checkpoint of size {report.trusted.size}")
    if witnessed is not None:
        out.print(witnessed)


def _verify_server(
    ctx: typer.Context, server: str | None, vkey: Path | None, state: Path | None, *, as_json: bool
) -> None:
    from concord.cli.remote import DEFAULT_STATE, follow_server, follow_summary

    if server is None:
        raise InputError("--state is the mirror of --server: give --server URL too")

    folder = state or DEFAULT_STATE
    report = follow_server(server, vkey, folder, settings_of(ctx).verify_workers)
    if as_json:
        typer.echo(json.dumps(follow_summary(report, folder), sort_keys=True))
        return
    out.print(
        f"[green]verified[/]: {report.checkpoint.size} entries of {server}, "
        f"{report.verified.statements} signatures and roles; root "
        f"{_b64(report.checkpoint.root)}"
    )
    if report.previous is not None:
        out.print(f"extends the checkpoint of size {report.previous.size} trusted before")
    out.print(
        f"fetched {report.fetched} tile(s), kept {report.kept} full tile(s) already held; "
        f"trusted checkpoint in {folder}",
        highlight=False,
    )


def _witnessed(
    ctx: typer.Context,
    tiles: Path | None,
    verifier: NoteVerifier,
    witness: list[Path],
    quorum: int | None,
) -> str | None:
    """What the witnesses' cosignatures establish, when the caller or the treaty asks."""
    required = None if tiles is not None else _treaty_quorum(ctx)
    if not witness and required is None:
        return None
    from concord.cli.witness import require_quorum

    if not witness:
        raise VerificationError(
            f"the treaty accepts a checkpoint only when {required} of the parties' "
            "witnesses cosigned it: pass their keys with --witness FILE.vkey"
        )
    needed = quorum if quorum is not None else required
    return require_quorum(_checkpoint_notes(ctx, tiles), verifier, witness, needed)


def _treaty_quorum(ctx: typer.Context) -> int | None:
    """The witness quorum the treaty in force at the latest record sets, if any."""
    from sqlalchemy.orm import Session

    from concord.errors import NotFoundError
    from concord.treaty.registry import treaty_in_force

    with workspace(ctx) as ws, Session(ws.engine) as session:
        try:
            day = ws.ledger.latest_record().at.date()
            return treaty_in_force(session, day).treaty.witness_quorum
        except NotFoundError:
            return None


def _checkpoint_notes(ctx: typer.Context, tiles: Path | None) -> list[str]:
    """The signed checkpoints of the log being verified (an export ships its latest)."""
    if tiles is not None:
        return [(tiles / "checkpoint").read_text()]
    from sqlalchemy.orm import Session

    from concord.ledger import store

    with workspace(ctx) as ws, Session(ws.engine) as session:
        return store.all_checkpoint_notes(session)


def _verify_store(ws: Workspace) -> dict[str, object] | None:
    """The analytic store's sealed state, checked against the log and its content."""
    from concord.evidence.analytics import verify_analytics

    state = verify_analytics(ws)
    if state is None:
        return None
    return {"size": state.size, "root": state.root, "content_digest": state.digest}


def _store_line(store: dict[str, object] | None) -> str:
    if store is None:
        return "analytic store: not built yet (the next evaluate builds it)"
    return (
        f"analytic store: sealed at log size {store['size']}, content digest "
        f"{store['content_digest']} matches"
    )


def rebuild(ctx: typer.Context) -> None:
    """Replay the whole log into fresh projections and compare them with the live state."""
    with workspace(ctx) as ws, progress_bar() as bar:
        task = bar.add_task("replaying", total=ws.ledger.size())
        report = rebuild_log(ws.ledger, ws.ledger.registry, progress=lambda n: bar.advance(task, n))
    if report.differences:
        raise VerificationError(
            "the replayed state differs from the live state", details=report.differences
        )
    tables = ", ".join(f"{k} {v}" for k, v in report.tables.items())
    out.print(f"[green]rebuilt[/] {report.size} entries; identical state ({tables})")


def register(app: typer.Typer) -> None:
    for command in (init, checkpoint, proof, export, verify, rebuild):
        app.command()(command)


__all__ = ["ConcordError", "register"]

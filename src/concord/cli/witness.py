"""Witness commands: a party's witness cosigns the office's checkpoints.

On the party's machine: ``witness new`` makes its key, ``witness cosign`` answers a
request (refusing a rollback or a fork of what it cosigned before), ``witness show``
prints the checkpoint it holds. At the office: ``witness request`` makes the request,
``witness add`` stores the cosignatures with the office's checkpoint.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from concord.cli.common import workspace
from concord.errors import ConfigurationError, VerificationError
from concord.ledger.notes import NoteVerifier
from concord.ledger.witness import (
    CosignRequest,
    WitnessKey,
    WitnessVerifier,
    add_cosignatures,
    add_signatures,
    cosign,
    cosign_request,
    held_checkpoint,
)

witness_app = typer.Typer(no_args_is_help=True, help="Parties' witnesses cosign checkpoints.")
out = Console()


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(f"{what} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{what} {path}: cannot read ({exc})") from None


def witness_keys(paths: list[Path]) -> list[WitnessVerifier]:
    """The witness verifier keys in ``paths`` (``.vkey`` files)."""
    return [WitnessVerifier.from_vkey(_read(p, "--witness")) for p in paths]


@witness_app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="the witness's name, e.g. witness.pa.example/w1")],
    out_file: Annotated[Path, typer.Option("--out", help="private key file (owner-only)")],
) -> None:
    """Make a witness key: FILE (private, owner-only) and FILE.vkey (to publish)."""
    if out_file.exists():
        raise ConfigurationError(f"--out {out_file}: already exists; nothing was written")
    public = WitnessKey.generate(name).save(out_file)
    out.print(f"witness key written to {out_file}; publish {public}")


@witness_app.command("request")
def request(
    ctx: typer.Context,
    old: Annotated[int, typer.Option(help="the size of the checkpoint the witness holds")] = 0,
) -> None:
    """Print a request to cosign the latest checkpoint (tlog-witness add-checkpoint body)."""
    with workspace(ctx) as ws:
        typer.echo(cosign_request(ws.ledger, old).text(), nl=False)


@witness_app.command("cosign")
def cosign_command(
    request_file: Annotated[Path, typer.Argument(help="the office's request")],
    key: Annotated[Path, typer.Option(help="the witness's private key file")],
    state: Annotated[Path, typer.Option(help="the witness's own record of what it cosigned")],
    vkey: Annotated[Path, typer.Option("--vkey", help="the office's checkpoint verifier key")],
) -> None:
    """Cosign the requested checkpoint if it extends the one this witness holds, and
    print the cosigned checkpoint (for `concord witness add` at the office)."""
    witness = WitnessKey.from_skey(_read(key, "--key"))
    log = NoteVerifier.from_vkey(_read(vkey, "--vkey"))
    parsed = CosignRequest.parse(_read(request_file, "request"))
    line = cosign(witness, state, log, parsed, now=int(time.time()))
    typer.echo(add_signatures(parsed.note, [line]), nl=False)


@witness_app.command("show")
def show(
    state: Annotated[Path, typer.Option(help="the witness's record of what it cosigned")],
) -> None:
    """Print the checkpoint this witness last cosigned (usable as `verify --trusted`)."""
    note = held_checkpoint(state)
    if note is None:
        raise ConfigurationError(f"--state {state}: this witness has cosigned nothing yet")
    typer.echo(note, nl=False)


@witness_app.command("add")
def add(
    ctx: typer.Context,
    cosigned: Annotated[Path, typer.Argument(help="a checkpoint a witness cosigned")],
    witness: Annotated[
        list[Path], typer.Option(help="the witness's verifier key file (repeatable)")
    ],
) -> None:
    """Store a witness's cosignature with the office's checkpoint of that size."""
    keys = witness_keys(witness)
    with workspace(ctx) as ws:
        names = add_cosignatures(ws.ledger, _read(cosigned, "checkpoint"), keys)
    out.print(f"cosigned by {', '.join(names)}")


def require_quorum(
    notes: list[str], log: NoteVerifier, witnesses: list[Path], quorum: int | None
) -> str:
    """Describe the largest checkpoint with a quorum of cosignatures; raise if none."""
    from concord.ledger.witness import quorum_checkpoint

    keys = witness_keys(witnesses)
    needed = len(keys) if quorum is None else quorum
    found = quorum_checkpoint(notes, log, keys, needed)
    if found is None:
        raise VerificationError(
            f"no checkpoint carries cosignatures by {needed} of the {len(keys)} witness(es) "
            f"given ({', '.join(k.name for k in keys)}): the log is not witnessed",
        )
    return (
        f"witnessed: the checkpoint of size {found.checkpoint.size} is cosigned by "
        f"{', '.join(found.witnesses)} ({len(found.witnesses)} of {len(keys)}, quorum {needed})"
    )

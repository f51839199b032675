"""Commands for keys and principals. Each change is itself a signed statement."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

from concord.cli.common import Table, identifier_option, option_details, workspace
from concord.errors import ConfigurationError, MalformedStatement
from concord.identity.keys import PublicKey, SigningKey
from concord.identity.schemas import KeyRevoked, KeyRotated, PrincipalRegistered
from concord.workspace import key_spec

keys_app = typer.Typer(no_args_is_help=True, help="Create, rotate and revoke Ed25519 keys.")
principals_app = typer.Typer(no_args_is_help=True, help="Register principals and their roles.")
out = Console()


def _time(text: str | None, option: str) -> datetime:
    from concord.cli.statements import parse_when

    return parse_when(text, option=option)


def _deliver(
    ctx: typer.Context,
    key: SigningKey,
    type_: str,
    body: BaseModel,
    *,
    issued_at: datetime,
    out_file: Path | None,
) -> str:
    """Sign ``body``; write the submission to ``out_file``, or submit it into the workspace."""
    from concord.cli.statements import deliver
    from concord.registry import default_registry
    from concord.submission import sign_submission

    submission = sign_submission(
        default_registry(), key, type_, body.model_dump(mode="json"), issued_at=issued_at
    )
    receipt = deliver(ctx, submission, out_file)
    if receipt is None:
        return "submit the written submission with `concord submit`"
    return f"logged at index {receipt.index}"


IssuedAt = Annotated[str | None, typer.Option(help="when the act is issued, UTC (default: now)")]


@keys_app.command("new")
def keys_new(
    principal: Annotated[str, typer.Argument(help="the principal the key belongs to")],
    out_file: Annotated[Path, typer.Option("--out", help="where to write the private key")],
) -> None:
    """Generate an Ed25519 key pair on your own machine.

    The private key goes to FILE (owner-only); its public key to FILE.pub, which is
    what you give the office. The office never needs the private key.
    """
    if out_file.exists():
        raise ConfigurationError(f"{out_file}: exists; refusing to overwrite a key file")
    identifier_option(principal, "PRINCIPAL")
    key = SigningKey.generate(principal)
    pub = key.save_pair(out_file)
    out.print(f"{key.key_id} written to {out_file} (private) and {pub} (public)")


@keys_app.command("rotate")
def keys_rotate(
    ctx: typer.Context,
    principal: str,
    new_key: Annotated[Path, typer.Option(help="public key file of the new key (FILE.pub)")],
    signer: Annotated[Path, typer.Option(help="your current private key file, which signs")],
    retire: Annotated[str | None, typer.Option(help="key id to retire")] = None,
    valid_from: Annotated[
        str | None, typer.Option(help="the new key signs from this time on (default: issue time)")
    ] = None,
    issued_at: IssuedAt = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the submission here instead of submitting")
    ] = None,
) -> None:
    """Add a new key for a principal, optionally retiring the old one."""
    new = PublicKey.load(new_key)
    when = _time(issued_at, "--issued-at")
    start = _time(valid_from, "--valid-from") if valid_from else when
    body = KeyRotated(principal_id=principal, new_key=key_spec(new, start), retire_key_id=retire)
    said = _deliver(
        ctx,
        SigningKey.load(signer),
        "identity.key_rotated",
        body,
        issued_at=when,
        out_file=out_file,
    )
    out.print(f"key {new.key_id} for {principal}: {said}")


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context,
    principal: str,
    key_id: str,
    reason: Annotated[str, typer.Option(help="why the key is revoked")],
    signer: Annotated[
        Path | None, typer.Option(help="key file that signs (default: the office's)")
    ] = None,
    effective_from: Annotated[
        str | None,
        typer.Option(
            "--from", help="refuse statements issued from this time on (default: all of them)"
        ),
    ] = None,
    issued_at: IssuedAt = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the submission here instead of submitting")
    ] = None,
) -> None:
    """Revoke a key: once the revocation is logged, nothing it signs is accepted (with
    --from, nothing issued from that time on)."""
    start = _time(effective_from, "--from") if effective_from else None
    body = KeyRevoked(principal_id=principal, key_id=key_id, reason=reason, effective_from=start)
    when = _time(issued_at, "--issued-at")
    if signer is None:
        with workspace(ctx) as ws:
            office = ws.office_key
        said = _deliver(ctx, office, "identity.key_revoked", body, issued_at=when, out_file=None)
    else:
        said = _deliver(
            ctx,
            SigningKey.load(signer),
            "identity.key_revoked",
            body,
            issued_at=when,
            out_file=out_file,
        )
    out.print(f"key {key_id} revoked: {said}")


#: The option of ``principals register`` that fills each body field.
_REGISTER_OPTIONS = {
    "principal_id": "PRINCIPAL",
    "name": "--name",
    "roles": "--role",
    "party": "--party",
    "key": "--public-key",
}


@principals_app.command("register")
def principals_register(
    ctx: typer.Context,
    principal: str,
    name: Annotated[str, typer.Option(help="display name")],
    role: Annotated[list[str], typer.Option(help="signatory, third_party, inspector or office")],
    public_key: Annotated[
        Path, typer.Option(help="the principal's public key file (FILE.pub from `keys new`)")
    ],
    party: Annotated[str | None, typer.Option(help="the treaty party it acts for")] = None,
    valid_from: Annotated[
        str | None, typer.Option(help="the key signs from this time on (default: issue time)")
    ] = None,
    issued_at: IssuedAt = None,
) -> None:
    """Register a principal with its roles and public key (an office statement)."""
    identifier_option(principal, "PRINCIPAL")
    identifier_option(party, "--party")
    key = PublicKey.load(public_key)
    if key.principal != principal:
        raise ConfigurationError(
            f"{public_key}: the key was made for {key.principal!r}, not {principal!r}"
        )
    when = _time(issued_at, "--issued-at")
    start = _time(valid_from, "--valid-from") if valid_from else when
    try:
        body = PrincipalRegistered.model_validate(
            {
                "principal_id": principal,
                "name": name,
                "roles": role,
                "party": party,
                "key": key_spec(key, start).model_dump(),
            }
        )
    except ValidationError as exc:
        details = option_details(exc, _REGISTER_OPTIONS)
        raise MalformedStatement(
            f"principals register: {details[0]}", details=details[1:]
        ) from None
    with workspace(ctx) as ws:
        office = ws.office_key
    said = _deliver(
        ctx, office, "identity.principal_registered", body, issued_at=when, out_file=None
    )
    out.print(f"{principal} registered: {said}")


@principals_app.command("list")
def principals_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The registered principals, their roles, party and public keys."""
    from concord.identity.service import principals_view

    with workspace(ctx) as ws:
        rows = principals_view(ws.engine, ws.ledger.identity)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    table = Table("principal", "name", "roles", "party", "keys")
    for row in rows:
        keys = ", ".join(k["key_id"] + (" (revoked)" if k["revoked"] else "") for k in row["keys"])
        table.add_row(
            row["principal_id"], row["name"], ", ".join(row["roles"]), row["party"] or "", keys
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.add_typer(principals_app, name="principals")

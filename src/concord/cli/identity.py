"""Commands for keys and principals. Each change is itself a signed statement."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from concord.cli.common import workspace
from concord.identity.keys import SigningKey
from concord.identity.schemas import KeyRevoked, KeyRotated, PrincipalRegistered
from concord.workspace import key_spec

keys_app = typer.Typer(no_args_is_help=True, help="Create, rotate and revoke Ed25519 keys.")
principals_app = typer.Typer(no_args_is_help=True, help="Register principals and their roles.")
out = Console()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@keys_app.command("new")
def keys_new(
    principal: Annotated[str, typer.Argument(help="the principal the key belongs to")],
    out_file: Annotated[Path, typer.Option("--out", help="where to write the private key")],
) -> None:
    """Generate an Ed25519 key pair for a principal (private key file is owner-only)."""
    key = SigningKey.generate(principal)
    key.save(out_file)
    out.print(f"{key.key_id} written to {out_file}")


@keys_app.command("rotate")
def keys_rotate(
    ctx: typer.Context,
    principal: str,
    new_key: Annotated[Path, typer.Option(help="key file of the new key")],
    signer: Annotated[Path, typer.Option(help="key file that signs (the current key)")],
    retire: Annotated[str | None, typer.Option(help="key id to retire")] = None,
) -> None:
    """Add a new key for a principal, optionally retiring the old one."""
    new = SigningKey.load(new_key)
    with workspace(ctx) as ws:
        body = KeyRotated(
            principal_id=principal, new_key=key_spec(new, _now()), retire_key_id=retire
        )
        receipt = ws.submit_as(
            SigningKey.load(signer), "identity.key_rotated", body, issued_at=_now()
        )
    out.print(f"key {new.key_id} registered for {principal} at log index {receipt.index}")


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context,
    principal: str,
    key_id: str,
    reason: Annotated[str, typer.Option(help="why the key is revoked")],
    signer: Annotated[
        Path | None, typer.Option(help="key file that signs (default: office)")
    ] = None,
) -> None:
    """Revoke a key: nothing signed by it is accepted afterwards."""
    with workspace(ctx) as ws:
        key = SigningKey.load(signer) if signer else ws.office_key
        body = KeyRevoked(principal_id=principal, key_id=key_id, reason=reason)
        receipt = ws.submit_as(key, "identity.key_revoked", body, issued_at=_now())
    out.print(f"key {key_id} revoked at log index {receipt.index}")


@principals_app.command("register")
def principals_register(
    ctx: typer.Context,
    principal: str,
    name: Annotated[str, typer.Option(help="display name")],
    role: Annotated[list[str], typer.Option(help="signatory, third_party, inspector or office")],
    key_file: Annotated[Path, typer.Option(help="the principal's key file (public part used)")],
    party: Annotated[str | None, typer.Option(help="the treaty party it acts for")] = None,
) -> None:
    """Register a principal with its roles and key (an office statement)."""
    key = SigningKey.load(key_file)
    with workspace(ctx) as ws:
        body = PrincipalRegistered.model_validate(
            {
                "principal_id": principal,
                "name": name,
                "roles": role,
                "party": party,
                "key": key_spec(key, _now()).model_dump(),
            }
        )
        receipt = ws.submit_as(
            ws.office_key, "identity.principal_registered", body, issued_at=_now()
        )
    out.print(f"{principal} registered at log index {receipt.index}")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.add_typer(principals_app, name="principals")

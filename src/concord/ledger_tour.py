"""The demonstration behind ``make demo``: the office's record at work.

It creates a workspace, establishes the office, registers the parties of the Treaty
of Station Unity and an inspector with their keys, logs signed statements and keeps
their receipts, shows that bad statements are refused without changing the log,
rotates and revokes a key, exports the log as static tiles and verifies the export
as an outside auditor would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from concord.config import Settings
from concord.errors import ConcordError
from concord.identity.keys import SigningKey
from concord.identity.schemas import KeyRevoked, KeyRotated, PrincipalRegistered
from concord.ledger.audit import rebuild, verify_database
from concord.ledger.export import export_tiles, verify_tiles
from concord.scenario.office import GENESIS, station_unity_workspace
from concord.workspace import (
    Workspace,
    key_spec,
    sign_statement,
)


@dataclass(frozen=True, slots=True)
class DemoParty:
    principal_id: str
    name: str
    role: str
    party: str | None


PRINCIPALS = (
    DemoParty("pacific-alliance", "Pacific Alliance", "signatory", "PA"),
    DemoParty("european-federation", "European Federation", "signatory", "EF"),
    DemoParty("mars-independents", "Mars Independents", "signatory", "MI"),
    DemoParty("helios-mining", "Helios Mining Consortium", "third_party", "HMC"),
    DemoParty("mars-collective", "Mars Collective", "third_party", "MC"),
    DemoParty("titan-resources", "Titan Resources", "third_party", "TR"),
    DemoParty("belt-mining", "Belt Mining Federation", "third_party", "BMF"),
    DemoParty("inspector-okafor", "Inspector A. Okafor", "inspector", None),
)


def run_tour(settings: Settings, *, fresh: bool = True, out_dir: Path | None = None) -> None:
    console = Console()
    console.rule("[bold]Concord — the record of the Station Unity peace monitoring office")
    ws = station_unity_workspace(settings, fresh=fresh, command="tour")
    try:
        keys = _register_parties(ws, console)
        _refusals(ws, keys, console)
        _rotation(ws, keys, console)
        _audit(ws, console, out_dir or settings.home)
    finally:
        ws.close()


def _register_parties(ws: Workspace, console: Console) -> dict[str, SigningKey]:
    keys: dict[str, SigningKey] = {}
    envelopes = []
    for i, p in enumerate(PRINCIPALS):
        key = SigningKey.generate(p.principal_id)
        key.save(ws.settings.keys_dir / f"{p.principal_id}.json")
        keys[p.principal_id] = key
        body = PrincipalRegistered.model_validate(
            {
                "principal_id": p.principal_id,
                "name": p.name,
                "roles": [p.role],
                "party": p.party,
                "key": key_spec(key, GENESIS).model_dump(),
            }
        )
        envelopes.append(
            sign_statement(
                ws.office_key,
                "identity.principal_registered",
                body,
                issued_at=GENESIS + timedelta(minutes=i + 1),
                statement_id=f"register-{p.principal_id}",
            )
        )
    receipts = ws.ledger.submit_many(envelopes)
    table = Table(title="Principals registered (one office statement each)")
    for column in ("index", "principal", "role", "key", "receipt verifies"):
        table.add_column(column)
    for p, envelope, receipt in zip(PRINCIPALS, envelopes, receipts, strict=True):
        receipt.verify(envelope.canonical_bytes(), ws.verifier)
        table.add_row(
            str(receipt.index), p.name, p.role, keys[p.principal_id].key_id, "[green]yes[/]"
        )
    console.print(table)
    receipts_file = ws.settings.home / "receipts.jsonl"
    receipts_file.write_text(
        "".join(json.dumps(r.to_json(), sort_keys=True) + "\n" for r in receipts)
    )
    console.print(f"receipts kept in {receipts_file}")
    return keys


def _refusals(ws: Workspace, keys: dict[str, SigningKey], console: Console) -> None:
    size = ws.ledger.size()
    when = GENESIS + timedelta(days=1)
    intruder = SigningKey.generate("intruder")
    attempts = [
        (
            "a signatory tries to register a principal (office only)",
            sign_statement(
                keys["pacific-alliance"],
                "identity.principal_registered",
                PrincipalRegistered(
                    principal_id="shadow-operator",
                    name="Shadow Operator",
                    roles=["third_party"],
                    key=key_spec(intruder, when),
                ),
                issued_at=when,
            ),
        ),
        (
            "an unregistered key signs a statement",
            sign_statement(
                SigningKey("office", intruder.seed),
                "identity.key_revoked",
                KeyRevoked(
                    principal_id="european-federation",
                    key_id=keys["european-federation"].key_id,
                    reason="forged",
                ),
                issued_at=when,
            ),
        ),
    ]
    console.print("\n[bold]Statements the ledger refuses[/] (nothing is appended):")
    for label, envelope in attempts:
        try:
            ws.ledger.submit(envelope)
        except ConcordError as exc:
            console.print(f"  • {label}: [red]{exc.message}[/]")
    try:
        ws.ledger.submit('{"payloadType": "application/vnd.concord.statement+json"')
    except ConcordError as exc:
        console.print(f"  • malformed JSON: [red]{exc.message}[/]")
    assert ws.ledger.size() == size, "a refused statement must not be appended"
    console.print(f"  log size unchanged: {size} entries")


def _rotation(ws: Workspace, keys: dict[str, SigningKey], console: Console) -> None:
    old = keys["titan-resources"]
    new = SigningKey.generate("titan-resources")
    when = GENESIS + timedelta(days=30)
    ws.submit_as(
        old,
        "identity.key_rotated",
        KeyRotated(
            principal_id=old.principal, new_key=key_spec(new, when), retire_key_id=old.key_id
        ),
        issued_at=when,
    )
    new.save(ws.settings.keys_dir / "titan-resources.json")
    console.print(f"\nTitan Resources rotated its key: {old.key_id} → {new.key_id}")
    try:
        ws.submit_as(
            old,
            "identity.key_revoked",
            KeyRevoked(principal_id=old.principal, key_id=new.key_id, reason="stolen old key"),
            issued_at=when + timedelta(days=1),
        )
    except ConcordError as exc:
        console.print(f"  the retired key is refused: [red]{exc.message}[/]")


def _audit(ws: Workspace, console: Console, out_dir: Path) -> None:
    report = verify_database(ws.ledger, ws.verifier)
    console.print(
        f"\n[bold]Workspace verified[/]: {report.size} entries re-hashed, "
        f"{report.statements} signatures and roles checked, {report.checkpoints} checkpoints"
    )
    export_dir = out_dir / "export"
    size = export_tiles(ws.ledger, export_dir, ws.settings.blobs_dir)
    (export_dir / "log.vkey").write_text(ws.verifier.vkey() + "\n")
    tiles_report = verify_tiles(export_dir, ws.verifier, ws.ledger.registry)
    console.print(
        f"[bold]Tiles export[/] in {export_dir}: {size} entries; an outside auditor's check "
        f"with only the export and the office's key: [green]{tiles_report.size} entries verified[/]"
    )
    replay = rebuild(ws.ledger, ws.ledger.registry)
    verdict = "[green]identical[/]" if not replay.differences else f"[red]{replay.differences}[/]"
    console.print(f"[bold]Rebuild[/] by replaying the log into fresh projections: {verdict}")
    console.print(f"\nLatest signed checkpoint:\n{ws.ledger.latest_checkpoint()}")
    console.print(f"Office checkpoint verifier key: {ws.verifier.vkey()}")

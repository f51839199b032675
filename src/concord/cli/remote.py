"""The command line as a client of the office's server (``--server URL``).

``concord submit --server``, ``concord sign --server`` and ``concord act … --server``
post submissions to ``POST /statements`` from a party's own machine; ``concord verify
--server`` follows the log over HTTP into a local mirror (:mod:`concord.client.mirror`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from concord.client.mirror import FollowReport
    from concord.identity.keys import SigningKey
    from concord.ledger.receipts import Receipt
from concord.submission import Submission

err = Console(stderr=True, highlight=False)

ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="the office's server, e.g. https://office.example (POST /statements there)",
    ),
]
#: Where ``concord verify --server`` keeps its mirror when no --state is given.
DEFAULT_STATE = Path("concord-mirror")


def submit_to(
    server: str, submissions: Sequence[Submission], key: SigningKey | None = None
) -> list[tuple[Receipt, bool]]:
    """Post each submission to the server in turn; (receipt, appended now) for each.

    Each request is signed with ``key`` (RFC 9421): the office takes statements only
    from a registered principal.

    Each is taken or refused on its own: one refused stops the rest, and those before it
    stay logged (their receipts are printed before the error).
    """
    from concord.api.client import SignatureAuth
    from concord.client import OfficeClient

    done: list[tuple[Receipt, bool]] = []
    auth = None if key is None else SignatureAuth(key)
    with OfficeClient(server, auth=auth) as client:
        for submission in submissions:
            try:
                done.append(client.submit(submission))
            except BaseException:
                print_receipts(done)
                raise
    return done


def print_receipts(done: Sequence[tuple[Receipt, bool]], to: Path | None = None) -> None:
    """The receipts as JSON lines: on stdout, or into ``to``; a line per receipt on stderr."""
    lines = [json.dumps(receipt.to_json(), sort_keys=True) for receipt, _ in done]
    if to is not None:
        to.parent.mkdir(parents=True, exist_ok=True)
        to.write_text("".join(line + "\n" for line in lines))
    else:
        for line in lines:
            typer.echo(line)
    for receipt, appended in done:
        how = "logged" if appended else "already in the log"
        err.print(f"{receipt.statement_id} {how} at index {receipt.index}")
    if to is not None and done:
        err.print(f"receipt(s) in {to}")


def follow_server(
    server: str, vkey: Path | None, state: Path | None, verify_workers: int
) -> FollowReport:
    """``concord verify --server``: follow the log into the mirror at ``state``."""
    from concord.cli.common import progress_bar
    from concord.client import OfficeClient, follow
    from concord.errors import VerificationError
    from concord.identity.preverify import SignaturePool
    from concord.ledger.notes import NoteVerifier
    from concord.registry import default_registry

    if vkey is None:
        raise VerificationError(
            "no checkpoint verifier key: the server's log is checked against the office's "
            "published key, given from outside it",
            details=["pass --vkey FILE (the office's log.vkey, obtained apart from the server)"],
        )
    try:
        verifier = NoteVerifier.from_vkey(vkey.read_text().strip())
    except OSError as exc:
        raise VerificationError(f"--vkey {vkey}: cannot read ({exc.strerror})") from None
    pool = SignaturePool(verify_workers) if verify_workers else None
    try:
        with OfficeClient(server) as client, progress_bar() as bar:
            task = bar.add_task("verifying", total=None)
            return follow(
                client,
                state or DEFAULT_STATE,
                verifier,
                default_registry(),
                pool=pool,
                progress=lambda n: bar.advance(task, n),
            )
    finally:
        if pool is not None:
            pool.close()


def follow_summary(report: FollowReport, state: Path) -> dict[str, Any]:
    """The JSON ``concord verify --server --json`` prints."""
    return {
        "verified": True,
        "size": report.checkpoint.size,
        "statements": report.verified.statements,
        "trusted_size": None if report.previous is None else report.previous.size,
        "tiles_fetched": report.fetched,
        "tiles_kept": report.kept,
        "state": str(state),
    }

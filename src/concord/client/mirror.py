"""Follow the log over HTTP as an auditor does: a local mirror of its tiles, verified.

The state folder holds::

    trusted-checkpoint    the last checkpoint this mirror verified and trusts
    tiles/                the tiles of that checkpoint (a tlog-tiles folder, as
                          ``concord export`` writes; ``concord verify --tiles`` reads it)

Each :func:`follow` fetches the server's checkpoint and checks its signature with the
office key given from outside. A checkpoint smaller than the trusted one is a rollback,
one of the same size with another root or without a consistency proof from it is a fork:
both are refused and the trusted checkpoint stays. Otherwise only the tiles the mirror
does not hold are fetched (tlog-tiles: full tiles never change; partial ones are fetched
again), into a staging folder beside the mirror; the staged tree is verified end to end
(:func:`~concord.ledger.export.verify_tiles`: every entry re-hashed, every signature and
role checked, the trusted checkpoint a prefix) and only then replaces the mirror.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from concord.client.office import OfficeClient
from concord.errors import VerificationError
from concord.identity.preverify import SignaturePool
from concord.ledger import merkle
from concord.ledger.export import Progress, verify_tiles
from concord.ledger.notes import Checkpoint, NoteVerifier, open_checkpoint
from concord.ledger.statements import StatementRegistry
from concord.ledger.tiles import (
    CHECKPOINT_PATH,
    TILE_WIDTH,
    entries_path,
    tile_path,
    tiles_for_size,
)
from concord.ledger.verify import VerifyReport

TRUSTED = "trusted-checkpoint"
TILES = "tiles"
_STAGING = ".incoming"
_PREVIOUS = ".previous"


@dataclass(frozen=True, slots=True)
class FollowReport:
    """What one :func:`follow` did: the new trusted size, what was fetched and kept."""

    checkpoint: Checkpoint
    previous: Checkpoint | None
    fetched: int
    kept: int
    verified: VerifyReport


def tiles_needed(size: int) -> list[tuple[str, bool]]:
    """Every file of a tiled log of ``size`` entries: (path, whether it is a full tile)."""
    paths = [
        (tile_path(level, index, width), width == TILE_WIDTH)
        for level, index, width in tiles_for_size(size)
    ]
    for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, size - index * TILE_WIDTH)
        paths.append((entries_path(index, width), width == TILE_WIDTH))
    return paths


def trusted_checkpoint(state: Path, verifier: NoteVerifier) -> tuple[str, Checkpoint] | None:
    """The note and checkpoint the mirror at ``state`` trusts, or None before its first run."""
    place = state / TRUSTED
    if not place.exists():
        return None
    note = place.read_text()
    try:
        return note, open_checkpoint(note, verifier)
    except VerificationError as exc:
        raise VerificationError(
            f"{place}: the trusted checkpoint does not verify with this key: {exc.message}",
            details=["is --vkey the office's key this mirror was started with?"],
        ) from None


def _refuse(message: str, trusted: Checkpoint, state: Path, *details: str) -> VerificationError:
    return VerificationError(
        message,
        details=[
            *details,
            f"the mirror keeps the checkpoint of size {trusted.size} it trusted before "
            f"({state / TRUSTED})",
        ],
    )


def check_extends(client: OfficeClient, new: Checkpoint, trusted: Checkpoint, state: Path) -> None:
    """Refuse ``new`` unless it extends ``trusted``: no rollback, no fork (RFC 9162 §2.1.4)."""
    if new.origin != trusted.origin:
        raise _refuse(
            f"the server's log is {new.origin!r}, not the log {trusted.origin!r} "
            "this mirror follows",
            trusted,
            state,
        )
    if new.size < trusted.size:
        raise _refuse(
            f"rollback: the server's checkpoint has size {new.size}, smaller than the "
            f"checkpoint of size {trusted.size} trusted before",
            trusted,
            state,
            "the office (or whoever answers at this address) removed entries it had signed",
        )
    if new.size == trusted.size:
        if new.root != trusted.root:
            raise _refuse(
                f"fork: the server's checkpoint of size {new.size} has another root than the "
                "one trusted before",
                trusted,
                state,
                "the office signed two different logs of the same size",
            )
        return
    proof = client.consistency_proof(trusted.size, new.size)
    if not merkle.verify_consistency(trusted.size, new.size, trusted.root, new.root, proof):
        raise _refuse(
            f"fork: the server's checkpoint of size {new.size} does not extend the "
            f"checkpoint of size {trusted.size} trusted before (its consistency proof fails)",
            trusted,
            state,
            "entries before the trusted size were changed, or the office signed another log",
        )


def _stage(client: OfficeClient, mirror: Path, staging: Path, size: int) -> tuple[int, int]:
    """Fill ``staging`` with the tiles of ``size``: full tiles the mirror holds are linked,
    the rest fetched. Returns (fetched, kept)."""
    fetched = kept = 0
    for relative, full in tiles_needed(size):
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        held = mirror / relative
        if full and held.is_file():
            try:
                os.link(held, target)
            except OSError:
                shutil.copyfile(held, target)
            kept += 1
            continue
        target.write_bytes(client.tile(relative))
        fetched += 1
    return fetched, kept


def _write_trusted(state: Path, note: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=state, prefix=".tmp-")
    with os.fdopen(handle, "w") as out:
        out.write(note)
    Path(temporary).replace(state / TRUSTED)


def follow(
    client: OfficeClient,
    state: Path,
    verifier: NoteVerifier,
    registry: StatementRegistry,
    *,
    pool: SignaturePool | None = None,
    progress: Progress | None = None,
) -> FollowReport:
    """Bring the mirror at ``state`` up to the server's checkpoint, or refuse it."""
    state.mkdir(parents=True, exist_ok=True)
    note = client.checkpoint()
    try:
        new = open_checkpoint(note, verifier)
    except VerificationError as exc:
        raise VerificationError(
            f"the server's checkpoint is refused: {exc.message}",
            details=["it is not signed by the office key given with --vkey"],
        ) from None
    known = trusted_checkpoint(state, verifier)
    trusted_note, trusted = known if known else (None, None)
    if trusted is not None:
        check_extends(client, new, trusted, state)
    mirror, staging, previous = state / TILES, state / _STAGING, state / _PREVIOUS
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(previous, ignore_errors=True)
    staging.mkdir()
    try:
        fetched, kept = _stage(client, mirror, staging, new.size)
        (staging / CHECKPOINT_PATH).write_text(note)
        report = verify_tiles(
            staging, verifier, registry, trusted_note=trusted_note, progress=progress, pool=pool
        )
    except VerificationError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if trusted is None:
            raise
        raise _refuse(
            f"the server's log does not verify: {exc.message}", trusted, state, *exc.details
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if mirror.exists():
        mirror.rename(previous)
    staging.rename(mirror)
    _write_trusted(state, note)
    shutil.rmtree(previous, ignore_errors=True)
    return FollowReport(new, trusted, fetched, kept, report)

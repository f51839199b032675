"""Export of the log as C2SP tlog-tiles, and verification of such an export."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.errors import NotFoundError, VerificationError
from concord.identity.preverify import SignaturePool
from concord.ledger import store
from concord.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerNode
from concord.ledger.notes import NoteVerifier, open_checkpoint
from concord.ledger.ranges import TileEntries
from concord.ledger.service import Ledger
from concord.ledger.statements import StatementRegistry
from concord.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TileReader,
    encode_entry_bundle,
    tile_bytes,
    write_tiles,
)
from concord.ledger.verify import PARALLEL_FROM, VerifyReport, verify_entries
from concord.storage.files import make_public, public_dirs

Progress = Callable[[int], None]


def export_tiles(ledger: Ledger, directory: Path, blobs_dir: Path | None = None) -> int:
    """Write the log at its latest checkpoint as static tiles; return the tree size."""
    public_dirs(directory)
    with Session(ledger.engine) as session:
        latest = session.scalars(
            select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1)
        ).first()
        if latest is None:
            raise VerificationError("the log is empty: nothing to export")
        size = latest.size
        levels = list(range(0, max(size.bit_length(), 1) + TILE_HEIGHT, TILE_HEIGHT))
        nodes = {
            (int(level), int(idx)): bytes(digest)
            for level, idx, digest in session.execute(
                select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(
                    LedgerNode.level.in_(levels)
                )
            )
        }
        entries = (entry for _i, entry in store.iter_entries(session))
        write_tiles(directory, size, entries, nodes, latest.note.encode())
    if blobs_dir is not None and blobs_dir.exists():
        target = directory / "blobs"
        for blob in sorted(blobs_dir.rglob("*")):
            if blob.is_file():
                destination = target / blob.relative_to(blobs_dir)
                if not destination.exists():
                    public_dirs(destination.parent)
                    shutil.copyfile(blob, destination)
                    make_public(destination)
    return size


def _published_size(session: Session) -> int:
    latest = store.latest_checkpoint(session)
    if latest is None:
        raise VerificationError("the log is empty: no checkpoint has been signed")
    return latest.size


def _check_tile(what: str, index: int, width: int, available: int, size: int) -> None:
    # tlog-tiles: a tile of width W at index N exists once the tree has N*256 + W items
    # at its level; a partial tile is a prefix of the full tile it grows into.
    if not 0 < width <= TILE_WIDTH or index * TILE_WIDTH + width > available:
        raise NotFoundError(
            f"{what} {index} of width {width} is not in the log at its checkpoint of size {size}"
        )


def hash_tile(ledger: Ledger, level: int, index: int, width: int = TILE_WIDTH) -> bytes:
    """The bytes of one hash tile of the log at its latest checkpoint, as exported.

    The same :func:`~concord.ledger.tiles.tile_bytes` builds every tile of
    :func:`export_tiles`, so a served tile and an exported tile are the same bytes.
    """
    with Session(ledger.engine) as session:
        size = _published_size(session)
        tree_level = level * TILE_HEIGHT
        _check_tile(f"hash tile {level}/", index, width, size >> tree_level, size)
        first = index * TILE_WIDTH
        nodes = store.fetch_nodes(session, [(tree_level, first + i) for i in range(width)])
    return tile_bytes(level, index, width, nodes)


def entry_bundle(ledger: Ledger, index: int, width: int = TILE_WIDTH) -> bytes:
    """The bytes of one entry bundle of the log at its latest checkpoint, as exported."""
    with Session(ledger.engine) as session:
        size = _published_size(session)
        _check_tile("entry bundle", index, width, size, size)
        first = index * TILE_WIDTH
        entries = session.scalars(
            select(LedgerEntry.entry)
            .where(LedgerEntry.idx >= first, LedgerEntry.idx < first + width)
            .order_by(LedgerEntry.idx)
        ).all()
    if len(entries) != width:
        raise VerificationError(
            f"the log holds {len(entries)} entries under entry bundle {index}, not {width}"
        )
    return encode_entry_bundle([bytes(e) for e in entries])


def verify_tiles(
    directory: Path,
    verifier: NoteVerifier,
    registry: StatementRegistry,
    *,
    trusted_note: str | None = None,
    max_entry_bytes: int = 65_535,
    progress: Progress | None = None,
    pool: SignaturePool | None = None,
    parallel_from: int = PARALLEL_FROM,
) -> VerifyReport:
    """Verify a tiles export: hash tiles, entries, signatures, roles and checkpoints.

    With ``pool``, its worker processes share the work (in ranges, from
    ``parallel_from`` entries).
    """
    reader = TileReader(directory)
    note = reader.checkpoint().decode("utf-8", errors="replace")
    checkpoint = open_checkpoint(note, verifier)
    reader.root(checkpoint.size)

    def entries() -> Iterator[tuple[int, bytes, bytes | None]]:
        for index, entry in enumerate(reader.entries(checkpoint.size)):
            yield index, entry, None

    return verify_entries(
        entries(),
        [note],
        verifier,
        registry,
        origin=checkpoint.origin,
        trusted_note=trusted_note,
        max_entry_bytes=max_entry_bytes,
        progress=progress,
        pool=pool,
        source=TileEntries(str(directory), checkpoint.size),
        size=checkpoint.size,
        parallel_from=parallel_from,
    )

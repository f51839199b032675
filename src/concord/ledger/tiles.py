"""Export and read the log as C2SP tlog-tiles static files (https://c2sp.org/tlog-tiles).

A tiled log is a directory that any web server or CDN can serve::

    checkpoint                    the signed checkpoint (written last)
    tile/<L>/<N>[.p/<W>]          hash tiles: 256 consecutive tree hashes at level 8*L
    tile/entries/<N>[.p/<W>]      entry bundles: the 256 entries under level-0 tile N

Full tiles never change; the partial right-edge tiles (``.p/<W>``, 1 to 255 items) of
every exported tree size are kept, since a client may hold a checkpoint of that size.

:class:`TileReader` never trusts stored hashes: :meth:`TileReader.root` re-hashes every
entry and checks each stored hash tile against the recomputed tree.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path

from concord.errors import MalformedStatement, VerificationError
from concord.ledger.merkle import HASH_SIZE, Frontier, NodeId, leaf_hash, node_hash
from concord.storage.files import make_public_fd, public_dirs

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
# tlog-tiles "Log entries": entries are big-endian uint16 length-prefixed, which bounds
# the size of one Concord statement.
MAX_ENTRY_SIZE = 0xFFFF
_LENGTH_PREFIX = 2
CHECKPOINT_PATH = "checkpoint"

NodeSource = Mapping[NodeId, bytes] | Callable[[int, int], bytes]
TileId = tuple[int, int, int]


# --- Paths ----------------------------------------------------------------------------


def _encode_index(index: int) -> str:
    """tlog-tiles: zero-padded 3-digit path elements, all but the last prefixed ``x``."""
    if index < 0:
        raise ValueError(f"tile index must not be negative, got {index}")
    groups: list[str] = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def _suffix(width: int | None) -> str:
    """tlog-tiles: ``.p/<W>`` marks a partial tile of 1 to 255 items; full tiles have none."""
    if width is None or width == TILE_WIDTH:
        return ""
    if not 0 < width < TILE_WIDTH:
        raise ValueError(f"tile width must be between 1 and {TILE_WIDTH}, got {width}")
    return f".p/{width}"


def tile_path(level: int, index: int, width: int | None = None) -> str:
    """The path of hash tile ``index`` at tile level ``level``, e.g. ``tile/0/x001/x234/067``."""
    if not 0 <= level <= 63:
        raise ValueError(f"tile level must be between 0 and 63, got {level}")
    return f"tile/{level}/{_encode_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int | None = None) -> str:
    """The path of entry bundle ``index``, e.g. ``tile/entries/x001/x234/067.p/12``."""
    return f"tile/entries/{_encode_index(index)}{_suffix(width)}"


def parse_tile_index(text: str) -> tuple[int, int]:
    """The tile index and width of a path tail like ``x001/x234/067.p/12``.

    The inverse of the paths above: only the one canonical spelling of an index is
    accepted (tlog-tiles gives each tile exactly one path), and a full tile has width
    256. Anything else is a :class:`ValueError`.
    """
    width = TILE_WIDTH
    if ".p/" in text:
        text, _, width_text = text.partition(".p/")
        if not width_text.isdigit() or not 0 < int(width_text) < TILE_WIDTH:
            raise ValueError(f"partial tile width {width_text!r}: expected 1 to 255")
        width = int(width_text)
        if width_text != str(width):
            raise ValueError(f"partial tile width {width_text!r}: not in its canonical form")
    groups = text.split("/")
    digits = [g.removeprefix("x") if n < len(groups) - 1 else g for n, g in enumerate(groups)]
    if any(len(d) != 3 or not d.isdigit() or not d.isascii() for d in digits):
        raise ValueError(f"tile index {text!r}: expected groups of three digits like x001/234")
    index = int("".join(digits))
    if _encode_index(index) != text:
        raise ValueError(f"tile index {text!r}: not in its canonical form")
    return index, width


def tiles_for_size(size: int) -> list[TileId]:
    """Every hash tile ``(level, index, width)`` a tree of ``size`` needs, by level.

    tlog-tiles "Partial Tiles": level L has ``size // 256**(L+1)`` full tiles and a
    partial tile of ``floor(size / 256**L) mod 256`` hashes when that is not zero.
    """
    tiles: list[TileId] = []
    level = 0
    hashes_at_level = size
    while hashes_at_level:
        full, partial_width = divmod(hashes_at_level, TILE_WIDTH)
        tiles.extend((level, index, TILE_WIDTH) for index in range(full))
        if partial_width:
            tiles.append((level, full, partial_width))
        level += 1
        hashes_at_level >>= TILE_HEIGHT
    return tiles


# --- Contents -------------------------------------------------------------------------


def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry prefixed with its big-endian uint16 length."""
    parts: list[bytes] = []
    for position, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise MalformedStatement(
                f"log entry {position} of the bundle is {len(entry)} bytes;"
                f" a tiled log holds entries of at most {MAX_ENTRY_SIZE} bytes"
            )
        parts.append(len(entry).to_bytes(_LENGTH_PREFIX, "big"))
        parts.append(entry)
    return b"".join(parts)


def decode_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle; a truncated bundle is a :class:`VerificationError`."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + _LENGTH_PREFIX > len(data):
            raise VerificationError(f"entry bundle ends inside a length prefix at byte {offset}")
        length = int.from_bytes(data[offset : offset + _LENGTH_PREFIX], "big")
        offset += _LENGTH_PREFIX
        if offset + length > len(data):
            raise VerificationError(
                f"entry {len(entries)} of the bundle claims {length} bytes"
                f" but only {len(data) - offset} remain"
            )
        entries.append(data[offset : offset + length])
        offset += length
    return entries


def _lookup(nodes: NodeSource, level: int, index: int) -> bytes:
    if callable(nodes):
        return nodes(level, index)
    try:
        return nodes[(level, index)]
    except KeyError:
        raise VerificationError(
            f"tree node at level {level}, index {index} is missing from storage"
        ) from None


def tile_bytes(level: int, index: int, width: int, nodes: NodeSource) -> bytes:
    """Hash tile contents: the hashes of tree-level ``8*level`` nodes from ``index*256``.

    ``nodes`` maps a node id ``(level, index)`` to its hash, or is a function of
    ``(level, index)``.
    """
    first = index * TILE_WIDTH
    tree_level = level * TILE_HEIGHT
    return b"".join(_lookup(nodes, tree_level, first + i) for i in range(width))


# --- Writing --------------------------------------------------------------------------


def _write_atomically(directory: Path, relative: str, data: bytes) -> None:
    """Write a file so that a concurrent reader sees the old contents or the new, never half."""
    target = directory / relative
    public_dirs(target.parent)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        make_public_fd(handle)  # mkstemp makes owner-only files; tiles are for serving
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _needs_writing(directory: Path, relative: str, width: int) -> bool:
    # tlog-tiles: full tiles are immutable, so one already exported stays as it is.
    return width < TILE_WIDTH or not (directory / relative).exists()


def _chunks(items: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _write_entry_bundles(directory: Path, size: int, entries: Iterable[bytes]) -> None:
    written = 0
    for index, bundle in enumerate(_chunks(islice(entries, size), TILE_WIDTH)):
        written += len(bundle)
        relative = entries_path(index, len(bundle))
        if _needs_writing(directory, relative, len(bundle)):
            _write_atomically(directory, relative, encode_entry_bundle(bundle))
    if written != size:
        raise VerificationError(f"the log holds {written} entries, fewer than the tree size {size}")


def write_tiles(
    directory: Path,
    size: int,
    entries: Iterable[bytes],
    nodes: NodeSource,
    checkpoint: bytes,
) -> None:
    """Export the tree of ``size`` as tlog-tiles under ``directory``.

    ``entries`` yields the log's entries in order from index 0 (only the first ``size``
    are read); ``nodes`` gives stored perfect-subtree hashes by node id. The checkpoint
    is written last, so a reader that sees it finds every tile it names.
    """
    _write_entry_bundles(directory, size, entries)
    for level, index, width in tiles_for_size(size):
        relative = tile_path(level, index, width)
        if _needs_writing(directory, relative, width):
            _write_atomically(directory, relative, tile_bytes(level, index, width, nodes))
    _write_atomically(directory, CHECKPOINT_PATH, checkpoint)


# --- Reading and verifying ------------------------------------------------------------


class TileReader:
    """Reads a tiled log from a directory.

    :meth:`entries`, :meth:`node` and :meth:`tile_hashes` return what is stored;
    :meth:`root` is the audit, which trusts no stored hash.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def checkpoint(self) -> bytes:
        """The checkpoint file, unparsed."""
        return self._read(CHECKPOINT_PATH)

    def entries(self, size: int) -> Iterator[bytes]:
        """The first ``size`` entries, in order."""
        for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, size - index * TILE_WIDTH)
            yield from self._entry_bundle(index, width)

    def entry_range(self, start: int, end: int, size: int) -> list[bytes]:
        """Entries ``start`` to ``end - 1`` of a log of ``size`` entries."""
        out: list[bytes] = []
        for index in range(start // TILE_WIDTH, (end + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, size - index * TILE_WIDTH)
            bundle = self._entry_bundle(index, width)
            first = index * TILE_WIDTH
            out.extend(bundle[max(0, start - first) : end - first])
        return out

    def node(self, level: int, index: int) -> bytes:
        """The stored hash of perfect node ``(level, index)``, from the hash tiles.

        Levels that are a multiple of 8 are read from a tile; the levels in between are
        hashed up from the tile below (tlog-tiles: "The Merkle Tree levels between those
        expressed by the tile hashes are reconstructed by hashing the leaves").
        """
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        hashes = self._tile_hashes_from(tile_level, first, 1 << height)
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    def root(self, size: int) -> bytes:
        """The root of the tree of ``size``, recomputed from the entries themselves.

        Every entry is re-hashed and every stored hash the tree of ``size`` has is
        compared with the recomputed one, so an edited entry is caught even if the hash
        tiles were left alone, and an edited hash tile is caught too.
        """
        checker = _TileChecker(self, size)
        frontier = Frontier()
        for position, entry in enumerate(self.entries(size)):
            for level, index, value in frontier.append(leaf_hash(entry)):
                if level % TILE_HEIGHT == 0:
                    checker.check(level // TILE_HEIGHT, index, value, position)
        return frontier.root()

    def tile_hashes(self, level: int, index: int, width: int) -> tuple[str, list[bytes]]:
        """The path and the first ``width`` hashes of hash tile ``index`` at tile ``level``."""
        relative, data, stored_width = self._read_tile(tile_path(level, index), width)
        if len(data) != stored_width * HASH_SIZE:
            raise VerificationError(
                f"{relative} is {len(data)} bytes where {stored_width * HASH_SIZE} are expected"
            )
        return relative, [data[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(width)]

    # Internals

    def _read(self, relative: str) -> bytes:
        try:
            return (self.directory / relative).read_bytes()
        except FileNotFoundError:
            raise VerificationError(f"{relative} is missing from {self.directory}") from None

    def _candidates(self, full_path: str, width: int) -> list[tuple[str, int]]:
        """Stored files that hold at least the first ``width`` items of a tile.

        tlog-tiles "Partial Tiles": a partial tile may be deleted once the full tile
        exists, and a client may fall back to the full tile.
        """
        if width == TILE_WIDTH:
            return [(full_path, TILE_WIDTH)]
        found = [(f"{full_path}.p/{width}", width), (full_path, TILE_WIDTH)]
        partials = self.directory / f"{full_path}.p"
        if partials.is_dir():
            wider = sorted(int(p.name) for p in partials.iterdir() if p.name.isdigit())
            found.extend((f"{full_path}.p/{w}", w) for w in wider if width < w < TILE_WIDTH)
        return found

    def _read_tile(self, full_path: str, width: int) -> tuple[str, bytes, int]:
        """The first stored file of :meth:`_candidates`: its path, contents and width."""
        for relative, stored_width in self._candidates(full_path, width):
            if (self.directory / relative).is_file():
                return relative, self._read(relative), stored_width
        expected = full_path + _suffix(width)
        raise VerificationError(f"{expected} is missing from {self.directory}")

    def _entry_bundle(self, index: int, width: int) -> list[bytes]:
        relative, data, stored_width = self._read_tile(entries_path(index), width)
        try:
            bundle = decode_entry_bundle(data)
        except VerificationError as error:
            raise VerificationError(f"{relative} is corrupt: {error.message}") from None
        if len(bundle) != stored_width:
            raise VerificationError(
                f"{relative} holds {len(bundle)} entries where {stored_width} are expected"
            )
        return bundle[:width]

    def _tile_hashes_from(self, level: int, first: int, count: int) -> list[bytes]:
        """``count`` consecutive hashes of tile level ``level`` from hash number ``first``."""
        tile_index, offset = divmod(first, TILE_WIDTH)
        _, hashes = self.tile_hashes(level, tile_index, offset + count)
        return hashes[offset:]


class _TileChecker:
    """Compares recomputed tree hashes with the stored hash tiles of a tree of ``size``."""

    def __init__(self, reader: TileReader, size: int) -> None:
        self._reader = reader
        self._size = size
        # One open tile per tile level: recomputed nodes arrive in index order.
        self._open: dict[int, tuple[int, str, list[bytes]]] = {}

    def _tile(self, level: int, tile_index: int) -> tuple[str, list[bytes]]:
        current = self._open.get(level)
        if current is None or current[0] != tile_index:
            hashes_at_level = self._size >> (level * TILE_HEIGHT)
            width = min(TILE_WIDTH, hashes_at_level - tile_index * TILE_WIDTH)
            relative, hashes = self._reader.tile_hashes(level, tile_index, width)
            current = (tile_index, relative, hashes)
            self._open[level] = current
        return current[1], current[2]

    def check(self, level: int, index: int, recomputed: bytes, entry: int) -> None:
        """Raise unless stored hash ``index`` of tile level ``level`` equals ``recomputed``."""
        tile_index, offset = divmod(index, TILE_WIDTH)
        relative, hashes = self._tile(level, tile_index)
        if hashes[offset] == recomputed:
            return
        if level == 0:
            raise VerificationError(
                f"entry {entry} does not match its leaf hash in {relative} (hash {offset})"
            )
        raise VerificationError(
            f"hash {offset} of {relative} does not match the entries beneath it"
            f" (checked when entry {entry} was read)"
        )

"""Tests for the C2SP tlog-tiles export and its verifying reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.errors import MalformedStatement, VerificationError
from concord.ledger.merkle import (
    Frontier,
    inclusion_proof,
    inclusion_proof_ranges,
    leaf_hash,
    nodes_for_ranges,
    root_from_leaf_hashes,
    verify_inclusion,
)
from concord.ledger.tiles import (
    MAX_ENTRY_SIZE,
    TileReader,
    decode_entry_bundle,
    encode_entry_bundle,
    entries_path,
    tile_bytes,
    tile_path,
    tiles_for_size,
    write_tiles,
)

CHECKPOINT = b"concord.example/log\n1000\nAAAA\n\n- concord.example/log sig\n"


def make_entries(count: int) -> list[bytes]:
    # Varied lengths, including an empty entry, so bundle boundaries are exercised.
    return [(f"statement {i};" * (i % 7)).encode() for i in range(count)]


def tree_nodes(entries: list[bytes]) -> dict[tuple[int, int], bytes]:
    return {(lv, ix): h for lv, ix, h in Frontier().extend(leaf_hash(e) for e in entries)}


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def log_1000(tmp_path: Path) -> tuple[Path, list[bytes]]:
    entries = make_entries(1000)
    write_tiles(tmp_path, 1000, entries, tree_nodes(entries), CHECKPOINT)
    return tmp_path, entries


# --- Paths ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "encoded"),
    [(0, "000"), (67, "067"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_index_is_encoded_in_three_digit_groups(index: int, encoded: str) -> None:
    assert tile_path(0, index) == f"tile/0/{encoded}"
    assert entries_path(index) == f"tile/entries/{encoded}"


def test_partial_tiles_carry_their_width() -> None:
    assert tile_path(0, 1234067, 12) == "tile/0/x001/x234/067.p/12"
    assert tile_path(2, 0, 1) == "tile/2/000.p/1"
    assert tile_path(1, 3, 256) == "tile/1/003"
    assert entries_path(4, 232) == "tile/entries/004.p/232"


@pytest.mark.parametrize(
    ("level", "index", "width"), [(0, 0, 0), (0, 0, 257), (64, 0, 1), (0, -1, 1)]
)
def test_impossible_tile_paths_are_refused(level: int, index: int, width: int) -> None:
    with pytest.raises(ValueError, match="must"):
        tile_path(level, index, width)


def test_tiles_for_the_spec_examples() -> None:
    # tlog-tiles "Partial Tiles": a tree of 70,000 has 273 full level-0 tiles, a
    # level-0 partial of 112, one full level-1 tile, a level-1 partial of 17 and a
    # level-2 partial of 1; a tree of 256 has one full tile and a level-1 partial of 1.
    tiles = tiles_for_size(70_000)
    assert [t for t in tiles if t[0] == 0 and t[2] == 256] == [(0, i, 256) for i in range(273)]
    assert [t for t in tiles if t[2] != 256 or t[0] != 0] == [
        (0, 273, 112),
        (1, 0, 256),
        (1, 1, 17),
        (2, 0, 1),
    ]
    assert tiles_for_size(256) == [(0, 0, 256), (1, 0, 1)]
    assert tiles_for_size(1) == [(0, 0, 1)]
    assert tiles_for_size(0) == []


# --- Contents -------------------------------------------------------------------------


@settings(max_examples=60)
@given(st.lists(st.binary(max_size=600), max_size=40))
def test_entry_bundles_round_trip(entries: list[bytes]) -> None:
    bundle = encode_entry_bundle(entries)
    assert decode_entry_bundle(bundle) == entries
    assert len(bundle) == sum(2 + len(e) for e in entries)


def test_entry_length_is_big_endian_uint16() -> None:
    assert encode_entry_bundle([b"ab", b""]) == b"\x00\x02ab\x00\x00"
    largest = b"x" * MAX_ENTRY_SIZE
    assert decode_entry_bundle(encode_entry_bundle([largest])) == [largest]


def test_oversize_entry_is_rejected() -> None:
    with pytest.raises(MalformedStatement, match="65536 bytes"):
        encode_entry_bundle([b"ok", b"x" * (MAX_ENTRY_SIZE + 1)])


@pytest.mark.parametrize("bundle", [b"\x00", b"\x00\x05abc", b"\x00\x01a\x00"])
def test_truncated_bundle_is_a_verification_error(bundle: bytes) -> None:
    with pytest.raises(VerificationError):
        decode_entry_bundle(bundle)


def test_tile_bytes_concatenate_node_hashes() -> None:
    entries = make_entries(600)
    nodes = tree_nodes(entries)
    level0 = tile_bytes(0, 2, 88, nodes)
    assert level0 == b"".join(leaf_hash(e) for e in entries[512:600])
    level1 = tile_bytes(1, 0, 2, lambda level, index: nodes[(level, index)])
    assert level1 == nodes[(8, 0)] + nodes[(8, 1)]
    with pytest.raises(VerificationError, match="level 8, index 2"):
        tile_bytes(1, 0, 3, nodes)


# --- Writing and reading --------------------------------------------------------------


def test_written_log_reads_back(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, entries = log_1000
    reader = TileReader(directory)
    assert reader.checkpoint() == CHECKPOINT
    assert list(reader.entries(1000)) == entries
    assert list(reader.entries(300)) == entries[:300]
    assert reader.root(1000) == root_from_leaf_hashes([leaf_hash(e) for e in entries])
    assert (directory / "tile/0/003.p/232").stat().st_size == 232 * 32
    assert (directory / "tile/1/000.p/3").stat().st_size == 3 * 32
    assert (directory / "tile/entries/002").is_file()


def test_reader_serves_any_node_and_so_any_proof(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, entries = log_1000
    reader = TileReader(directory)
    expected = tree_nodes(entries)
    for node in [(0, 999), (3, 17), (8, 2), (9, 0), (5, 30)]:
        assert reader.node(*node) == expected[node]
    nodes = {
        node: reader.node(*node) for node in nodes_for_ranges(inclusion_proof_ranges(700, 1000))
    }
    proof = inclusion_proof(700, 1000, nodes)
    assert verify_inclusion(leaf_hash(entries[700]), 700, 1000, proof, reader.root(1000))


def test_growing_log_keeps_older_tree_sizes_verifiable(tmp_path: Path) -> None:
    entries = make_entries(1300)
    nodes = tree_nodes(entries)
    write_tiles(tmp_path, 1000, entries, nodes, CHECKPOINT)
    write_tiles(tmp_path, 1300, iter(entries), nodes, b"newer checkpoint\n")
    reader = TileReader(tmp_path)
    assert reader.checkpoint() == b"newer checkpoint\n"
    assert reader.root(1300) == root_from_leaf_hashes([leaf_hash(e) for e in entries])
    old_root = root_from_leaf_hashes([leaf_hash(e) for e in entries[:1000]])
    assert reader.root(1000) == old_root
    # tlog-tiles: a partial tile may go once the full tile exists; readers fall back.
    (tmp_path / "tile/0/003.p/232").unlink()
    (tmp_path / "tile/entries/003.p/232").unlink()
    assert reader.root(1000) == old_root


def test_full_tiles_already_exported_are_not_rewritten(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, entries = log_1000
    full_tile = directory / "tile/0/001"
    flip_byte(full_tile, 0)
    corrupted = full_tile.read_bytes()
    write_tiles(directory, 1000, entries, tree_nodes(entries), CHECKPOINT)
    assert full_tile.read_bytes() == corrupted
    with pytest.raises(VerificationError, match="tile/0/001"):
        TileReader(directory).root(1000)


def test_too_few_entries_is_refused(tmp_path: Path) -> None:
    entries = make_entries(10)
    with pytest.raises(VerificationError, match="fewer than the tree size 20"):
        write_tiles(tmp_path, 20, entries, tree_nodes(entries), CHECKPOINT)
    assert not (tmp_path / "checkpoint").exists()


def test_empty_tree(tmp_path: Path) -> None:
    write_tiles(tmp_path, 0, [], {}, CHECKPOINT)
    reader = TileReader(tmp_path)
    assert list(reader.entries(0)) == []
    assert reader.root(0) == root_from_leaf_hashes([])


# --- Tampering is caught and located --------------------------------------------------


def test_edited_entry_is_named(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, entries = log_1000
    bundle = directory / "tile/entries/002"
    # Entry 517 is the sixth entry of bundle 2; skip the five before it and its prefix.
    offset = sum(2 + len(e) for e in entries[512:517]) + 2
    flip_byte(bundle, offset)
    with pytest.raises(VerificationError, match=r"entry 517 .*tile/0/002 \(hash 5\)"):
        TileReader(directory).root(1000)


def test_edited_length_prefix_is_named(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, _ = log_1000
    flip_byte(directory / "tile/entries/003.p/232", 0)
    with pytest.raises(VerificationError, match=r"tile/entries/003\.p/232"):
        list(TileReader(directory).entries(1000))


def test_edited_leaf_hash_is_named(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, _ = log_1000
    flip_byte(directory / "tile/0/003.p/232", 32 * 200 + 7)
    with pytest.raises(VerificationError, match=r"entry 968 .*tile/0/003\.p/232"):
        TileReader(directory).root(1000)


def test_edited_upper_level_hash_is_named(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, _ = log_1000
    flip_byte(directory / "tile/1/000.p/3", 32 * 1)
    with pytest.raises(VerificationError, match=r"hash 1 of tile/1/000\.p/3"):
        TileReader(directory).root(1000)


def test_truncated_hash_tile_is_named(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, _ = log_1000
    tile = directory / "tile/0/000"
    tile.write_bytes(tile.read_bytes()[:-1])
    with pytest.raises(VerificationError, match="tile/0/000 is 8191 bytes"):
        TileReader(directory).root(1000)


def test_missing_tile_is_named(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, _ = log_1000
    (directory / "tile/1/000.p/3").unlink()
    with pytest.raises(VerificationError, match=r"tile/1/000\.p/3 is missing"):
        TileReader(directory).root(1000)


def test_node_beyond_the_exported_tree_is_missing(log_1000: tuple[Path, list[bytes]]) -> None:
    directory, _ = log_1000
    # Leaves 992..1023 are not all in a tree of 1,000, so no tile holds that subtree.
    with pytest.raises(VerificationError, match="tile/0/003 is missing"):
        TileReader(directory).node(5, 31)

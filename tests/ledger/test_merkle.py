"""Tests for the RFC 9162 Merkle tree core, held to an independent recursive reference."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.ledger import reference_merkle as ref

from concord.errors import VerificationError
from concord.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    Segment,
    consistency_proof,
    consistency_proof_ranges,
    full_subtrees,
    inclusion_proof,
    inclusion_proof_ranges,
    leaf_hash,
    node_hash,
    nodes_for_ranges,
    range_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

EXHAUSTIVE_MAX = 64
PROPERTY_MAX = 5_000

ENTRIES: tuple[bytes, ...] = tuple(f"statement {i}".encode() for i in range(PROPERTY_MAX))
LEAF_HASHES: list[bytes] = [leaf_hash(e) for e in ENTRIES]
_BUILT = Frontier()
# Every perfect subtree of the largest tree is also every perfect subtree of each prefix.
NODES: dict[tuple[int, int], bytes] = {
    (level, index): h for level, index, h in _BUILT.extend(LEAF_HASHES)
}
ROOTS: list[bytes] = [ref.mth(ENTRIES[:n]) for n in range(EXHAUSTIVE_MAX + 1)]


def flip_bit(value: bytes, position: int) -> bytes:
    """``value`` with one bit flipped, at ``position`` counted over the whole string."""
    changed = bytearray(value)
    changed[(position // 8) % len(value)] ^= 1 << (position % 8)
    return bytes(changed)


def with_one_node_corrupted(proof: Sequence[bytes], which: int) -> list[bytes]:
    corrupted = list(proof)
    corrupted[which] = flip_bit(corrupted[which], 8 * which + 3)
    return corrupted


# --- Known answers -----------------------------------------------------------------
#
# The certificate-transparency test vectors: an 8-leaf tree, first published with the
# C++ log in google/certificate-transparency (merkle_tree_test.cc) and kept today in
# github.com/transparency-dev/merkle, files testonly/constants.go (LeafInputs,
# NodeHashes, RootHashes) and proof/verify_test.go (inclusionProofs, consistencyProofs;
# there the leaf numbers are 1-based).

KAT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
KAT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
KAT_NODES = {
    (0, 0): "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    (0, 1): "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    (0, 2): "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    (0, 3): "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    (0, 4): "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    (0, 5): "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    (0, 6): "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    (0, 7): "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    (1, 0): "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    (1, 1): "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    (1, 2): "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    (1, 3): "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    (2, 0): "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    (2, 1): "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    (3, 0): "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
# (0-based leaf index, tree size, proof)
KAT_INCLUSION = [
    (0, 1, []),
    (0, 8, ["96a296d2", "5f083f0a", "6b47aaf2"]),
    (5, 8, ["bc1a0643", "ca854ea1", "d37ee418"]),
    (2, 3, ["fac54203"]),
    (1, 5, ["6e340b9c", "5f083f0a", "bc1a0643"]),
]
# (old size, new size, proof)
KAT_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d2", "5f083f0a", "6b47aaf2"]),
    (6, 8, ["0ebc5d34", "ca854ea1", "d37ee418"]),
    (2, 5, ["5f083f0a", "bc1a0643"]),
    (6, 7, ["0ebc5d34", "b08693ec", "d37ee418"]),
]


def _kat_hash(prefix: str) -> bytes:
    """The KAT node hash starting with ``prefix`` (proof vectors quote node hashes)."""
    (match,) = [h for h in KAT_NODES.values() if h.startswith(prefix)]
    return bytes.fromhex(match)


def _kat_tree() -> tuple[list[bytes], dict[tuple[int, int], bytes]]:
    frontier = Frontier()
    nodes = {(lv, ix): h for lv, ix, h in frontier.extend(leaf_hash(e) for e in KAT_LEAVES)}
    return [leaf_hash(e) for e in KAT_LEAVES], nodes


def test_hashes_are_domain_separated_sha256() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT


def test_known_answer_roots_for_every_prefix() -> None:
    leaves, _ = _kat_tree()
    for size, expected in enumerate(KAT_ROOTS):
        assert root_from_leaf_hashes(leaves[:size]).hex() == expected
        assert ref.mth(tuple(KAT_LEAVES[:size])).hex() == expected


def test_known_answer_node_hashes() -> None:
    _, nodes = _kat_tree()
    assert {node: h.hex() for node, h in nodes.items()} == KAT_NODES


@pytest.mark.parametrize(("index", "size", "expected"), KAT_INCLUSION)
def test_known_answer_inclusion_proofs(index: int, size: int, expected: list[str]) -> None:
    leaves, nodes = _kat_tree()
    proof = inclusion_proof(index, size, nodes)
    assert proof == [_kat_hash(p) for p in expected]
    root = bytes.fromhex(KAT_ROOTS[size])
    assert verify_inclusion(leaves[index], index, size, proof, root)


@pytest.mark.parametrize(("old", "new", "expected"), KAT_CONSISTENCY)
def test_known_answer_consistency_proofs(old: int, new: int, expected: list[str]) -> None:
    _, nodes = _kat_tree()
    proof = consistency_proof(old, new, nodes)
    assert proof == [_kat_hash(p) for p in expected]
    old_root, new_root = bytes.fromhex(KAT_ROOTS[old]), bytes.fromhex(KAT_ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, proof)


# --- Exhaustive: every inclusion proof up to 64 leaves --------------------------------


@pytest.mark.parametrize("size", range(1, EXHAUSTIVE_MAX + 1))
def test_every_inclusion_proof_matches_the_rfc_and_verifies(size: int) -> None:
    tree = ENTRIES[:size]
    assert range_hash(0, size, NODES) == ROOTS[size]
    for index in range(size):
        proof = inclusion_proof(index, size, NODES)
        assert proof == ref.path(index, tree)
        assert ref.verify_inclusion(tree, index, proof, ROOTS[size])
        assert verify_inclusion(LEAF_HASHES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize("size", range(1, EXHAUSTIVE_MAX + 1))
def test_every_tampered_inclusion_proof_fails(size: int) -> None:
    root = ROOTS[size]
    for index in range(size):
        leaf = LEAF_HASHES[index]
        proof = inclusion_proof(index, size, NODES)
        for which in range(len(proof)):
            assert not verify_inclusion(
                leaf, index, size, with_one_node_corrupted(proof, which), root
            )
        for other_index in range(size):
            if other_index != index:
                assert not verify_inclusion(leaf, other_index, size, proof, root)
        for other_size in range(index + 1, EXHAUSTIVE_MAX + 1):
            if other_size != size:
                assert not verify_inclusion(leaf, index, other_size, proof, ROOTS[other_size])
        for other_size in (size * 2, size // 2):
            assert not verify_inclusion(leaf, index, other_size, proof, root)
        assert not verify_inclusion(leaf, index, size, proof, flip_bit(root, index))
        assert not verify_inclusion(flip_bit(leaf, 0), index, size, proof, root)
        assert not verify_inclusion(leaf, index, size, [*proof, root], root)
        if proof:
            assert not verify_inclusion(leaf, index, size, proof[:-1], root)


# --- Exhaustive: every consistency proof up to 64 leaves ------------------------------


@pytest.mark.parametrize("new", range(EXHAUSTIVE_MAX + 1))
def test_every_consistency_proof_matches_the_rfc_and_verifies(new: int) -> None:
    for old in range(new + 1):
        proof = consistency_proof(old, new, NODES)
        assert ref.verify_consistency(ENTRIES[:old], ENTRIES[:new], proof, ROOTS[old], ROOTS[new])
        assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize("new", range(2, EXHAUSTIVE_MAX + 1))
def test_every_tampered_consistency_proof_fails(new: int) -> None:
    new_root = ROOTS[new]
    for old in range(1, new):
        old_root = ROOTS[old]
        proof = consistency_proof(old, new, NODES)
        for which in range(len(proof)):
            tampered = with_one_node_corrupted(proof, which)
            assert not verify_consistency(old, new, old_root, new_root, tampered)
        for other_old in (old - 1, old + 1):
            if 0 < other_old < new:
                assert not verify_consistency(other_old, new, old_root, new_root, proof)
                assert not verify_consistency(other_old, new, ROOTS[other_old], new_root, proof)
        # A tree size is bound to its root by the signed checkpoint, so a wrong size is
        # paired with the root of that size.
        for other_new in (new - 1, new + 1, new * 2):
            if old < other_new <= EXHAUSTIVE_MAX:
                assert not verify_consistency(old, other_new, old_root, ROOTS[other_new], proof)
        assert not verify_consistency(old, new, new_root, old_root, proof)
        assert not verify_consistency(old, new, flip_bit(old_root, old), new_root, proof)
        assert not verify_consistency(old, new, old_root, flip_bit(new_root, new), proof)
        assert not verify_consistency(old, new, old_root, new_root, [])
        assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
        assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])
        assert not verify_consistency(old, new, old_root, new_root, [proof[0], *proof])


def test_trivial_consistency_follows_the_rfc() -> None:
    root5 = ROOTS[5]
    assert consistency_proof_ranges(0, 5) == []
    assert consistency_proof_ranges(5, 5) == []
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, root5, [])
    assert verify_consistency(5, 5, root5, root5, [])
    assert not verify_consistency(0, 5, root5, root5, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, root5, [root5])
    assert not verify_consistency(5, 5, root5, ROOTS[4], [])
    assert not verify_consistency(5, 5, root5, root5, [root5])
    assert not verify_consistency(5, 4, root5, ROOTS[4], [])


def test_inclusion_rejects_impossible_positions_and_malformed_hashes() -> None:
    leaf = LEAF_HASHES[0]
    assert not verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(leaf, 1, 1, [], leaf)
    assert not verify_inclusion(leaf, -1, 1, [], leaf)
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(leaf[:31], 0, 1, [], leaf[:31])
    proof = inclusion_proof(0, 2, NODES)
    assert not verify_inclusion(leaf, 0, 2, [*proof, b""], ROOTS[2])


# --- Ranges, node ids and errors ----------------------------------------------------


def test_full_subtrees_follow_the_bits_of_the_size() -> None:
    assert full_subtrees(0, 0) == []
    assert full_subtrees(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert full_subtrees(8, 13) == [(2, 2), (0, 12)]
    assert full_subtrees(16, 32) == [(4, 1)]


def test_ranges_in_rfc_order() -> None:
    # PATH(5, D_8): sibling leaf 4, then [6, 8), then [0, 4).
    assert inclusion_proof_ranges(5, 8) == [(4, 5), (6, 8), (0, 4)]
    # PROOF(3, D_7): [2, 3), [3, 4), [0, 2), [4, 7).
    assert consistency_proof_ranges(3, 7) == [(2, 3), (3, 4), (0, 2), (4, 7)]


def test_nodes_for_ranges_are_deduplicated_and_sorted() -> None:
    ranges = [*inclusion_proof_ranges(5, 13), *consistency_proof_ranges(6, 13)]
    nodes = nodes_for_ranges(ranges)
    assert nodes == sorted(set(nodes))
    assert set(nodes) == {node for s, e in ranges for node in full_subtrees(s, e)}
    assert nodes_for_ranges([(8, 13), (8, 13)]) == [(0, 12), (2, 2)]


@pytest.mark.parametrize(("index", "size"), [(0, 0), (5, 5), (-1, 3), (9, 3)])
def test_impossible_inclusion_request_is_a_verification_error(index: int, size: int) -> None:
    with pytest.raises(VerificationError, match="not in a tree of size"):
        inclusion_proof_ranges(index, size)


@pytest.mark.parametrize(("old", "new"), [(5, 4), (-1, 3), (1, 0)])
def test_impossible_consistency_request_is_a_verification_error(old: int, new: int) -> None:
    with pytest.raises(VerificationError, match="no consistency proof"):
        consistency_proof_ranges(old, new)


def test_unaligned_range_is_refused() -> None:
    with pytest.raises(VerificationError, match="not a subtree"):
        full_subtrees(1, 4)


def test_missing_stored_node_is_named() -> None:
    nodes = dict(NODES)
    del nodes[(2, 1)]
    with pytest.raises(VerificationError, match="level 2, index 1"):
        inclusion_proof(0, 8, nodes)


# --- Frontier -----------------------------------------------------------------------


def test_frontier_emits_every_perfect_subtree_once() -> None:
    size = 10_000
    frontier = Frontier()
    created = frontier.extend(leaf_hash(str(i).encode()) for i in range(size))
    ids = [(level, index) for level, index, _ in created]
    # A tree of n leaves has n >> level perfect subtrees at each level: 2n - popcount(n).
    assert len(ids) == len(set(ids)) == 2 * size - size.bit_count()
    assert {(level, index) for level in range(14) for index in range(size >> level)} == set(ids)
    assert frontier.size == size


def test_frontier_append_reports_leaf_first() -> None:
    frontier = Frontier()
    frontier.extend(LEAF_HASHES[:3])
    created = frontier.append(LEAF_HASHES[3])
    assert created == [
        (0, 3, LEAF_HASHES[3]),
        (1, 1, NODES[(1, 1)]),
        (2, 0, NODES[(2, 0)]),
    ]
    assert Frontier().root() == EMPTY_ROOT


@settings(max_examples=60, deadline=None)
@given(
    length=st.integers(min_value=1, max_value=300),
    ranges_before=st.integers(min_value=0, max_value=6),
    data=st.data(),
)
def test_a_segment_gives_the_nodes_and_roots_of_appending_its_leaves(
    length: int, ranges_before: int, data: st.DataObject
) -> None:
    # A verification worker hashes a range of leaves on its own; the main process then
    # appends the range's subtrees, or takes a root part-way through it.
    span = 1 << (length - 1).bit_length()
    start = span * ranges_before
    leaves = LEAF_HASHES[start : start + length]
    segment = Segment(start, leaves)
    inside = {
        (level, index): value
        for (level, index), value in NODES.items()
        if level >= 1 and index << level >= start and (index + 1) << level <= start + length
    }
    assert {(level, index): value for level, index, value in segment.nodes()} == inside
    frontier = Frontier()
    frontier.extend(LEAF_HASHES[:start])
    count = data.draw(st.integers(min_value=0, max_value=length), label="prefix")
    edge = [value for _, value in segment.edge(count)]
    assert frontier.root_with(edge) == root_from_leaf_hashes(LEAF_HASHES[: start + count])
    one_by_one = frontier.copy()
    appended = one_by_one.extend(leaves)
    pushed = [
        node for level, value in segment.edge() for node in frontier.push_subtree(level, value)
    ]
    # Pushing the subtrees completes the same nodes above them as appending every leaf.
    assert set(pushed) <= set(appended)
    assert {n for n in appended if (n[0], n[1]) not in inside and n[0] > 0} <= set(pushed)
    assert frontier.root() == one_by_one.root()
    assert frontier.size == one_by_one.size


def test_a_subtree_is_pushed_only_where_it_starts_a_node() -> None:
    frontier = Frontier()
    frontier.extend(LEAF_HASHES[:6])
    with pytest.raises(ValueError, match="level 2 cannot start at leaf 6"):
        frontier.push_subtree(2, NODES[(2, 1)])
    with pytest.raises(ValueError, match="cannot start at leaf 6"):
        Segment(6, LEAF_HASHES[6:10])


# --- Properties up to 5,000 leaves --------------------------------------------------

sizes = st.integers(min_value=1, max_value=PROPERTY_MAX)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), size=sizes)
def test_inclusion_proofs_verify_at_any_size(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    tree = ENTRIES[:size]
    root = root_from_leaf_hashes(LEAF_HASHES[:size])
    proof = inclusion_proof(index, size, NODES)
    assert verify_inclusion(LEAF_HASHES[index], index, size, proof, root)
    assert ref.verify_inclusion(tree, index, proof, root)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), new=sizes)
def test_consistency_proofs_verify_at_any_size(data: st.DataObject, new: int) -> None:
    old = data.draw(st.integers(min_value=0, max_value=new), label="old")
    old_root = root_from_leaf_hashes(LEAF_HASHES[:old])
    new_root = root_from_leaf_hashes(LEAF_HASHES[:new])
    proof = consistency_proof(old, new, NODES)
    assert verify_consistency(old, new, old_root, new_root, proof)
    assert ref.verify_consistency(ENTRIES[:old], ENTRIES[:new], proof, old_root, new_root)


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=0, max_value=PROPERTY_MAX))
def test_frontier_root_equals_mth(size: int) -> None:
    frontier = Frontier()
    frontier.extend(LEAF_HASHES[:size])
    assert frontier.root() == root_from_leaf_hashes(LEAF_HASHES[:size])
    assert frontier.root() == range_hash(0, size, NODES)
    assert frontier.root() == ref.mth(ENTRIES[:size])


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=2_000), max_size=6))
def test_appending_in_any_batches_gives_the_same_nodes(cuts: list[int]) -> None:
    size = 2_000
    bounds = [0, *sorted(cuts), size]
    stored: dict[tuple[int, int], bytes] = {}
    emitted: list[tuple[int, int, bytes]] = []
    for start, end in pairwise(bounds):
        # Storage restarts from its tables between batches.
        frontier = Frontier.from_nodes(start, stored)
        batch = frontier.extend(LEAF_HASHES[start:end])
        stored.update({(level, index): h for level, index, h in batch})
        emitted.extend(batch)
        assert frontier.root() == root_from_leaf_hashes(LEAF_HASHES[:end])
    one_go = Frontier().extend(LEAF_HASHES[:size])
    assert emitted == one_go

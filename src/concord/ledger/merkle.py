"""Merkle tree hashing, proofs and proof verification for Concord's log (RFC 9162 §2.1).

Everything here is a pure function over bytes and integers; storage of entries and
tree hashes sits around it.

A *node id* ``(level, index)`` names the perfect subtree of ``2**level`` leaves that
starts at leaf ``index * 2**level``. Storage keeps the hash of every perfect subtree
of the log, so the hash of any subtree the RFC's recursion can reach is a right fold
of a few stored hashes (:func:`full_subtrees`, :func:`range_hash`). A proof is built
in two steps, so that storage can fetch every hash it needs in one query::

    ranges = inclusion_proof_ranges(index, size)
    nodes = fetch(nodes_for_ranges(ranges))
    proof = [range_hash(start, end, nodes) for start, end in ranges]
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence

from concord.errors import VerificationError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeId = tuple[int, int]
LeafRange = tuple[int, int]
NewNode = tuple[int, int, bytes]

# RFC 9162 §2.1.1: domain separation between leaves and interior nodes, which is what
# gives second-preimage resistance.
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """The hash of one log entry: ``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split_point(n: int) -> int:
    """k, the largest power of two smaller than ``n`` (``n >= 2``), RFC 9162 §2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """MTH of a tree whose right edge is ``hashes`` (perfect subtrees, largest first).

    RFC 9162 §2.1.1: MTH(D_n) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])), where D[0:k]
    is the largest perfect subtree; unrolling the recursion folds from the right.
    """
    if not hashes:
        return EMPTY_ROOT
    value = hashes[-1]
    for left in reversed(hashes[:-1]):
        value = node_hash(left, value)
    return value


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH (RFC 9162 §2.1.1) of a list of leaf hashes, in linear time."""
    frontier = Frontier()
    for leaf in hashes:
        frontier._push(leaf, None)
    return frontier.root()


def _check_subtree_range(start: int, end: int) -> None:
    """Reject ranges that are not a subtree of any Merkle tree.

    The RFC 9162 §2.1.1 recursion only ever produces ranges whose start is a multiple
    of the smallest power of two not below their length.
    """
    length = end - start
    if start < 0 or length < 0:
        raise VerificationError(f"leaf range [{start}, {end}) is not a valid range")
    if length and start % (1 << (length - 1).bit_length()):
        raise VerificationError(f"leaf range [{start}, {end}) is not a subtree of any Merkle tree")


def full_subtrees(start: int, end: int) -> list[NodeId]:
    """Node ids of the perfect subtrees that make up the subtree over ``[start, end)``.

    Left to right, largest first: the right edge of a non-full tree is a sequence of
    perfect subtrees, one per set bit of its size (RFC 9162 §2.1.1).
    """
    _check_subtree_range(start, end)
    ids: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        ids.append((level, start >> level))
        start += 1 << level
    return ids


def inclusion_proof_ranges(index: int, size: int) -> list[LeafRange]:
    """Leaf ranges whose subtree hashes form PATH(index, D[0:size]), in proof order.

    RFC 9162 §2.1.3.1: the proof lists sibling subtrees from the leaf up to the root.
    """
    if not 0 <= index < size:
        raise VerificationError(f"leaf {index} is not in a tree of size {size}")
    siblings: list[LeafRange] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split_point(end - start)
        if index < middle:
            siblings.append((middle, end))
            end = middle
        else:
            siblings.append((start, middle))
            start = middle
    # The walk went root-to-leaf; PATH emits the deepest sibling first.
    siblings.reverse()
    return siblings


def consistency_proof_ranges(old_size: int, new_size: int) -> list[LeafRange]:
    """Leaf ranges whose subtree hashes form PROOF(old_size, D[0:new_size]), in proof order.

    RFC 9162 §2.1.4.1, SUBPROOF(m, D_n, b). An empty tree is a prefix of every tree and
    a tree is a prefix of itself, so both of those proofs are empty.
    """
    if not 0 <= old_size <= new_size:
        raise VerificationError(
            f"no consistency proof from tree size {old_size} to tree size {new_size}"
        )
    if old_size == 0:
        return []
    ranges: list[LeafRange] = []
    start, end, m, whole_old_tree = 0, new_size, old_size, True
    while m != end - start:
        k = _split_point(end - start)
        if m <= k:
            # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            ranges.append((start + k, end))
            end = start + k
        else:
            # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            ranges.append((start, start + k))
            start, m, whole_old_tree = start + k, m - k, False
    # SUBPROOF(m, D_m, false) = {MTH(D_m)}; with b true the verifier already has it.
    if not whole_old_tree:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def nodes_for_ranges(ranges: Iterable[LeafRange]) -> list[NodeId]:
    """Every stored node needed to hash ``ranges``: deduplicated and sorted."""
    return sorted({node for start, end in ranges for node in full_subtrees(start, end)})


def _stored(nodes: Mapping[NodeId, bytes], node: NodeId) -> bytes:
    try:
        return nodes[node]
    except KeyError:
        level, index = node
        raise VerificationError(
            f"tree node at level {level}, index {index} is missing from storage"
        ) from None


def range_hash(start: int, end: int, nodes: Mapping[NodeId, bytes]) -> bytes:
    """MTH of the leaves ``[start, end)``, from stored perfect-subtree hashes."""
    return _fold_right([_stored(nodes, node) for node in full_subtrees(start, end)])


def inclusion_proof(index: int, size: int, node: Mapping[NodeId, bytes]) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` (RFC 9162 §2.1.3.1)."""
    return [range_hash(s, e, node) for s, e in inclusion_proof_ranges(index, size)]


def consistency_proof(old_size: int, new_size: int, node: Mapping[NodeId, bytes]) -> list[bytes]:
    """The proof that tree ``old_size`` is a prefix of tree ``new_size`` (RFC 9162 §2.1.4.1)."""
    return [range_hash(s, e, node) for s, e in consistency_proof_ranges(old_size, new_size)]


def _well_formed(*hashes: bytes) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows that leaf hash ``leaf`` is entry ``index`` of tree ``root``.

    ``leaf`` is the leaf *hash* (:func:`leaf_hash` of the entry). This is the algorithm
    of RFC 9162 §2.1.3.2, step by step.
    """
    if not _well_formed(leaf, root, *proof):
        return False
    # Step 1: the leaf must lie inside the tree.
    if not 0 <= index < size:
        return False
    # Steps 2 and 3.
    fn, sn, r = index, size - 1, leaf
    # Step 4.
    for p in proof:
        # Step 4a: the proof is longer than the path to the root.
        if sn == 0:
            return False
        # Step 4b.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # Step 4b.ii: skip the levels where this node is a lone right-edge subtree.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        # Step 4c.
        fn >>= 1
        sn >>= 1
    # Step 5.
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows that tree ``old_root`` is a prefix of tree ``new_root``.

    For ``0 < old_size < new_size`` this is the algorithm of RFC 9162 §2.1.4.2, step by
    step. Equal sizes need an empty proof and equal roots (RFC 9162 §2.1.4.1:
    SUBPROOF(m, D_m, true) is empty); an empty old tree, whose root is MTH({}), is a
    prefix of every tree and needs an empty proof.
    """
    if not _well_formed(old_root, new_root, *proof):
        return False
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    return _verify_consistency_steps(old_size, new_size, old_root, new_root, proof)


def _verify_consistency_steps(
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2 for ``0 < first < second``; variable names follow the RFC."""
    # Step 1.
    if not proof:
        return False
    path = list(proof)
    # Step 2: the old tree is perfect, so its root is a node of the new tree the
    # proof leaves out.
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # Step 3.
    fn, sn = first - 1, second - 1
    # Step 4.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5.
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        # Step 6a.
        if sn == 0:
            return False
        # Step 6b.
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        # Step 6c.
        fn >>= 1
        sn >>= 1
    # Step 7.
    return fr == first_hash and sr == second_hash and sn == 0


class Segment:
    """The perfect subtrees of the leaves ``start .. start + n - 1`` of a tree, where
    ``start`` is a multiple of a power of two no smaller than ``n`` (such as one range of
    a verification), computed from the leaf hashes alone."""

    def __init__(self, start: int, leaves: Sequence[bytes]) -> None:
        span = 1 << max(0, (len(leaves) - 1).bit_length())
        if start % span:
            raise ValueError(f"a segment of {len(leaves)} leaves cannot start at leaf {start}")
        self.start = start
        self.size = len(leaves)
        #: Hashes by level: ``levels[k][i]`` is node ``(k, (start >> k) + i)``.
        self.levels: list[list[bytes]] = [list(leaves)]
        level = self.levels[0]
        while len(level) > 1:
            level = [node_hash(a, b) for a, b in zip(level[0::2], level[1::2], strict=False)]
            self.levels.append(level)

    def nodes(self) -> Iterator[NewNode]:
        """Every perfect node of level 1 and above inside the segment, level by level."""
        for level in range(1, len(self.levels)):
            first = self.start >> level
            for offset, value in enumerate(self.levels[level]):
                yield level, first + offset, value

    def edge(self, count: int | None = None) -> list[tuple[int, bytes]]:
        """The first ``count`` leaves (all by default) as perfect subtrees, largest first:
        what a frontier at ``start`` appends to take them in."""
        count = self.size if count is None else count
        if not 0 <= count <= self.size:
            raise ValueError(f"{count} leaves are not a prefix of this segment")
        out: list[tuple[int, bytes]] = []
        offset = 0
        for level in range(count.bit_length() - 1, -1, -1):
            if count >> level & 1:
                out.append((level, self.levels[level][offset >> level]))
                offset += 1 << level
        return out


class Frontier:
    """The right edge of a tree (a "compact range"): enough to append and to get the root.

    It holds one perfect-subtree hash per set bit of the tree size, largest first.
    """

    def __init__(self) -> None:
        self._size = 0
        self._edge: list[bytes] = []

    @classmethod
    def from_nodes(cls, size: int, nodes: Mapping[NodeId, bytes]) -> Frontier:
        """The frontier of the tree of ``size``, from stored node hashes.

        ``nodes`` must hold the ids in ``full_subtrees(0, size)``.
        """
        frontier = cls()
        frontier._edge = [_stored(nodes, node) for node in full_subtrees(0, size)]
        frontier._size = size
        return frontier

    @classmethod
    def from_edge(cls, size: int, edge: Sequence[bytes]) -> Frontier:
        """The frontier of the tree of ``size`` whose right edge is ``edge`` (as :attr:`edge`)."""
        if len(edge) != size.bit_count() or any(len(h) != 32 for h in edge):
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} edge hashes")
        frontier = cls()
        frontier._edge = list(edge)
        frontier._size = size
        return frontier

    @property
    def edge(self) -> tuple[bytes, ...]:
        """The perfect-subtree hashes of the right edge, largest first."""
        return tuple(self._edge)

    @property
    def size(self) -> int:
        """How many leaves the tree holds."""
        return self._size

    def append(self, leaf: bytes) -> list[NewNode]:
        """Append a leaf hash; return every perfect node it completes, leaf first.

        Each item is ``(level, index, hash)``, ready for storage to insert.
        """
        created: list[NewNode] = []
        self._push(leaf, created)
        return created

    def extend(self, leaves: Iterable[bytes]) -> list[NewNode]:
        """Append many leaf hashes; return every perfect node they complete, in order."""
        created: list[NewNode] = []
        for leaf in leaves:
            self._push(leaf, created)
        return created

    def push_subtree(self, level: int, value: bytes) -> list[NewNode]:
        """Append the perfect subtree of ``2**level`` leaves whose hash is ``value``; return
        every perfect node it completes, itself first. The size must be a multiple of
        ``2**level`` (so the subtree is a node of the tree)."""
        if self._size & ((1 << level) - 1):
            raise ValueError(f"a subtree of level {level} cannot start at leaf {self._size}")
        created: list[NewNode] = []
        self._push(value, created, level)
        return created

    def root_with(self, edge: Sequence[bytes]) -> bytes:
        """The root after appending perfect subtrees ``edge`` (largest first, each smaller
        than the smallest on this frontier's edge and aligned), without appending them."""
        return _fold_right([*self._edge, *edge])

    def _push(self, leaf: bytes, created: list[NewNode] | None, level: int = 0) -> None:
        leaves = 1 << level
        index, value = self._size >> level, leaf
        if created is not None:
            created.append((level, index, value))
        # Each trailing 1-bit of the old size is a perfect subtree on the edge that
        # the new leaf's subtree now pairs with (RFC 9162 §2.1.1, k = power of two).
        remaining = self._size >> level
        while remaining & 1:
            value = node_hash(self._edge.pop(), value)
            level, index, remaining = level + 1, index >> 1, remaining >> 1
            if created is not None:
                created.append((level, index, value))
        self._edge.append(value)
        self._size += leaves

    def nodes(self) -> dict[NodeId, bytes]:
        """The edge's perfect-subtree hashes by node id (``full_subtrees(0, size)``)."""
        return dict(zip(full_subtrees(0, self._size), self._edge, strict=True))

    def copy(self) -> Frontier:
        twin = Frontier()
        twin._size, twin._edge = self._size, list(self._edge)
        return twin

    def root(self) -> bytes:
        """MTH of the tree (RFC 9162 §2.1.1); :data:`EMPTY_ROOT` when empty."""
        return _fold_right(self._edge)

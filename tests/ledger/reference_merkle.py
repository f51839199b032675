"""A deliberately naive Merkle tree, written straight from RFC 9162's recursive definitions.

It shares no code with ``concord.ledger.merkle``: the tests hold the real module to it.
Definitions transcribed from RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1
(PROOF and SUBPROOF); ``D`` is a tuple of leaf inputs (entries, not leaf hashes).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

Leaves = tuple[bytes, ...]


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@lru_cache(maxsize=1 << 14)
def mth(d: Leaves) -> bytes:
    """MTH(D_n), RFC 9162 §2.1.1."""
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _largest_power_of_two_below(n)
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m: int, d: Leaves) -> list[bytes]:
    """PATH(m, D_n), RFC 9162 §2.1.3.1."""
    n = len(d)
    if n == 1:
        return []
    k = _largest_power_of_two_below(n)
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: Leaves, b: bool) -> list[bytes]:
    """SUBPROOF(m, D_n, b), RFC 9162 §2.1.4.1."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _largest_power_of_two_below(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def proof(m: int, d: Leaves) -> list[bytes]:
    """PROOF(m, D_n) = SUBPROOF(m, D_n, true), RFC 9162 §2.1.4.1."""
    return subproof(m, d, True)


def verify_inclusion(d: Leaves, m: int, proof_nodes: list[bytes], root: bytes) -> bool:
    """Accept exactly the proof PATH(m, D_n) and exactly the root MTH(D_n)."""
    return 0 <= m < len(d) and proof_nodes == path(m, d) and root == mth(d)


def verify_consistency(
    old: Leaves, new: Leaves, proof_nodes: list[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """Accept exactly PROOF(m, D_n) for a prefix D_m of D_n, and exactly their roots."""
    m = len(old)
    is_prefix = new[:m] == old
    expected = [] if m == 0 else proof(m, new)
    return is_prefix and proof_nodes == expected and old_root == mth(old) and new_root == mth(new)

"""Checks that every stored interior tree hash equals the one recomputed from the entries.

The verifier re-hashes every entry and rebuilds the tree; each perfect subtree it
completes is compared with the hash the office stored for it, so proofs served from
storage are sound. Stored nodes are read a range of one level at a time.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from concord.errors import VerificationError
from concord.ledger.merkle import NewNode
from concord.ledger.store import range_reader

#: Stored hashes of one level in ``[start, end)``, by index.
NodeSource = Callable[[int, int, int], dict[int, bytes]]

_BATCH = 4096


#: A stored node that is not as recomputed: (level, index, message, details).
TreeProblem = tuple[int, int, str, list[str]]


class StoredTreeCheck:
    """Compares the nodes the verifier computes with the stored ones, in batches.

    A stored hash that differs is reported when everything else has been checked, so
    that a bad entry or checkpoint is named first, and so that the verdict does not
    depend on when a batch happens to be compared: of several, the lowest node (by
    level, then index) is named.
    """

    def __init__(self, source: NodeSource) -> None:
        self._source = source
        self._pending: dict[int, list[tuple[int, bytes]]] = {}
        self.checked = 0
        self.problem: TreeProblem | None = None

    def add(self, created: list[NewNode]) -> None:
        """Take the nodes one append completed (the leaf first, which is checked already)."""
        for level, idx, digest in created[1:]:
            batch = self._pending.setdefault(level, [])
            batch.append((idx, digest))
            if len(batch) >= _BATCH:
                self._check(level, batch)
                self._pending[level] = []

    def note(self, problem: TreeProblem) -> None:
        """Keep ``problem`` if it is the lowest node found so far."""
        if self.problem is None or problem[:2] < self.problem[:2]:
            self.problem = problem

    def finish(self) -> int:
        """Check what is left; return how many interior nodes were compared, or raise
        for the lowest stored node that is not as recomputed."""
        for level, batch in sorted(self._pending.items()):
            if batch:
                self._check(level, batch)
        self._pending.clear()
        if self.problem is not None:
            _level, _idx, message, details = self.problem
            raise VerificationError(message, details=details)
        return self.checked

    def _check(self, level: int, batch: list[tuple[int, bytes]]) -> None:
        first, last = batch[0][0], batch[-1][0]
        problem = compare_stored(level, batch, self._source(level, first, last + 1))
        if problem is not None:
            self.note(problem)
        self.checked += len(batch)


def compare_stored(
    level: int, computed: list[tuple[int, bytes]], stored: dict[int, bytes]
) -> TreeProblem | None:
    """The first of ``computed`` (index, hash) of ``level`` not stored as computed."""
    for idx, digest in computed:
        have = stored.get(idx)
        if have is None:
            return (level, idx, f"tree node ({level}, {idx}) is missing from storage", [])
        if have != digest:
            return (
                level,
                idx,
                f"stored tree node ({level}, {idx}) does not match the hash recomputed "
                "from the entries",
                ["the stored tree hashes were altered"],
            )
    return None


def database_nodes(session: Session) -> NodeSource:
    """Read stored node hashes with the driver's own cursor (one range scan per batch)."""

    def read(level: int, start: int, end: int) -> dict[int, bytes]:
        reader = range_reader(session)
        try:
            return reader.nodes(level, start, end)
        finally:
            reader.close()

    return read

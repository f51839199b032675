"""The verifier: re-derives everything from the entries and checks it.

It re-hashes every entry (so an edited entry is caught even when the stored tree
hashes were left alone), checks every statement's signature and its author's role by
replaying the identity statements in log order, checks every signed checkpoint against
the tree recomputed from the entries, and, given a checkpoint the auditor trusted
before, checks that the log still extends it. The first problem found is reported by
entry index or checkpoint size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from concord.errors import ConcordError, VerificationError
from concord.identity.preverify import SignaturePool
from concord.identity.service import IDENTITY_TYPES
from concord.identity.state import IdentityChange, IdentityState
from concord.ledger import merkle
from concord.ledger.deferred import DeferredSignatures
from concord.ledger.notes import Checkpoint, NoteVerifier, open_checkpoint
from concord.ledger.ranges import Checked, EntrySource, verify_ranges
from concord.ledger.statements import Statement, StatementRegistry, StatementType, parse_statement
from concord.ledger.tree_check import StoredTreeCheck, TreeProblem
from concord.runtime import cycle_collection_paused

Progress = Callable[[int], None]
#: Below this many entries the log is walked in this process: starting workers that
#: load every statement type costs more than they save.
PARALLEL_FROM = 20_000


@dataclass(slots=True)
class VerifyReport:
    """What a successful verification established."""

    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    statements: int = 0
    checkpoints: int = 0
    trusted: Checkpoint | None = None
    types: dict[str, int] = field(default_factory=dict)
    #: Stored interior tree hashes compared with the recomputed ones.
    tree_nodes: int = 0
    #: The checkpoint verifier key the office published in the genesis entry.
    log_verifier_key: str | None = None


def verify_entries(
    entries: Iterable[tuple[int, bytes, bytes | None]],
    checkpoint_notes: Sequence[str],
    verifier: NoteVerifier,
    registry: StatementRegistry,
    *,
    origin: str | None = None,
    trusted_note: str | None = None,
    max_entry_bytes: int,
    progress: Progress | None = None,
    pool: SignaturePool | None = None,
    stored_tree: StoredTreeCheck | None = None,
    source: EntrySource | None = None,
    size: int = 0,
    parallel_from: int = PARALLEL_FROM,
    check_identity: Callable[[IdentityState, int], None] | None = None,
) -> VerifyReport:
    """Verify a log given its entries in order and the checkpoints signed over it.

    ``entries`` yields (index, entry bytes, stored leaf hash or None). With
    ``stored_tree``, every stored tree hash must be present and equal the recomputed one.
    With a ``pool``, a ``source`` the workers can open and at least ``parallel_from``
    entries (``size``), the workers check ranges of entries (``concord.ledger.ranges``);
    otherwise the entries are walked here and only signature checks go to the pool.
    ``check_identity`` is given the identity state replayed from the whole log, and
    the log size it was replayed to.
    """
    checkpoints = sorted(
        (open_checkpoint(note, verifier, origin) for note in checkpoint_notes),
        key=lambda c: c.size,
    )
    trusted = open_checkpoint(trusted_note, verifier, origin) if trusted_note else None
    wanted = {c.size: c for c in checkpoints}
    if trusted is not None:
        wanted.setdefault(trusted.size, trusted)
    report = VerifyReport(trusted=trusted)
    in_ranges = pool is not None and source is not None and size >= max(1, parallel_from)
    deferred = DeferredSignatures(pool) if pool is not None and not in_ranges else None
    walk = _Walk(registry, max_entry_bytes, wanted, trusted, deferred, stored_tree)
    with cycle_collection_paused():  # millions of small objects, no cycles
        try:
            _check_root_at(walk.frontier, wanted, trusted)
            if not (
                in_ranges
                and pool is not None
                and source is not None
                and verify_ranges(
                    source, size, walk, pool, registry, max_entry_bytes, progress, wanted
                )
            ):
                walk.run(entries, progress)
            if stored_tree is not None:
                report.tree_nodes = stored_tree.finish()
        except VerificationError:
            if deferred is not None:
                deferred.settle()  # an earlier bad signature is the first problem to report
            raise
        if deferred is not None:
            deferred.settle()
        report.size = report.statements = walk.frontier.size
        report.root = walk.frontier.root()
        report.types = walk.types
        report.log_verifier_key = walk.identity.log_verifier_key
        report.checkpoints = len(checkpoints)
        _check_coverage(report, checkpoints, trusted)
        if check_identity is not None:
            check_identity(walk.identity, walk.frontier.size)
        # Let the replayed state go while the collector is off: switched on with it
        # alive, its first collection walked every object of it (1.6 s for 1,000,000
        # principals).
        del walk
    published = report.log_verifier_key
    if published is not None and published != verifier.vkey():
        raise VerificationError(
            "the checkpoint key in the genesis entry is not the key used to verify",
            details=[f"genesis: {published}", f"used: {verifier.vkey()}"],
        )
    return report


#: Progress is reported every this many entries (a call per entry would cost more
#: than the hashing).
_PROGRESS_STEP = 1024


class _Walk:
    """One pass over the entries in log order, replaying the identity statements."""

    def __init__(
        self,
        registry: StatementRegistry,
        max_entry_bytes: int,
        wanted: dict[int, Checkpoint],
        trusted: Checkpoint | None,
        deferred: DeferredSignatures | None,
        stored_tree: StoredTreeCheck | None,
    ) -> None:
        self.registry = registry
        self.max_entry_bytes = max_entry_bytes
        self.wanted = wanted
        self.trusted = trusted
        self.deferred = deferred
        self.stored_tree = stored_tree
        self.frontier = merkle.Frontier()
        self.identity = IdentityState()
        self.types: dict[str, int] = {}

    def run(
        self, entries: Iterable[tuple[int, bytes, bytes | None]], progress: Progress | None
    ) -> None:
        index = -1
        for expected, (index, entry, stored) in enumerate(entries):
            if index != expected:
                raise VerificationError(
                    f"entry {expected}: missing (the next stored entry is {index})",
                    details=["entries were deleted or reordered"],
                )
            self.entry(index, entry, stored)
            if index % _PROGRESS_STEP == _PROGRESS_STEP - 1:
                if self.deferred is not None:
                    self.deferred.pump()
                if progress is not None:
                    progress(_PROGRESS_STEP)
        if progress is not None and (index + 1) % _PROGRESS_STEP:
            progress((index + 1) % _PROGRESS_STEP)

    def entry(self, index: int, entry: bytes, stored: bytes | None) -> None:
        leaf = check_leaf(index, entry, stored, tree_stored=self.stored_tree is not None)
        if self.deferred is not None:
            self.deferred.index = index
        self.accept(index, parse_entry(index, entry, self.registry, self.max_entry_bytes))
        self.grow(leaf)

    def accept(
        self,
        index: int,
        statement: Statement,
        preverified: frozenset[tuple[bytes, bytes, bytes]] = frozenset(),
    ) -> None:
        """Check the author's key and role in log order, and replay identity statements."""
        identity = self.identity
        try:
            kind = self.registry.types[statement.type]
            identity.authorize(statement, kind, index, preverified, defer=self.deferred)
            if statement.type in IDENTITY_TYPES:
                identity.check(statement)
                identity.apply(statement)
        except ConcordError as exc:
            raise VerificationError(f"entry {index}: {exc.message}", details=exc.details) from exc
        self.types[statement.type] = self.types.get(statement.type, 0) + 1

    def accept_verified(self, index: int, checked: Checked, kind: StatementType) -> bool:
        """:meth:`accept` for a statement a worker parsed and whose every signature it
        verified; False when that does not settle it (then :meth:`accept` it in full)."""
        sid, _type, author, issued_at, _unverified, verified, change = checked
        identity = self.identity
        try:
            if not identity.authorize_verified(sid, kind, author, issued_at, verified):
                return False
            if change is not None:
                identity_change = IdentityChange.from_plain(change)
                identity.check_change(sid, author, identity_change)
                identity.apply_change(sid, identity_change)
        except ConcordError as exc:
            raise VerificationError(f"entry {index}: {exc.message}", details=exc.details) from exc
        self.types[kind.name] = self.types.get(kind.name, 0) + 1
        return True

    def check_root(self, size: int, edge: list[bytes]) -> None:
        """Check a signed root inside a range: the tree now plus ``edge`` (not yet grown)."""
        _check_root(size, self.frontier.root_with(edge), self.wanted, self.trusted)

    def grow_range(
        self, edge: list[tuple[int, bytes]], compared: int, problem: TreeProblem | None
    ) -> None:
        """Append a range's perfect subtrees, whose ``compared`` stored interior hashes a
        worker has checked (finding ``problem``); compare the stored nodes they complete
        above them. A checkpoint at the range's end was checked with :meth:`check_root`."""
        for level, value in edge:
            created = self.frontier.push_subtree(level, value)
            if self.stored_tree is not None:
                self.stored_tree.add(created)
        if self.stored_tree is not None:
            self.stored_tree.checked += compared
            if problem is not None:
                self.stored_tree.note(problem)

    def signing_key(self, author: str, keyid: str) -> bytes | None:
        """The public key of ``author``'s key ``keyid``, if the author holds it now."""
        principal = self.identity.principals.get(author)
        key = None if principal is None else principal.keys.get(keyid)
        return None if key is None else key.public_key

    def grow(self, leaf: bytes) -> None:
        """Append the entry's leaf hash; compare stored nodes and signed roots it completes."""
        created = self.frontier.append(leaf)
        if self.stored_tree is not None:
            self.stored_tree.add(created)
        if self.frontier.size in self.wanted:
            _check_root_at(self.frontier, self.wanted, self.trusted)


def check_leaf(index: int, entry: bytes, stored: bytes | None, *, tree_stored: bool) -> bytes:
    """The entry's leaf hash, checked against the stored one where the tree is stored."""
    leaf = merkle.leaf_hash(entry)
    if stored is not None and stored != leaf:
        raise VerificationError(
            f"entry {index}: its bytes do not hash to the stored leaf hash",
            details=["the entry was edited, swapped or replaced after it was logged"],
        )
    if stored is None and tree_stored:
        raise VerificationError(f"tree node (0, {index}) is missing from storage")
    return leaf


def parse_entry(
    index: int, entry: bytes, registry: StatementRegistry, max_entry_bytes: int
) -> Statement:
    """Parse and schema-check an entry, which must be a canonical envelope."""
    try:
        statement = parse_statement(entry, registry, max_entry_bytes=max_entry_bytes)
        if statement.entry != entry:
            raise VerificationError("the entry is not a canonical envelope")
    except ConcordError as exc:
        raise VerificationError(f"entry {index}: {exc.message}", details=exc.details) from exc
    return statement


def _check_root_at(
    frontier: merkle.Frontier, wanted: dict[int, Checkpoint], trusted: Checkpoint | None
) -> None:
    if frontier.size in wanted:
        _check_root(frontier.size, frontier.root(), wanted, trusted)


def _check_root(
    size: int, root: bytes, wanted: dict[int, Checkpoint], trusted: Checkpoint | None
) -> None:
    checkpoint = wanted.get(size)
    if checkpoint is None or root == checkpoint.root:
        return
    if trusted is not None and checkpoint is trusted:
        raise VerificationError(
            f"the log is not consistent with the trusted checkpoint of size {trusted.size}",
            details=["entries before that size were changed since the checkpoint was trusted"],
        )
    raise VerificationError(
        f"checkpoint of size {checkpoint.size}: its root does not match entries "
        f"0..{checkpoint.size - 1}",
        details=["an entry before that size was changed, or the checkpoint was forged"],
    )


def _check_coverage(
    report: VerifyReport, checkpoints: list[Checkpoint], trusted: Checkpoint | None
) -> None:
    if checkpoints and checkpoints[-1].size > report.size:
        raise VerificationError(
            f"the office signed a checkpoint of size {checkpoints[-1].size} but the log has "
            f"only {report.size} entries",
            details=["entries were deleted from the end of the log"],
        )
    if report.size and (not checkpoints or checkpoints[-1].size != report.size):
        last = checkpoints[-1].size if checkpoints else 0
        raise VerificationError(
            f"entries {last}..{report.size - 1} are not covered by any signed checkpoint"
        )
    if trusted is not None and trusted.size > report.size:
        raise VerificationError(
            f"the trusted checkpoint has size {trusted.size} but the log has only "
            f"{report.size} entries",
            details=["the log was truncated or rolled back since that checkpoint"],
        )

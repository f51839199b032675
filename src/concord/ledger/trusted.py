"""The sequencer's trusted state, derived from the signed log alone.

Before it appends, the sequencer needs to know who may sign what (the identity state)
and the tree's right edge. Both are functions of the log, and anyone with the
database could edit the tables that project them, so the sequencer derives them from
the entries themselves and accepts the result only when it hashes to the office's
latest signed checkpoint:

* it starts from the latest snapshot whose signature by the office's key checks (a
  cache of the state at some size, written every few thousand entries), or from an
  empty log;
* it replays the entries after it: every leaf is hashed into the edge, and every
  identity statement is applied, its type read from the entry bytes rather than from
  any column;
* the edge's root must equal the root of the latest checkpoint that the office's key
  signed, and the log must hold no entry after that checkpoint (an entry the office
  never signed is never covered by its next checkpoint).

Anything else is refused with a :class:`~concord.errors.VerificationError` that tells
the operator to run ``concord verify``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from concord.errors import ConcordError, VerificationError
from concord.identity.dsse import parse_envelope
from concord.identity.service import IDENTITY_TYPES
from concord.identity.state import IdentityState
from concord.ledger import merkle, store
from concord.ledger.models import LedgerSnapshot
from concord.ledger.notes import Checkpoint, NoteSigner, NoteVerifier, open_checkpoint
from concord.ledger.statements import StatementRegistry, parse_statement, parse_time

#: A snapshot is written once this many entries (or a quarter as many as the keys the
#: state holds, when that is more) follow the last one: writing costs about as much as
#: the state is large, so snapshots of a large state are written less often and the
#: cost per entry stays bounded.
SNAPSHOT_EVERY = 4096
_FORMAT = "concord-sequencer-state/1"
_VERIFY_HINT = "run `concord verify` to find what was altered"


@dataclass(slots=True)
class TrustedState:
    """The identity state and the tree's right edge after ``frontier.size`` entries."""

    identity: IdentityState
    frontier: merkle.Frontier
    #: The log size of the newest snapshot the office has signed (0: none).
    snapshot_size: int = 0
    #: The record's time: the latest ``issued_at`` of a statement the office itself
    #: signed (its own clock, which no party can move).
    office_time: datetime | None = None

    @property
    def size(self) -> int:
        return self.frontier.size

    def copy(self) -> TrustedState:
        return TrustedState(
            self.identity.copy(), self.frontier.copy(), self.snapshot_size, self.office_time
        )

    def saw(self, author: str, issued_at: datetime) -> None:
        """Note a statement appended: the office's own move the record's time on."""
        office = self.identity.office_id
        if (author == office or office is None) and (
            self.office_time is None or issued_at > self.office_time
        ):
            self.office_time = issued_at

    def snapshot_due(self) -> bool:
        keys = len(self.identity.key_owner)
        return self.size - self.snapshot_size >= max(SNAPSHOT_EVERY, keys // 4)


def encode(state: TrustedState) -> bytes:
    """The state as canonical JSON bytes."""
    return json.dumps(
        {
            "format": _FORMAT,
            "size": state.size,
            "edge": [base64.b64encode(h).decode() for h in state.frontier.edge],
            "identity": state.identity.to_plain(),
            "office_time": None if state.office_time is None else state.office_time.isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def decode(data: bytes) -> TrustedState:
    plain = json.loads(data)
    if plain.get("format") != _FORMAT:
        raise ValueError(f"not a {_FORMAT} snapshot")
    size = int(plain["size"])
    frontier = merkle.Frontier.from_edge(size, [base64.b64decode(h) for h in plain["edge"]])
    office = plain.get("office_time")
    return TrustedState(
        IdentityState.from_plain(plain["identity"]),
        frontier,
        size,
        None if office is None else datetime.fromisoformat(office),
    )


def save_snapshot(session: Session, signer: NoteSigner, state: TrustedState) -> None:
    """Store ``state`` signed by the office (in the caller's transaction), replacing
    older snapshots."""
    data = encode(state)
    session.execute(delete(LedgerSnapshot))
    session.add(LedgerSnapshot(size=state.size, state=data, signature=signer.sign_record(data)))
    state.snapshot_size = state.size


def load_snapshot(session: Session, verifier: NoteVerifier, size: int) -> TrustedState | None:
    """The newest snapshot of at most ``size`` entries that the office signed, or None.

    A snapshot that does not verify is passed over (the state is replayed instead).
    """
    rows = session.execute(
        select(LedgerSnapshot.size, LedgerSnapshot.state, LedgerSnapshot.signature)
        .where(LedgerSnapshot.size <= size)
        .order_by(LedgerSnapshot.size.desc())
    ).all()
    for row_size, stored, signature in rows:
        data = bytes(stored)
        if not verifier.check_record(data, bytes(signature)):
            continue
        try:
            state = decode(data)
        except (ValueError, KeyError, TypeError):
            continue
        if state.size == row_size:
            return state
    return None


def latest_signed(session: Session, verifier: NoteVerifier, origin: str) -> Checkpoint | None:
    """The latest stored checkpoint, which must be signed by the office's key."""
    row = store.latest_checkpoint(session)
    if row is None:
        return None
    try:
        checkpoint = open_checkpoint(row.note, verifier, origin)
    except VerificationError as exc:
        raise VerificationError(
            f"the latest checkpoint in the database (size {row.size}) is not the office's: "
            f"{exc.message}; refusing to append",
            details=[_VERIFY_HINT],
        ) from None
    if checkpoint.size != row.size or checkpoint.root != bytes(row.root):
        raise VerificationError(
            f"the checkpoint row of size {row.size} does not match its signed note; "
            "refusing to append",
            details=[_VERIFY_HINT],
        )
    return checkpoint


def catch_up(
    session: Session,
    state: TrustedState,
    checkpoint: Checkpoint,
    registry: StatementRegistry,
    *,
    max_entry_bytes: int,
) -> TrustedState:
    """``state`` moved on to ``checkpoint`` by replaying the entries between them
    (``state`` itself is left as it was)."""
    if state.size > checkpoint.size:
        raise VerificationError(
            f"the log's latest signed checkpoint (size {checkpoint.size}) is older than the "
            f"log this office has already signed (size {state.size}): the database was "
            "rolled back; refusing to append",
            details=[_VERIFY_HINT],
        )
    moved = state.copy() if state.size < checkpoint.size else state
    expected = state.size
    for index, entry in store.iter_entries(session, state.size):
        if index >= checkpoint.size:
            break
        if index != expected:
            raise VerificationError(
                f"entry {expected} is missing from the log; refusing to append",
                details=[_VERIFY_HINT],
            )
        _replay_entry(moved, index, entry, registry, max_entry_bytes)
        expected += 1
    if expected != checkpoint.size:
        raise VerificationError(
            f"entry {expected} is missing from the log; refusing to append",
            details=[_VERIFY_HINT],
        )
    if moved.frontier.root() != checkpoint.root:
        raise VerificationError(
            f"the stored entries do not hash to the office's signed checkpoint of size "
            f"{checkpoint.size}: the database was altered; refusing to append",
            details=[_VERIFY_HINT],
        )
    return moved


def _replay_entry(
    state: TrustedState, index: int, entry: bytes, registry: StatementRegistry, limit: int
) -> None:
    state.frontier.append(merkle.leaf_hash(entry))
    try:
        kind, author, issued = _entry_header(entry)
        if kind in IDENTITY_TYPES:
            state.identity.apply(parse_statement(entry, registry, max_entry_bytes=limit))
        state.saw(author, parse_time(issued, what="issued_at"))
    except (ConcordError, ValueError, KeyError, TypeError) as exc:
        raise VerificationError(
            f"entry {index} cannot be read back: {exc}; refusing to append",
            details=[_VERIFY_HINT],
        ) from None


def _entry_header(entry: bytes) -> tuple[str, str, str]:
    """The statement type, author and issue time an entry's signed payload names."""
    payload = json.loads(parse_envelope(entry).payload)
    if not isinstance(payload, dict):
        raise ValueError("the payload is not an object")
    kind, author, issued = payload["type"], payload["author"], payload["issued_at"]
    if not (isinstance(kind, str) and isinstance(author, str) and isinstance(issued, str)):
        raise ValueError("the payload's type, author or issued_at is not a string")
    return kind, author, issued

"""Tables of the ledger: entries, perfect-subtree hashes, signed checkpoints."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.storage.base import Base


class LedgerEntry(Base):
    """One log entry: the canonical DSSE envelope bytes, exactly as hashed."""

    __tablename__ = "ledger_entry"

    # On SQLite an INTEGER primary key is the rowid itself: one B-tree, not two.
    idx: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    statement_id: Mapped[str] = mapped_column(String(128), unique=True)
    statement_type: Mapped[str] = mapped_column(String(80), index=True)
    author: Mapped[str] = mapped_column(String(64), index=True)
    payload_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    entry: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerNode(Base):
    """Hash of the perfect subtree of 2**level leaves starting at leaf idx * 2**level."""

    __tablename__ = "ledger_node"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCheckpoint(Base):
    """A checkpoint the office signed (C2SP signed note)."""

    __tablename__ = "ledger_checkpoint"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)


class LedgerSnapshot(Base):
    """The sequencer's state at a log size, signed by the office: who may sign what
    (replayed from the identity statements) and the tree's right edge. A cache: the
    sequencer trusts it only under the office's signature and replays the entries
    after it, checking them against the latest signed checkpoint."""

    __tablename__ = "ledger_snapshot"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))

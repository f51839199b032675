"""Receipts: what a submitter keeps to prove later that its statement is in the log."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from concord.errors import VerificationError
from concord.ledger import merkle
from concord.ledger.notes import Checkpoint, NoteVerifier, open_checkpoint


@dataclass(frozen=True, slots=True)
class Receipt:
    """Index, leaf hash, inclusion proof and the signed checkpoint the proof is against."""

    statement_id: str
    index: int
    leaf_hash: bytes
    inclusion_proof: tuple[bytes, ...]
    checkpoint: str

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint": self.checkpoint,
            "inclusion_proof": [base64.b64encode(h).decode() for h in self.inclusion_proof],
            "index": self.index,
            "leaf_hash": base64.b64encode(self.leaf_hash).decode(),
            "statement_id": self.statement_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Receipt:
        try:
            return cls(
                statement_id=str(data["statement_id"]),
                index=int(data["index"]),
                leaf_hash=base64.b64decode(data["leaf_hash"]),
                inclusion_proof=tuple(base64.b64decode(h) for h in data["inclusion_proof"]),
                checkpoint=str(data["checkpoint"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise VerificationError(f"receipt: malformed ({exc})") from exc

    def verify(self, entry: bytes, verifier: NoteVerifier) -> Checkpoint:
        """Check the receipt against the entry bytes and the office's checkpoint key."""
        checkpoint = open_checkpoint(self.checkpoint, verifier)
        if merkle.leaf_hash(entry) != self.leaf_hash:
            raise VerificationError(f"receipt {self.statement_id}: entry does not match leaf hash")
        if not merkle.verify_inclusion(
            self.leaf_hash, self.index, checkpoint.size, list(self.inclusion_proof), checkpoint.root
        ):
            raise VerificationError(
                f"receipt {self.statement_id}: inclusion proof does not verify against "
                f"the checkpoint of size {checkpoint.size}"
            )
        return checkpoint

"""Witnesses: the parties cosign the office's checkpoints (C2SP tlog-cosignature).

A witness keeps, on its own machine, the latest checkpoint it cosigned. Asked to cosign
a newer one, it checks the office's signature, then a consistency proof from the one it
holds: it refuses a smaller tree (a rollback) and a different tree of the same size or
one that does not extend its own (a fork). Only then does it sign, and remember the new
checkpoint. A client that accepts only checkpoints carrying a quorum of cosignatures
cannot be shown a log the office rolled back or forked, unless that quorum of witnesses
was itself dishonest.

Formats follow C2SP: a cosignature is a signed-note signature line by the witness key
(key id ``SHA-256(name || 0x0A || 0x04 || public key)[:4]``) whose signature is an
8-byte big-endian POSIX time followed by the Ed25519 signature of
``"cosignature/v1\\ntime <t>\\n"`` and the checkpoint's note body. The request to a
witness is the body of tlog-witness's add-checkpoint: ``old <size>``, the consistency
proof lines (base64), an empty line, and the signed checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nacl.signing
from sqlalchemy.orm import Session

from concord.errors import ConfigurationError, VerificationError
from concord.identity.keys import verify_signature
from concord.ledger import merkle, store
from concord.ledger.notes import Checkpoint, NoteVerifier, open_checkpoint
from concord.ledger.service import Ledger
from concord.storage.files import write_public

_COSIGNATURE = b"\x04"
_DASH = "\u2014 "
#: A request (an add-checkpoint body) larger than this is refused unread.
MAX_REQUEST_BYTES = 64 * 1024


def witness_key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _COSIGNATURE + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" or not c.isprintable() for c in name):
        raise ConfigurationError(f"witness name {name!r}: must be non-empty, no spaces or '+'")


def _message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


@dataclass(frozen=True, slots=True)
class WitnessVerifier:
    """A witness's published key: ``name+hash+base64(0x04 || public key)``."""

    name: str
    public_key: bytes

    def vkey(self) -> str:
        kid = witness_key_id(self.name, self.public_key).hex()
        return f"{self.name}+{kid}+{base64.b64encode(_COSIGNATURE + self.public_key).decode()}"

    @classmethod
    def from_vkey(cls, text: str) -> WitnessVerifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise ConfigurationError("witness key: expected name+hash+key")
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except ValueError:
            raise ConfigurationError("witness key: key is not base64") from None
        if raw[:1] != _COSIGNATURE or len(raw) != 33:
            raise ConfigurationError("witness key: not an Ed25519 cosignature key (type 0x04)")
        verifier = cls(parts[0], raw[1:])
        if witness_key_id(verifier.name, verifier.public_key).hex() != parts[1]:
            raise ConfigurationError("witness key: key hash does not match the key")
        return verifier

    def cosigned_at(self, note: str) -> int | None:
        """The time this witness cosigned ``note`` at, or None if it did not (a line by
        this key that does not verify is an error, as in signed-note)."""
        body, lines = split_note(note)
        kid = witness_key_id(self.name, self.public_key)
        for line in lines:
            name, _, encoded = line[len(_DASH) :].partition(" ")
            if name != self.name:
                continue
            try:
                blob = base64.b64decode(encoded, validate=True)
            except ValueError:
                continue
            if blob[:4] != kid or len(blob) != 4 + 8 + 64:
                continue
            timestamp = int.from_bytes(blob[4:12], "big")
            if verify_signature(self.public_key, _message(body, timestamp), blob[12:]):
                return timestamp
            raise VerificationError(f"checkpoint: the cosignature by {self.name} does not verify")
        return None


@dataclass(frozen=True, slots=True)
class WitnessKey:
    """A witness's private key."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> WitnessKey:
        _check_name(name)
        return cls(name, bytes(nacl.signing.SigningKey.generate()))

    @property
    def verifier(self) -> WitnessVerifier:
        public = bytes(nacl.signing.SigningKey(self.seed).verify_key)
        return WitnessVerifier(self.name, public)

    def skey(self) -> str:
        kid = witness_key_id(self.name, self.verifier.public_key).hex()
        encoded = base64.b64encode(_COSIGNATURE + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{kid}+{encoded}"

    @classmethod
    def from_skey(cls, text: str) -> WitnessKey:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise ConfigurationError("witness key: expected PRIVATE+KEY+name+hash+key")
        try:
            raw = base64.b64decode(parts[4], validate=True)
        except ValueError:
            raise ConfigurationError("witness key: key is not base64") from None
        if raw[:1] != _COSIGNATURE or len(raw) != 33:
            raise ConfigurationError("witness key: not an Ed25519 cosignature key (type 0x04)")
        key = cls(parts[2], raw[1:])
        if witness_key_id(key.name, key.verifier.public_key).hex() != parts[3]:
            raise ConfigurationError("witness key: key hash does not match")
        return key

    def cosignature(self, body: str, timestamp: int) -> str:
        """The signature line cosigning checkpoint note ``body`` at ``timestamp``."""
        if not 0 <= timestamp < 2**63:
            raise ConfigurationError("cosignature time: out of range")
        sig = nacl.signing.SigningKey(self.seed).sign(_message(body, timestamp)).signature
        kid = witness_key_id(self.name, self.verifier.public_key)
        blob = kid + timestamp.to_bytes(8, "big") + bytes(sig)
        return f"{_DASH}{self.name} {base64.b64encode(blob).decode()}\n"

    def save(self, path: Path) -> Path:
        """Write the private key owner-only and its verifier key beside it (``.vkey``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.skey() + "\n")
        public = path.with_name(path.name + ".vkey")
        write_public(public, (self.verifier.vkey() + "\n").encode())
        return public


def split_note(note: str) -> tuple[str, list[str]]:
    """A signed note's body (with its final newline) and its signature lines."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise VerificationError("signed note: malformed (no signature block)")
    lines = sigs[:-1].split("\n")
    for line in lines:
        if not line.startswith(_DASH):
            raise VerificationError(f"signed note: malformed signature line {line[:60]!r}")
    return text + "\n", lines


def add_signatures(note: str, lines: Sequence[str]) -> str:
    """``note`` with the signature ``lines`` added (each once, in order)."""
    body, existing = split_note(note)
    merged = list(existing)
    for line in lines:
        clean = line.rstrip("\n")
        if clean not in merged:
            merged.append(clean)
    return body + "\n" + "\n".join(merged) + "\n"


# -- the request a witness answers ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CosignRequest:
    """tlog-witness add-checkpoint: the size the witness is believed to hold, a
    consistency proof from it, and the new signed checkpoint."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def text(self) -> str:
        proof = "".join(base64.b64encode(h).decode() + "\n" for h in self.proof)
        return f"old {self.old_size}\n{proof}\n{self.note}"

    @classmethod
    def parse(cls, text: str) -> CosignRequest:
        if len(text.encode()) > MAX_REQUEST_BYTES:
            raise VerificationError(f"cosign request: larger than {MAX_REQUEST_BYTES} bytes")
        head, sep, note = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or not lines[0].startswith("old "):
            raise VerificationError(
                "cosign request: expected 'old <size>', proof lines, a blank line"
            )
        size_text = lines[0][4:]
        if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
            raise VerificationError(f"cosign request: old size {size_text!r} is not a number")
        proof: list[bytes] = []
        for n, line in enumerate(lines[1:], start=2):
            try:
                digest = base64.b64decode(line, validate=True)
            except ValueError:
                digest = b""
            if len(digest) != 32:
                raise VerificationError(f"cosign request: line {n} is not a base64 SHA-256 hash")
            proof.append(digest)
        return cls(int(size_text), tuple(proof), note)


# -- the witness's own state -------------------------------------------------------


class WitnessRefusal(VerificationError):
    """The witness will not cosign: the checkpoint would roll back or fork its view."""


def cosign(
    key: WitnessKey,
    state: Path,
    log: NoteVerifier,
    request: CosignRequest,
    *,
    now: int,
    origin: str | None = None,
) -> str:
    """Check ``request`` against the checkpoint held in ``state`` and, if it extends it,
    cosign the new checkpoint, remember it and return the cosignature line.

    The first request (no state yet) is taken on the office's signature alone
    (trust on first use); the witness's operator may instead seed ``state`` with a
    checkpoint obtained elsewhere.
    """
    new = open_checkpoint(request.note, log, origin)
    body, _ = split_note(request.note)
    held = _held(state, log, origin)
    if held is not None:
        if held.origin != new.origin:
            raise WitnessRefusal(
                f"witness {key.name}: checkpoint of log {new.origin!r}, but it witnesses "
                f"{held.origin!r}"
            )
        if request.old_size != held.size:
            raise WitnessRefusal(
                f"witness {key.name}: the proof starts at size {request.old_size}, but the "
                f"witness holds size {held.size}",
                details=[f"ask again with `old {held.size}`"],
            )
        if new.size < held.size:
            raise WitnessRefusal(
                f"witness {key.name}: refusing a rollback from size {held.size} to {new.size}"
            )
        if not merkle.verify_consistency(held.size, new.size, held.root, new.root, request.proof):
            raise WitnessRefusal(
                f"witness {key.name}: refusing a fork: the checkpoint of size {new.size} does "
                f"not extend the one of size {held.size} it cosigned"
            )
    line = key.cosignature(body, now)
    _remember(state, add_signatures(request.note, [line]))
    return line


def held_checkpoint(state: Path) -> str | None:
    """The signed checkpoint the witness last cosigned, with its cosignature."""
    if not state.exists():
        return None
    return state.read_text()


def _held(state: Path, log: NoteVerifier, origin: str | None) -> Checkpoint | None:
    note = held_checkpoint(state)
    if note is None:
        return None
    try:
        return open_checkpoint(note, log, origin)
    except VerificationError as exc:
        raise ConfigurationError(
            f"{state}: the witness state is not a checkpoint of this log ({exc.message})"
        ) from None


def _remember(state: Path, note: str) -> None:
    """Replace the state file atomically (a crash leaves the old or the new one)."""
    state.parent.mkdir(parents=True, exist_ok=True)
    tmp = state.with_name(state.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(note)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, state)


# -- what a client accepts ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Witnessed:
    checkpoint: Checkpoint
    note: str
    witnesses: tuple[str, ...]


def quorum_checkpoint(
    notes: Sequence[str],
    log: NoteVerifier,
    witnesses: Sequence[WitnessVerifier],
    quorum: int,
    origin: str | None = None,
) -> Witnessed | None:
    """The largest of ``notes`` that the office signed and at least ``quorum`` of
    ``witnesses`` cosigned, or None."""
    if quorum < 1 or quorum > len(witnesses):
        raise ConfigurationError(
            f"witness quorum {quorum}: must be between 1 and the {len(witnesses)} witness key(s)"
        )
    best: Witnessed | None = None
    for note in notes:
        checkpoint = open_checkpoint(note, log, origin)
        names = tuple(w.name for w in witnesses if w.cosigned_at(note) is not None)
        if len(names) >= quorum and (best is None or checkpoint.size > best.checkpoint.size):
            best = Witnessed(checkpoint, note, names)
    return best


# -- the office's side ---------------------------------------------------------------


def cosign_request(ledger: Ledger, old_size: int) -> CosignRequest:
    """A request to cosign the latest checkpoint, with a consistency proof from the
    size a witness holds."""
    note = ledger.latest_checkpoint()
    latest = Checkpoint.parse(ledger.signer.verifier().open(note))
    if not 0 <= old_size <= latest.size:
        raise VerificationError(
            f"old size {old_size}: the latest checkpoint has size {latest.size}"
        )
    proof = () if old_size in (0, latest.size) else ledger.consistency_proof(old_size, latest.size)
    body, _ = split_note(note)
    office_line = [
        line for line in split_note(note)[1] if line.startswith(_DASH + ledger.signer.name + " ")
    ]
    return CosignRequest(old_size, tuple(proof), body + "\n" + "\n".join(office_line) + "\n")


def add_cosignatures(ledger: Ledger, note: str, witnesses: Sequence[WitnessVerifier]) -> list[str]:
    """Store the cosignatures of ``witnesses`` found on ``note`` with the office's own
    checkpoint of that size; return the names of the witnesses added."""
    checkpoint = open_checkpoint(note, ledger.signer.verifier(), ledger.origin)
    body, lines = split_note(note)
    found = [w for w in witnesses if w.cosigned_at(note) is not None]
    if not found:
        raise VerificationError(
            f"the checkpoint of size {checkpoint.size} carries no cosignature by "
            + ", ".join(w.name for w in witnesses)
        )
    wanted = [line for line in lines for w in found if line.startswith(f"{_DASH}{w.name} ")]
    with Session(ledger.engine) as session, session.begin():
        row = store.checkpoint_at(session, checkpoint.size)
        if row is None or split_note(row.note)[0] != body:
            raise VerificationError(
                f"the office signed no checkpoint of size {checkpoint.size} with that root"
            )
        row.note = add_signatures(row.note, wanted)
    return [w.name for w in found]

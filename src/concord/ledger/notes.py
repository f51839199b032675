"""C2SP signed-note and tlog-checkpoint.

A checkpoint is the note text ``<origin>\\n<size>\\n<base64 root>\\n``; the office
signs it as a signed note with Ed25519 (signature type 0x01), key id
SHA-256(name || 0x0A || 0x01 || public key)[:4]. The verifier key string
``<name>+<hex key id>+<base64(0x01 || public key)>`` is what the office publishes.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import nacl.signing

from concord.errors import ConfigurationError, VerificationError
from concord.identity.keys import verify_signature

_ED25519 = b"\x01"
_DASH = "\u2014 "
#: What the office's own records (not notes) are signed under.
RECORD_CONTEXT = b"concord office record\x00"


def note_key_id(name: str, public_key: bytes) -> bytes:
    """C2SP signed-note key id (4 bytes) for an Ed25519 key."""
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise ConfigurationError(f"note key name {name!r}: must be non-empty, no spaces or '+'")


@dataclass(frozen=True, slots=True)
class NoteSigner:
    """The office's checkpoint key."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        _check_name(name)
        return cls(name, bytes(nacl.signing.SigningKey.generate()))

    @property
    def public_key(self) -> bytes:
        return bytes(nacl.signing.SigningKey(self.seed).verify_key)

    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.public_key)

    def skey(self) -> str:
        """The private key string (``PRIVATE+KEY+name+hash+base64``), as Go's note package."""
        kid = note_key_id(self.name, self.public_key).hex()
        encoded = base64.b64encode(_ED25519 + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{kid}+{encoded}"

    @classmethod
    def from_skey(cls, text: str) -> NoteSigner:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise ConfigurationError("checkpoint signer key: expected PRIVATE+KEY+name+hash+key")
        raw = base64.b64decode(parts[4])
        if raw[:1] != _ED25519 or len(raw) != 33:
            raise ConfigurationError("checkpoint signer key: not an Ed25519 key")
        signer = cls(parts[2], raw[1:])
        if note_key_id(signer.name, signer.public_key).hex() != parts[3]:
            raise ConfigurationError("checkpoint signer key: key hash does not match")
        return signer

    def sign_record(self, message: bytes) -> bytes:
        """Sign one of the office's own records (not a note): the signed bytes are
        :data:`RECORD_CONTEXT` followed by ``message``, which no note text can equal (a
        note's text never holds a NUL byte)."""
        return bytes(nacl.signing.SigningKey(self.seed).sign(RECORD_CONTEXT + message).signature)

    def sign(self, text: str) -> str:
        """Sign note ``text`` (which must end in a newline) and return the whole note."""
        if not text.endswith("\n"):
            raise ConfigurationError("note text must end with a newline")
        sig = nacl.signing.SigningKey(self.seed).sign(text.encode()).signature
        blob = note_key_id(self.name, self.public_key) + bytes(sig)
        return f"{text}\n{_DASH}{self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """A published checkpoint verifier key."""

    name: str
    public_key: bytes

    def vkey(self) -> str:
        kid = note_key_id(self.name, self.public_key).hex()
        return f"{self.name}+{kid}+{base64.b64encode(_ED25519 + self.public_key).decode()}"

    @classmethod
    def from_vkey(cls, text: str) -> NoteVerifier:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise ConfigurationError("verifier key: expected name+hash+key")
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except ValueError as exc:
            raise ConfigurationError("verifier key: key is not base64") from exc
        if raw[:1] != _ED25519 or len(raw) != 33:
            raise ConfigurationError("verifier key: not an Ed25519 key")
        verifier = cls(parts[0], raw[1:])
        if note_key_id(verifier.name, verifier.public_key).hex() != parts[1]:
            raise ConfigurationError("verifier key: key hash does not match the key")
        return verifier

    def check_record(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's :meth:`NoteSigner.sign_record` of ``message``."""
        return verify_signature(self.public_key, RECORD_CONTEXT + message, signature)

    def open(self, note: str) -> str:
        """Return the note text if this key signed it; raise VerificationError otherwise."""
        text, sep, sigs = note.rpartition("\n\n")
        if not sep or not sigs.endswith("\n"):
            raise VerificationError("signed note: malformed (no signature block)")
        text += "\n"
        kid = note_key_id(self.name, self.public_key)
        for line in sigs[:-1].split("\n"):
            if not line.startswith(_DASH):
                raise VerificationError(f"signed note: malformed signature line {line!r}")
            name, _, encoded = line[len(_DASH) :].partition(" ")
            try:
                blob = base64.b64decode(encoded, validate=True)
            except ValueError as exc:
                raise VerificationError("signed note: signature is not base64") from exc
            # signed-note: signatures from unknown keys are ignored; a known key must verify.
            if name != self.name or blob[:4] != kid:
                continue
            if verify_signature(self.public_key, text.encode(), blob[4:]):
                return text
            raise VerificationError(f"signed note: signature by {self.name} does not verify")
        raise VerificationError(f"signed note: not signed by {self.name}")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """C2SP tlog-checkpoint body."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise VerificationError("checkpoint: expected origin, size and root lines")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
            raise VerificationError(f"checkpoint: tree size {size_text!r} is not a number")
        try:
            root = base64.b64decode(root_text, validate=True)
        except ValueError as exc:
            raise VerificationError("checkpoint: root hash is not base64") from exc
        if len(root) != 32:
            raise VerificationError("checkpoint: root hash is not 32 bytes")
        return cls(origin, int(size_text), root)


def open_checkpoint(note: str, verifier: NoteVerifier, origin: str | None = None) -> Checkpoint:
    """Verify a signed checkpoint note and parse it."""
    checkpoint = Checkpoint.parse(verifier.open(note))
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(
            f"checkpoint: origin {checkpoint.origin!r} is not this log ({origin!r})"
        )
    return checkpoint

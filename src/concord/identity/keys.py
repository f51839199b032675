"""Ed25519 keys for principals and for the log's checkpoint signer.

Key ids of principals are ``ed25519:`` followed by the first 16 hex digits of
SHA-256(public key). Private keys are stored as JSON files readable by their owner
only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nacl.exceptions
import nacl.signing

from concord.errors import ConfigurationError, SignatureError


def key_id(public_key: bytes) -> str:
    """The stable identifier of an Ed25519 public key."""
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:16]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, *, what: str) -> bytes:
    """Strict base64: only the alphabet, and padding only where it belongs."""
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except ValueError as exc:  # binascii.Error, or a non-ASCII str
        raise SignatureError(f"{what}: not valid base64") from exc


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A principal's private Ed25519 key."""

    principal: str
    seed: bytes

    @classmethod
    def generate(cls, principal: str) -> SigningKey:
        return cls(principal, bytes(nacl.signing.SigningKey.generate()))

    @property
    def public_key(self) -> bytes:
        return bytes(nacl.signing.SigningKey(self.seed).verify_key)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return bytes(nacl.signing.SigningKey(self.seed).sign(message).signature)

    def save(self, path: Path) -> None:
        """Write the key to ``path`` with owner-only permissions."""
        path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {"principal": self.principal, "key_id": self.key_id, "seed": b64(self.seed)},
            indent=2,
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(body + "\n")

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        try:
            data = json.loads(path.read_text())
            return cls(str(data["principal"]), unb64(data["seed"], what=f"{path}: seed"))
        except (OSError, KeyError, json.JSONDecodeError, SignatureError) as exc:
            raise ConfigurationError(f"{path}: not a Concord key file ({exc})") from exc


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message``."""
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return False
    return True

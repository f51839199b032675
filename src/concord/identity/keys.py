"""Ed25519 keys for principals and for the log's checkpoint signer.

Key ids of principals are ``ed25519:`` followed by the first 16 hex digits of
SHA-256(public key). Private keys are stored as JSON files readable by their owner
only.

Signatures are checked under the ZIP 215 rules (ed25519-zebra): S must be canonical,
the points may be any encoding that decodes, and the cofactored equation
``[8][S]B = [8]R + [8][k]A`` must hold. These rules give the same verdict in every
implementation that follows them, whatever it batches or precomputes, and accept every
signature that RFC 8032's cofactorless check or libsodium's stricter one accepts. They
differ from those only on signatures the key's holder built on purpose from points
outside the prime-order group; nobody else can make such a signature for a key. A key
of small order would accept signatures that nobody made with it (under RFC 8032's
check too), so a public key must be a canonical encoding of a point not of small order
(:func:`public_key_problem`): registration refuses any other.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ed25519_zebra
import nacl.signing
import pybase64

from concord.errors import ConfigurationError, SignatureError

#: A key file is a few hundred bytes; a much larger file is not one.
MAX_KEY_FILE_BYTES = 64 * 1024


def _read_json(path: Path) -> Any:
    """A key file's JSON: UTF-8 and small (OSError or ValueError otherwise)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_KEY_FILE_BYTES + 1)
    if len(data) > MAX_KEY_FILE_BYTES:
        raise ValueError(f"larger than {MAX_KEY_FILE_BYTES} bytes")
    return json.loads(data.decode("utf-8"))


def key_id(public_key: bytes) -> str:
    """The stable identifier of an Ed25519 public key."""
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:16]


def b64(data: bytes) -> str:
    """Standard base64 with padding (pybase64 writes it in a quarter of binascii's time)."""
    return pybase64.b64encode(data).decode("ascii")


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

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.principal, self.public_key)

    def save_pair(self, path: Path) -> Path:
        """Write the private key to ``path`` (owner-only) and its public key beside it,
        as ``path`` + ``.pub`` (world-readable: it is what the office registers)."""
        self.save(path)
        pub = path.with_name(path.name + ".pub")
        self.public.save(pub)
        return pub

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        try:
            data = _read_json(path)
            return cls(str(data["principal"]), unb64(data["seed"], what=f"{path}: seed"))
        except (OSError, KeyError, TypeError, ValueError, RecursionError, SignatureError) as exc:
            raise ConfigurationError(f"{path}: not a Concord key file ({exc})") from exc


PUBLIC_KEY_FORMAT = "concord.public-key/v1"


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A principal's public Ed25519 key, as a party hands it to the office.

    File format (JSON)::

        {"format": "concord.public-key/v1", "key_id": "ed25519:<16 hex>",
         "principal": "<principal id>", "public_key": "<base64 of 32 bytes>"}
    """

    principal: str
    public_key: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def to_json(self) -> dict[str, str]:
        return {
            "format": PUBLIC_KEY_FORMAT,
            "key_id": self.key_id,
            "principal": self.principal,
            "public_key": b64(self.public_key),
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n")
        path.chmod(0o644)

    @classmethod
    def load(cls, path: Path) -> PublicKey:
        """Read a public key file; a private key file is refused, never read for its key."""
        try:
            data = _read_json(path)
        except (OSError, ValueError, RecursionError) as exc:
            raise ConfigurationError(f"{path}: not a public key file ({exc})") from None
        if not isinstance(data, dict):
            raise ConfigurationError(f"{path}: not a public key file")
        if "seed" in data:
            raise ConfigurationError(
                f"{path}: this is a private key; give the office only its public key",
                details=[f"`concord keys new` wrote it beside the private key as {path}.pub"],
            )
        try:
            public = unb64(str(data["public_key"]), what=f"{path}: public_key")
            principal = str(data["principal"])
        except KeyError as exc:
            raise ConfigurationError(f"{path}: not a public key file (missing {exc})") from None
        except SignatureError as exc:
            raise ConfigurationError(str(exc)) from None
        problem = public_key_problem(public)
        if problem:
            raise ConfigurationError(f"{path}: public_key: {problem}")
        stated = data.get("key_id")
        if stated is not None and stated != key_id(public):
            raise ConfigurationError(
                f"{path}: key_id {stated!r} does not match the public key ({key_id(public)})"
            )
        return cls(principal, public)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` (ZIP 215)."""
    try:
        return bool(ed25519_zebra.ed_verify(signature, message, public_key))
    except (TypeError, ValueError):
        return False


#: The field prime of Curve25519.
_P = 2**255 - 19
#: The y-coordinates of the eight points of order dividing 8: the identity (1), the
#: point of order 2 (p - 1), the two of order 4 (0) and the four of order 8.
_Y_ORDER_8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022
_SMALL_ORDER_Y = frozenset({0, 1, _P - 1, _Y_ORDER_8, _P - _Y_ORDER_8})


def public_key_problem(public_key: bytes) -> str | None:
    """Why ``public_key`` may not be registered, or None: it must be 32 bytes, encode
    its point canonically (y below the field prime) and not be of small order (such a
    key would accept signatures nobody made with it)."""
    if len(public_key) != 32:
        return "not a 32-byte Ed25519 key"
    y = int.from_bytes(public_key, "little") & ((1 << 255) - 1)
    if y >= _P:
        return "not a canonical encoding of a curve point"
    if y in _SMALL_ORDER_Y:
        return "a point of small order, for which signatures can be made without its key"
    return None

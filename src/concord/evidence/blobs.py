"""The content-addressed blob store: evidence files kept by the SHA-256 of their bytes.

Layout: ``<blobs_dir>/<sha256[:2]>/<sha256>``. A blob is written to a temporary file in
the same folder, flushed to disk and renamed into place, so a reader never sees half a
file and a crash leaves either the whole blob or none of it. Every read re-hashes the
bytes: a blob edited on disk is refused, never served.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from concord.errors import EvidenceError, NotFoundError, VerificationError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: The name under which a workspace attaches its blob store to its engine.
BLOB_STORE = "evidence.blobs"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class BlobStore:
    """Blobs under ``root``; ``put`` returns the hex SHA-256 that names a blob."""

    root: Path

    def path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise EvidenceError(f"{sha256!r} is not a SHA-256 in lower-case hex")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data`` (idempotent) and return its SHA-256."""
        sha = sha256_hex(data)
        target = self.path(sha)
        if target.is_file() and sha256_hex(target.read_bytes()) == sha:
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        """The bytes of a blob, after checking that they still hash to ``sha256``."""
        target = self.path(sha256)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(
                f"blob {sha256} is not in the blob store",
                details=[f"expected at {target}"],
            ) from None
        actual = sha256_hex(data)
        if actual != sha256:
            raise VerificationError(
                f"blob {sha256} has been altered: its bytes hash to {actual}",
                details=["restore the original file; evidence is never re-hashed in place"],
            )
        return data

    def verified_path(self, sha256: str) -> Path:
        """The path of a blob whose bytes have just been checked (for bulk readers)."""
        self.get(sha256)
        return self.path(sha256)

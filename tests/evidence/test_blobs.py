"""The content-addressed blob store: idempotent writes, tampering caught on read."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.errors import NotFoundError, VerificationError
from concord.evidence.blobs import BlobStore, sha256_hex


def test_put_names_the_blob_by_its_hash_and_get_returns_it(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    sha = store.put(b"site,mineral\n")
    assert sha == sha256_hex(b"site,mineral\n")
    assert store.path(sha) == tmp_path / sha[:2] / sha
    assert store.put(b"site,mineral\n") == sha
    assert store.get(sha) == b"site,mineral\n"
    assert not list(store.path(sha).parent.glob(".tmp-*"))


def test_an_edited_blob_is_refused(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    sha = store.put(b"PA,SB-N-03,ore,4100,t\n")
    store.path(sha).write_bytes(b"PA,SB-N-03,ore,4900,t\n")
    with pytest.raises(VerificationError, match="altered"):
        store.get(sha)


def test_a_missing_blob_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        BlobStore(tmp_path).get("0" * 64)

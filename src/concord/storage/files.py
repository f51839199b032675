"""Files the office publishes: world-readable, whatever the process's umask.

An export (tiles, checkpoint, entry bundles, blobs, ``log.vkey``) and the reports are
meant to be served by any web server, which runs as another user: files are 0644 and
folders 0755. Private keys stay owner-only (0600, in a 0700 folder; see
:mod:`concord.identity.keys` and :mod:`concord.workspace`).
"""

from __future__ import annotations

import os
from pathlib import Path

PUBLIC_FILE = 0o644
PUBLIC_DIR = 0o755


def public_dirs(path: Path) -> None:
    """Create the folder ``path`` and its missing parents, each world-readable; folders
    that already exist keep their modes."""
    missing: list[Path] = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    path.mkdir(parents=True, exist_ok=True)
    for folder in reversed(missing):
        folder.chmod(PUBLIC_DIR)


def make_public(path: Path) -> None:
    """Make the file ``path`` world-readable (and writable by its owner only)."""
    path.chmod(PUBLIC_FILE)


def make_public_fd(fd: int) -> None:
    """:func:`make_public` for a file still open (a temporary file before its rename)."""
    os.fchmod(fd, PUBLIC_FILE)


def write_public(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a world-readable file, in a world-readable folder."""
    public_dirs(path.parent)
    path.write_bytes(data)
    make_public(path)

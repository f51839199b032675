"""Configuration: the one place that reads ``CONCORD_*`` environment variables.

Everything else receives a :class:`Settings` object; nothing deep inside reads the
environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from concord.errors import ConfigurationError
from concord.identity.preverify import default_workers

#: C2SP tlog-tiles entry bundles prefix each entry with a 16-bit length, so no log
#: entry (a canonical DSSE envelope) can exceed 65,535 bytes. Larger evidence goes
#: to the blob store and the statement commits to its SHA-256.
MAX_ENTRY_BYTES = 65_535


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Typed settings of one Concord workspace."""

    home: Path
    database_url: str
    log_origin: str = "concord.local/log"
    #: Whether ``log_origin`` was set explicitly (CONCORD_LOG_ORIGIN): an existing
    #: workspace then refuses to open under another origin than the one fixed at init.
    log_origin_given: bool = False
    batch_size: int = 2048
    verify_workers: int = 0
    #: The office's clock (CONCORD_CLOCK), for a record kept in simulated time; None:
    #: the machine's clock.
    clock: datetime | None = None

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def blobs_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def analytics_path(self) -> Path:
        return self.home / "evidence.duckdb"

    def with_home(self, home: Path) -> Settings:
        """The same settings for another workspace folder (and its own SQLite file)."""
        return replace(self, home=home, database_url=sqlite_url(home))


def sqlite_url(home: Path) -> str:
    return f"sqlite:///{(home / 'concord.db').resolve()}"


def load_settings(env: Mapping[str, str] | None = None, *, home: Path | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    root = home or Path(env.get("CONCORD_HOME", "concord-data"))
    url = env.get("CONCORD_DATABASE_URL") or sqlite_url(root)
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise ConfigurationError(
            f"CONCORD_DATABASE_URL: unsupported database {url.split(':', 1)[0]!r}",
            details=["use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"],
        )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    origin = env.get("CONCORD_LOG_ORIGIN", "concord.local/log")
    if not origin or any(c.isspace() or c == "+" for c in origin):
        raise ConfigurationError(
            "CONCORD_LOG_ORIGIN: a log origin must be non-empty, without spaces or '+'"
        )
    try:
        batch = int(env.get("CONCORD_BATCH_SIZE", "2048"))
        workers = int(env.get("CONCORD_VERIFY_WORKERS", str(default_workers())))
    except ValueError as exc:
        raise ConfigurationError(
            "CONCORD_BATCH_SIZE and CONCORD_VERIFY_WORKERS: expected integers"
        ) from exc
    if batch < 1 or workers < 0:
        raise ConfigurationError(
            "CONCORD_BATCH_SIZE must be at least 1 and CONCORD_VERIFY_WORKERS at least 0"
        )
    clock = None
    if env.get("CONCORD_CLOCK"):
        try:
            clock = datetime.fromisoformat(env["CONCORD_CLOCK"].replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError(
                f"CONCORD_CLOCK: {env['CONCORD_CLOCK']!r} is not a time like 2187-09-15T00:00:00Z"
            ) from None
        if clock.tzinfo is None:
            raise ConfigurationError("CONCORD_CLOCK: give a UTC time, ending in Z")
        clock = clock.astimezone(UTC)
    return Settings(
        home=root,
        clock=clock,
        database_url=url,
        log_origin=origin,
        log_origin_given="CONCORD_LOG_ORIGIN" in env,
        batch_size=batch,
        verify_workers=workers,
    )

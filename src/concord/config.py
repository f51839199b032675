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
    #: The HTTP server's limits (CONCORD_RATE_LIMIT, CONCORD_RATE_BURST,
    #: CONCORD_BODY_TIMEOUT, CONCORD_KEEP_ALIVE): requests per second and the burst each
    #: client address may send unauthenticated (0: no limit), seconds a request body may
    #: stall, seconds an idle connection is kept open.
    rate_limit: float = 100.0
    rate_burst: int = 500
    body_timeout: float = 30.0
    keep_alive: int = 5

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
    limits = _server_limits(env)
    return Settings(
        rate_limit=limits["rate_limit"],
        rate_burst=int(limits["rate_burst"]),
        body_timeout=limits["body_timeout"],
        keep_alive=int(limits["keep_alive"]),
        home=root,
        clock=clock,
        database_url=url,
        log_origin=origin,
        log_origin_given="CONCORD_LOG_ORIGIN" in env,
        batch_size=batch,
        verify_workers=workers,
    )


def _server_limits(env: Mapping[str, str]) -> dict[str, float | int]:
    """The HTTP server's limits from ``env``; each must be a number of at least 0."""
    names = {
        "rate_limit": ("CONCORD_RATE_LIMIT", "100", float),
        "rate_burst": ("CONCORD_RATE_BURST", "500", int),
        "body_timeout": ("CONCORD_BODY_TIMEOUT", "30", float),
        "keep_alive": ("CONCORD_KEEP_ALIVE", "5", int),
    }
    limits: dict[str, float | int] = {}
    for field, (variable, default, kind) in names.items():
        text = env.get(variable) or default
        try:
            value = kind(text)
        except ValueError:
            raise ConfigurationError(f"{variable}: {text!r} is not a number") from None
        if not 0 <= value < float("inf"):
            raise ConfigurationError(f"{variable}: {text!r} must be a number of at least 0")
        limits[field] = value
    if limits["rate_limit"] and limits["rate_burst"] < 1:
        raise ConfigurationError("CONCORD_RATE_BURST: at least 1 when CONCORD_RATE_LIMIT is set")
    return limits

"""Engines for the embedded default (SQLite, WAL) and the server (PostgreSQL).

Appends are serialised by the database itself, so one sequencer orders them even with
several writer processes: SQLite transactions start with ``BEGIN IMMEDIATE`` (one
writer at a time) and PostgreSQL transactions that append take a transaction-scoped
advisory lock.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError

from concord.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config

#: The newest migration. A database already there is opened without loading Alembic
#: (a test checks this against the migration scripts).
HEAD_REVISION = "0009"

MIGRATIONS = Path(__file__).parent / "migrations"
#: Arbitrary constant naming the advisory lock that makes one sequencer on PostgreSQL.
SEQUENCER_LOCK = 0x434F4E43


def make_engine(url: str) -> Engine:
    """An engine with Concord's durability settings."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so it can be IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # synchronous=FULL: a commit is on disk before it returns, so a receipt is never
    # handed out for an append that a crash could lose.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Only appends take SQLite's write lock up front (BEGIN IMMEDIATE), so that two
    # writers queue instead of failing to upgrade; readers use WAL snapshots.
    writing = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


#: Execution option marking the connection of an append transaction.
WRITE_OPTION = "concord_append"
APPEND = {WRITE_OPTION: True}


def lock_sequencer(connection: Connection) -> None:
    """Take the sequencer lock for this transaction.

    On SQLite the transaction already holds the write lock (it began IMMEDIATE because
    its connection was requested with :data:`APPEND`); on PostgreSQL a transaction-scoped
    advisory lock orders the writers.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEQUENCER_LOCK})


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    # Alembic's default output stream is sys.stdout as it was when Alembic was first
    # imported; name the current one.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    try:
        with engine.connect().execution_options(**APPEND) as connection, connection.begin():
            if _revision(connection) == HEAD_REVISION:
                return
            from alembic import command

            config = alembic_config(engine.url.render_as_string(hide_password=False))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise StorageError(f"cannot reach the database: {exc.orig}") from exc


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory

from concord.storage.db import HEAD_REVISION, alembic_config, make_engine, migrate


def test_migrations_form_one_line_and_match_the_models(database_url: str) -> None:
    config = alembic_config(database_url)
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [HEAD_REVISION]  # opening skips Alembic at this revision
    engine = make_engine(database_url)
    try:
        migrate(engine)
        migrate(engine)  # idempotent
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            # Raises if autogenerate would find any difference between models and schema.
            command.check(config)
    finally:
        engine.dispose()

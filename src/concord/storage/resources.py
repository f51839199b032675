"""Resources attached to an engine, for statement checks that need more than the database.

A statement type's ``check(session, statement)`` sees only the session. Some checks also
need workspace resources — the evidence checks read the blob store — so the workspace
attaches them to its engine, and a check finds them through ``session.get_bind()``.
A replay into a fresh database (``concord rebuild``) copies the attachments across.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import Connection, Engine

_ATTACHED: weakref.WeakKeyDictionary[Engine, dict[str, Any]] = weakref.WeakKeyDictionary()


def attach(engine: Engine, name: str, value: Any) -> None:
    """Attach ``value`` to ``engine`` under ``name`` (replacing any earlier one)."""
    _ATTACHED.setdefault(engine, {})[name] = value


def attached(bind: Engine | Connection, name: str) -> Any | None:
    """The resource attached under ``name`` to the engine behind ``bind``, if any."""
    engine = bind.engine if isinstance(bind, Connection) else bind
    return _ATTACHED.get(engine, {}).get(name)


def copy_attachments(source: Engine, target: Engine) -> None:
    """Give ``target`` every resource attached to ``source``."""
    for name, value in _ATTACHED.get(source, {}).items():
        attach(target, name, value)

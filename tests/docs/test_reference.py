"""The reference documents every command, setting and statement type."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from concord.cli.main import app
from concord.registry import default_registry

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(group: typer.Typer, prefix: str) -> list[str]:
    names = [f"{prefix}{c.name or c.callback.__name__}".strip() for c in group.registered_commands]  # type: ignore[union-attr]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        names += _commands(sub.typer_instance, f"{prefix}{sub.name} ")
    return names


def test_every_command_is_in_the_reference() -> None:
    reference = (DOCS / "reference.md").read_text()
    missing = [c for c in _commands(app, "") if f"concord {c.replace('_', '-')}" not in reference]
    assert missing == []


def test_every_setting_is_in_the_reference() -> None:
    source = (Path(__file__).resolve().parents[2] / "src/concord/config.py").read_text()
    settings = set(re.findall(r'"(CONCORD_[A-Z_]+)"', source))
    reference = (DOCS / "reference.md").read_text()
    assert settings
    assert sorted(s for s in settings if s not in reference) == []


def test_every_statement_type_is_in_the_reference() -> None:
    reference = (DOCS / "reference.md").read_text()
    missing = [t for t in default_registry().types if f"`{t}`" not in reference]
    assert missing == []

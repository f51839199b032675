"""``concord.api`` is an entry layer: nothing beneath it imports it, and it imports no
other entry point."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "concord"
IMPORT = re.compile(r"^\s*(?:from|import)\s+(concord\.[\w.]+)", re.MULTILINE)
ENTRY_POINTS = {"api", "cli", "web"}


def _imports(path: Path) -> set[str]:
    return set(IMPORT.findall(path.read_text()))


def test_no_domain_imports_the_api() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] not in ENTRY_POINTS
        and any(name.startswith("concord.api") for name in _imports(path))
    ]
    assert offenders == []


def test_the_api_imports_no_other_entry_point() -> None:
    offenders = [
        (str(path.relative_to(SRC)), name)
        for path in (SRC / "api").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[1] in ENTRY_POINTS - {"api"}
    ]
    assert offenders == []

"""Applying an amendment's changes to a treaty document, path by path.

A path names mapping keys with dots and list items in brackets, by ``id`` (or, for items
without one, by ``effective_from``) or by position: ``requirements[R5].params.k_sigma``,
``fee_schedules[docking].versions[2187-07-01].rates[0].amount``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from concord.treaty.models import Change

_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]")


@dataclass(frozen=True, slots=True)
class ItemRef:
    """A list item named by its id (or effective_from) rather than its position."""

    key: str


Step = str | int | ItemRef


class PathError(Exception):
    """A change whose path does not lead anywhere; reported as a problem, never raised out."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Which amendment changed what, when, and from what to what."""

    path: str
    amendment: str
    effective_date: date
    op: str
    old: Any
    new: Any


def parse_path(text: str) -> list[Step]:
    steps: list[Step] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or (pos == 0 and text.startswith(".")):
            raise PathError(f'cannot read path "{text}" at character {pos + 1}')
        name, bracket = match.groups()
        if name is not None:
            steps.append(name)
        elif bracket.isdigit():
            steps.append(int(bracket))
        else:
            steps.append(ItemRef(bracket))
        pos = match.end()
    if not steps or not isinstance(steps[0], str):
        raise PathError(f'a path starts with a key of the treaty, got "{text}"')
    return steps


def _index(items: list[Any], step: int | ItemRef, where: str) -> int:
    if isinstance(step, int):
        if not 0 <= step < len(items):
            raise PathError(f"{where} has no item [{step}] (it has {len(items)})")
        return step
    for i, item in enumerate(items):
        if isinstance(item, dict) and step.key in (item.get("id"), item.get("effective_from")):
            return i
    raise PathError(f'{where} has no item "{step.key}"')


def _child(node: Any, step: Step, where: str) -> Any:
    if isinstance(step, str):
        if not isinstance(node, dict) or step not in node:
            raise PathError(f'{where} has no key "{step}"')
        return node[step]
    if not isinstance(node, list):
        raise PathError(f"{where} is not a list")
    return node[_index(node, step, where)]


def _walk(data: dict[str, Any], steps: list[Step]) -> tuple[Any, str]:
    node: Any = data
    for n, step in enumerate(steps):
        node = _child(node, step, _show(steps[:n]) or "the treaty")
    return node, _show(steps) or "the treaty"


def _show(steps: list[Step]) -> str:
    out = ""
    for step in steps:
        if isinstance(step, str):
            out += f".{step}" if out else step
        else:
            out += f"[{step.key if isinstance(step, ItemRef) else step}]"
    return out


def apply_change(data: dict[str, Any], change: Change) -> tuple[str, Any, Any]:
    """Apply ``change`` to ``data`` in place; return (path, old value, new value)."""
    steps = parse_path(change.path)
    value = copy.deepcopy(change.value)
    if change.op == "add":
        target, where = _walk(data, steps)
        if not isinstance(target, list):
            raise PathError(f"{where} is not a list, so nothing can be added to it")
        target.append(value)
        item_id = value.get("id") if isinstance(value, dict) else None
        return _show(steps) + (f"[{item_id}]" if item_id else f"[{len(target) - 1}]"), None, value
    parent, where = _walk(data, steps[:-1])
    last = steps[-1]
    if isinstance(last, str):
        if not isinstance(parent, dict):
            raise PathError(f"{where} is not a mapping")
        old = parent.get(last)
        if change.op == "remove":
            if last not in parent:
                raise PathError(f'{where} has no key "{last}"')
            del parent[last]
            return _show(steps), old, None
        parent[last] = value
        return _show(steps), old, value
    if not isinstance(parent, list):
        raise PathError(f"{where} is not a list")
    index = _index(parent, last, where)
    old = parent[index]
    if change.op == "remove":
        parent.pop(index)
        return _show(steps), old, None
    parent[index] = value
    return _show(steps), old, value

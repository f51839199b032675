"""Checking a whole treaty document, reporting every problem in one pass.

Type errors and cross-reference errors are both reported: list items that fail the
models (a requirement with a bad parameter, say) are set aside, and the cross-reference
checks run on the rest, so a file with both kinds of mistake shows both at once.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from concord.treaty.loader import (
    Locator,
    ParsedDocument,
    document_path,
    problems_from_validation_error,
)
from concord.treaty.models import Treaty
from concord.treaty.problems import PathPart, Problem
from concord.treaty.validation import validate_treaty

#: Lists whose items can be set aside when they fail the models.
_LISTS: tuple[tuple[str, ...], ...] = (
    ("parties",),
    ("chapters",),
    ("provisions",),
    ("sectors",),
    ("requirements",),
    ("fee_schedules",),
    ("claim_priority", "rules"),
    ("claim_priority", "precedence"),
    ("claim_priority", "contested"),
    ("dispute_procedure", "stages"),
)


def check_treaty_document(doc: ParsedDocument) -> tuple[Treaty | None, list[Problem]]:
    """The treaty (None if it does not validate) and every problem found in it."""
    try:
        treaty = Treaty.model_validate(doc.data)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, doc.data, doc.problem)
        return None, problems + _check_rest(doc, exc)
    return treaty, validate_treaty(treaty, doc.problem)


def _check_rest(doc: ParsedDocument, exc: ValidationError) -> list[Problem]:
    """Cross-reference problems among the parts that did validate.

    Unknown keys are dropped, a bad treaty date is replaced by a placeholder (and date
    checks against it are not reported), a list item with any other error is set aside.
    """
    if not isinstance(doc.data, dict):
        return []
    data = copy.deepcopy(doc.data)
    bad: list[list[PathPart]] = []
    for error in exc.errors():
        path = document_path(error["loc"], doc.data)
        if error["type"] == "extra_forbidden":
            _delete(data, path)
        elif len(path) == 2 and path[0] == "dates":
            _set(data, path, _PLACEHOLDER_DATE)
        else:
            bad.append(path)
    kept: dict[tuple[str, ...], list[int]] = {}
    removed_ids: set[str] = set()
    for prefix in _LISTS:
        items = _get(data, prefix)
        if not isinstance(items, list):
            continue
        drop = _bad_indices(bad, prefix)
        kept[prefix] = [i for i in range(len(items)) if i not in drop]
        removed_ids |= {_item_id(items[i]) for i in drop}
        items[:] = [items[i] for i in kept[prefix]]
    try:
        treaty = Treaty.model_validate(data)
    except ValidationError:
        return []  # errors outside list items (the calendar, say): nothing sound to check
    placeholder = _PLACEHOLDER_DATE in str(data.get("dates"))
    found = validate_treaty(treaty, _remapped(doc.problem, kept))
    return [
        p
        for p in found
        if not any(f'"{rid}"' in p.message for rid in removed_ids - {""})
        and not (placeholder and (p.path.startswith("dates") or "signed" in p.message))
    ]


#: Stands in for an invalid treaty date while the rest of the file is cross-checked.
_PLACEHOLDER_DATE = "0001-01-01"


def _item_id(item: Any) -> str:
    return str(item["id"]) if isinstance(item, dict) and "id" in item else ""


def _delete(data: dict[str, Any], path: list[PathPart]) -> None:
    parent = _get(data, tuple(path[:-1]))
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def _set(data: dict[str, Any], path: list[PathPart], value: Any) -> None:
    parent = _get(data, tuple(path[:-1]))
    if isinstance(parent, dict):
        parent[path[-1]] = value


def _bad_indices(bad: list[list[PathPart]], prefix: tuple[str, ...]) -> set[int]:
    """Indices of the items of the list at ``prefix`` that have an error."""
    n = len(prefix)
    out = set()
    for path in bad:
        index = path[n] if len(path) > n else None
        if tuple(path[:n]) == prefix and isinstance(index, int):
            out.add(index)
    return out


def _get(data: dict[str, Any], prefix: tuple[PathPart, ...]) -> Any:
    node: Any = data
    for key in prefix:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node


def _remapped(locate: Locator, kept: dict[tuple[str, ...], list[int]]) -> Locator:
    """A locator that turns indices in the pruned lists back into the file's indices."""

    def wrapped(parts: Sequence[PathPart], message: str) -> Problem:
        out = list(parts)
        for prefix, indices in kept.items():
            n = len(prefix)
            index = out[n] if len(out) > n else None
            if tuple(out[:n]) == prefix and isinstance(index, int):
                out[n] = indices[index]
        return locate(out, message)

    return wrapped

"""Reading YAML documents (treaties, amendments, test cases) with every error located.

Two things differ from ``yaml.safe_load``:

* dates stay text, so that an impossible date (``2187-02-30``) is reported by the model at
  its path instead of aborting the whole parse, and every date is parsed by one rule;
* every node's line and column are kept, so that a problem found later — by Pydantic or
  by a cross-reference check — can say where it is in the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from concord.treaty.problems import PathPart, Problem, format_path

M = TypeVar("M", bound=BaseModel)

#: Builds a located problem from a path and a message.
Locator = Callable[[Sequence[PathPart], str], Problem]


class _DocumentLoader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type (dates are parsed by the models)."""


_DocumentLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(slots=True)
class ParsedDocument:
    """A parsed YAML document and the position of each of its nodes."""

    source: str
    data: Any
    positions: dict[tuple[PathPart, ...], tuple[int, int]] = field(default_factory=dict)

    def position(self, parts: Sequence[PathPart]) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the node at ``parts``, or of its nearest parent."""
        key = tuple(parts)
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return None, None

    def problem(self, parts: Sequence[PathPart], message: str) -> Problem:
        """A problem at ``parts``, located in this document."""
        line, column = self.position(parts)
        return Problem(
            path=format_path(parts), message=message, source=self.source, line=line, column=column
        )


def plain_problem(parts: Sequence[PathPart], message: str) -> Problem:
    """A problem with a path but no line (for models that did not come from a file)."""
    return Problem(path=format_path(parts), message=message)


def parse_yaml(text: str, source: str) -> tuple[ParsedDocument | None, list[Problem]]:
    """Parse one YAML document; broken YAML is reported with its line and column."""
    loader = _DocumentLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(path="(document)", message="the file is empty", source=source)]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"broken YAML: {exc.problem or exc.context}"
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        return None, [
            Problem(path="(document)", message=message, source=source, line=line, column=column)
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(path="(document)", message=f"broken YAML: {exc}", source=source)]
    finally:
        loader.dispose()
    doc = ParsedDocument(source=source, data=data)
    problems: list[Problem] = []
    _index(node, (), doc, problems)
    return doc, problems


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _index(
    node: yaml.Node, parts: tuple[PathPart, ...], doc: ParsedDocument, problems: list[Problem]
) -> None:
    """Record the position of every node; report duplicate keys (YAML would keep the last)."""
    doc.positions.setdefault(parts, _mark(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                problems.append(
                    doc.problem((*parts, key), "duplicate key").located(*_mark(key_node))
                )
            seen.add(key)
            doc.positions[(*parts, key)] = _mark(key_node)
            _index(value_node, (*parts, key), doc, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*parts, i), doc, problems)


def validate_model(
    model: type[M], doc: ParsedDocument, *, data: Any = None
) -> tuple[M | None, list[Problem]]:
    """Validate ``doc.data`` (or ``data``) as ``model``; map every error to its path."""
    raw = doc.data if data is None else data
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        return None, problems_from_validation_error(exc, raw, doc.problem)


def problems_from_validation_error(
    exc: ValidationError, data: Any, locate: Locator, prefix: Sequence[PathPart] = ()
) -> list[Problem]:
    """One problem per Pydantic error, at a path that names keys and list indices only."""
    problems = []
    for error in exc.errors():
        parts = [*prefix, *document_path(error["loc"], data)]
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            parts.append(str(error.get("ctx", {}).get("discriminator", "kind")).strip("'"))
        problems.append(locate(parts, _message(error)))
    return problems


def document_path(loc: Sequence[int | str], data: Any) -> list[PathPart]:
    """Drop the parts of a Pydantic location that are not in the document (union tags)."""
    parts: list[PathPart] = []
    current = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, dict):
            if part in current:
                current = current[part]
            elif not last:
                continue  # a tagged-union member name, not a key of the document
            parts.append(part)
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
            parts.append(part)
        else:
            break  # below a scalar, the rest names union members, not document keys
    return parts


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


_EXPECTED = {
    "float": "a number",
    "decimal": "a number",
    "int": "a whole number",
    "date": "a date (YYYY-MM-DD)",
    "string": "text",
    "bool": "true or false",
    "list": "a list",
    "dict": "a mapping of keys to values",
    "model": "a mapping of keys to values",
    "tuple": "a list",
}


def _message(error: Any) -> str:  # noqa: PLR0911 - one return per kind of error
    kind: str = error["type"]
    ctx = error.get("ctx", {})
    got = _show(error.get("input"))
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "union_tag_invalid":
        return f"unknown kind {_show(ctx.get('tag'))}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "required key is missing"
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, got {got}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    for prefix, expected in _EXPECTED.items():
        if kind.startswith(prefix) and (kind.endswith(("_type", "_parsing")) or "from" in kind):
            return f"expected {expected}, got {got}"
    return f"{error['msg']} (got {got})"

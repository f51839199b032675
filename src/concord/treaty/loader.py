"""Reading YAML documents (treaties, amendments, test cases) with every error located.

This is the one YAML loader of Concord. It builds on ``yaml.SafeLoader`` (no tags that
construct Python objects) and differs from ``yaml.safe_load`` in that:

* dates stay text, so that an impossible date (``2187-02-30``) is reported by the model at
  its path instead of aborting the whole parse, and every date is parsed by one rule;
* every node's line and column are kept, so that a problem found later — by Pydantic or
  by a cross-reference check — can say where it is in the file;
* a duplicate key is a problem (YAML would silently keep the last value);
* a document has limits (:mod:`concord.inputs`): its bytes, its nesting depth, and the
  number of nodes it expands to with its aliases counted at each use, so that an alias
  bomb ("billion laughs") or a recursive alias is refused before it is expanded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from concord.errors import TreatyError
from concord.inputs import MAX_DEPTH, MAX_YAML_BYTES, MAX_YAML_NODES, read_text_input
from concord.treaty.problems import PathPart, Problem, format_path

M = TypeVar("M", bound=BaseModel)

#: Builds a located problem from a path and a message.
Locator = Callable[[Sequence[PathPart], str], Problem]


class _DocumentLoader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type (dates are parsed by the models),
    refusing to compose nodes nested deeper than :data:`MAX_DEPTH`."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                message = f"nested deeper than {MAX_DEPTH} levels"
                raise yaml.composer.ComposerError(None, None, message, mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


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


def read_yaml_file(path: Any, what: str = "YAML file") -> str:
    """The UTF-8 text of a YAML file, refused (TreatyError) when over :data:`MAX_YAML_BYTES`."""
    from pathlib import Path

    return read_text_input(Path(path), what, limit=MAX_YAML_BYTES, error=TreatyError)


def _expanded_size(root: yaml.Node) -> int | None:
    """How many nodes ``root`` expands to, each alias counted at every use; None when
    an alias refers to a node that contains it (a recursive document)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int | None:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            return None
        open_nodes.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        total = 1
        for child in children:
            found = size(child)
            if found is None:
                return None
            total += found
        open_nodes.discard(key)
        sizes[key] = total
        return total

    return size(root)


def _limits(node: yaml.Node) -> str | None:
    """The first limit of :mod:`concord.inputs` that the document breaks, if any."""
    size = _expanded_size(node)
    if size is None:
        message = "an alias refers to a node that contains it (a recursive document)"
    elif size > MAX_YAML_NODES:
        message = (
            f"the document expands to {size} nodes (aliases counted at each use), "
            f"above the limit of {MAX_YAML_NODES}"
        )
    else:
        return None
    return message


def _document_problem(source: str, message: str, mark: Any = None) -> Problem:
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    return Problem(path="(document)", message=message, source=source, line=line, column=column)


def _construct(text: str, source: str) -> tuple[yaml.Node | None, Any, list[Problem]]:
    """The document's root node and its data, or the problem that stopped reading it."""
    loader = _DocumentLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None, [_document_problem(source, "the file is empty")]
        too_large = _limits(node)
        if too_large is not None:
            return None, None, [_document_problem(source, too_large)]
        return node, loader.construct_document(node), []
    except yaml.MarkedYAMLError as exc:
        message = f"broken YAML: {exc.problem or exc.context}"
        return (
            None,
            None,
            [_document_problem(source, message, exc.problem_mark or exc.context_mark)],
        )
    except yaml.YAMLError as exc:
        return None, None, [_document_problem(source, f"broken YAML: {exc}")]
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4300 digits
        return None, None, [_document_problem(source, f"unreadable YAML: {exc}")]
    finally:
        loader.dispose()


def parse_yaml(text: str, source: str) -> tuple[ParsedDocument | None, list[Problem]]:
    """Parse one YAML document; broken YAML is reported with its line and column."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_YAML_BYTES:
        message = f"the document is {size} bytes, above the limit of {MAX_YAML_BYTES}"
        return None, [_document_problem(source, message)]
    node, data, problems = _construct(text, source)
    if node is None:
        return None, problems
    doc = ParsedDocument(source=source, data=data)
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

"""A problem found in a treaty, amendment or test-case file, with its place.

Every checker returns a list of :class:`Problem` instead of raising on the first one, so
that a user sees every error in one run. Only the service turns a non-empty list into a
:class:`concord.errors.TreatyError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: One step of a path into a document: a key of a mapping or an index into a list.
PathPart = str | int


def format_path(parts: Sequence[PathPart]) -> str:
    """``("requirements", 4, "params", "k_sigma")`` → ``requirements[4].params.k_sigma``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(document)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One error: where it is (path and, when known, line and column) and what is wrong."""

    path: str
    message: str
    source: str = ""
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.line is not None:
            where = f" (line {self.line}" + (f", column {self.column})" if self.column else ")")
        return f"{self.path}: {self.message}{where}"

    def located(self, line: int | None, column: int | None = None) -> Problem:
        """The same problem with a line (and column) attached."""
        return Problem(
            path=self.path, message=self.message, source=self.source, line=line, column=column
        )

"""Helpers shared by the treaty checks: duplicate ids, unknown references, dates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from concord.treaty.loader import Locator
from concord.treaty.models import Treaty
from concord.treaty.problems import PathPart, Problem
from concord.treaty.types import Effective


def duplicates(
    ids: Sequence[str], path: Sequence[PathPart], locate: Locator, what: str = "id"
) -> list[Problem]:
    """A problem at every repeat of an id in ``ids`` (the first use is not repeated)."""
    seen: set[str] = set()
    out = []
    for i, item_id in enumerate(ids):
        if item_id in seen:
            out.append(locate([*path, i, what], f'duplicate {what} "{item_id}"'))
        seen.add(item_id)
    return out


def unknown_refs(
    refs: Iterable[str], known: set[str], path: Sequence[PathPart], locate: Locator, what: str
) -> list[Problem]:
    """A problem for each reference in ``refs`` that is not in ``known``."""
    return [
        locate([*path, i], f'cites a missing {what} "{ref}"' if what == "provision" else
               f'unknown {what} "{ref}"')
        for i, ref in enumerate(refs)
        if ref not in known
    ]  # fmt: skip


def check_effective(
    item: Effective, path: Sequence[PathPart], treaty: Treaty, locate: Locator
) -> list[Problem]:
    """Effective dates must not precede signature, and must not end before they start."""
    out = []
    signed = treaty.dates.signed
    if item.effective_from is not None and item.effective_from < signed:
        out.append(
            locate(
                [*path, "effective_from"],
                f"{item.effective_from} is before the treaty was signed ({signed})",
            )
        )
    start = item.effective_from or treaty.dates.entry_into_force
    if item.effective_to is not None and item.effective_to < start:
        out.append(
            locate(
                [*path, "effective_to"], f"{item.effective_to} is before it takes effect ({start})"
            )
        )
    return out


def provision_ids(treaty: Treaty) -> set[str]:
    return {p.id for p in treaty.provisions}

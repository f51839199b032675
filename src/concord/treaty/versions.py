"""The treaty in force on a date: amendments applied in date order, dated items filtered.

Every rule and parameter has an effective date. :func:`treaty_at` applies the amendments
whose effective date is on or before the day asked for, then keeps the provisions,
requirements, rules and sectors in force that day, and picks each fee schedule's latest
version. The result remembers which amendment changed what (:class:`Provenance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from concord.errors import TreatyError
from concord.treaty.amending import PathError, Provenance, apply_change
from concord.treaty.dating import in_force_items, version_on
from concord.treaty.fees import FeeScheduleVersion
from concord.treaty.loader import Locator, plain_problem, problems_from_validation_error
from concord.treaty.models import Amendment, Provision, Requirement, Sector, Treaty
from concord.treaty.priority import PriorityRule
from concord.treaty.problems import PathPart, Problem
from concord.treaty.refs import unknown_refs
from concord.treaty.validation import validate_treaty

__all__ = ["Provenance", "TreatyVersion", "apply_amendments", "treaty_at"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TreatyVersion:
    """The treaty as it reads on ``as_of``, and what is in force that day."""

    as_of: date
    treaty: Treaty
    amendments: tuple[str, ...] = ()
    provenance: tuple[Provenance, ...] = ()

    @property
    def in_force(self) -> bool:
        return self.as_of >= self.treaty.dates.entry_into_force

    @property
    def _start(self) -> date:
        return self.treaty.dates.entry_into_force

    def provisions(self) -> list[Provision]:
        return in_force_items(self.treaty.provisions, self.as_of, self._start)

    def provision(self, provision_id: str) -> Provision | None:
        return next((p for p in self.provisions() if p.id == provision_id), None)

    def requirements(self) -> list[Requirement]:
        return in_force_items(self.treaty.requirements, self.as_of, self._start)

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements() if r.id == requirement_id), None)

    def sectors(self) -> list[Sector]:
        return in_force_items(self.treaty.sectors, self.as_of, self._start)

    def priority_rules(self) -> list[PriorityRule]:
        return in_force_items(self.treaty.claim_priority.rules, self.as_of, self._start)

    def fee_schedule(self, schedule_id: str) -> FeeScheduleVersion | None:
        """The version of a fee schedule in force on ``as_of`` (None before its first)."""
        for schedule in self.treaty.fee_schedules:
            if schedule.id == schedule_id:
                return version_on(schedule.versions, self.as_of, lambda v: v.effective_from)
        return None

    def changes_to(self, path: str) -> list[Provenance]:
        """The amendments' changes at ``path`` or below it, oldest first."""
        return [
            p
            for p in self.provenance
            if p.path == path or p.path.startswith((f"{path}.", f"{path}["))
        ]


def _prefixed(locate: Locator, prefix: str) -> Locator:
    def wrapped(parts: Sequence[PathPart], message: str) -> Problem:
        return locate(parts, f"{prefix}: {message}")

    return wrapped


def check_amendment(treaty: Treaty, amendment: Amendment, locate: Locator) -> list[Problem]:
    """An amendment must be for this treaty and may not be dated before it."""
    d = treaty.dates
    out = []
    if amendment.treaty != treaty.id:
        out.append(locate(["treaty"], f'is for treaty "{amendment.treaty}", not "{treaty.id}"'))
    if amendment.adopted < d.signed:
        out.append(
            locate(["adopted"], f"{amendment.adopted} is before the treaty was signed ({d.signed})")
        )
    if amendment.effective_date < d.entry_into_force:
        out.append(
            locate(
                ["effective_date"],
                f"{amendment.effective_date} is before the treaty enters into force "
                f"({d.entry_into_force})",
            )
        )
    if amendment.effective_date < amendment.adopted:
        out.append(locate(["effective_date"], f"is before adoption ({amendment.adopted})"))
    known = {p.id for p in treaty.provisions}
    out += unknown_refs(amendment.cites, known, ["cites"], locate, "provision")
    return out


def apply_amendments(
    treaty: Treaty,
    amendments: Sequence[Amendment],
    *,
    until: date | None = None,
    locators: Sequence[Locator] | None = None,
) -> tuple[Treaty, list[Provenance], list[Problem]]:
    """Apply the amendments (in effective-date order, up to ``until``), checking each.

    Problems in an amendment file are located with ``locators[i]``; problems in the
    treaty that an amendment leaves behind are reported at their treaty path.
    """
    order = sorted(
        range(len(amendments)),
        key=lambda i: (amendments[i].effective_date, amendments[i].adopted, amendments[i].id),
    )
    current = treaty
    provenance: list[Provenance] = []
    problems: list[Problem] = []
    for i in order:
        amendment = amendments[i]
        if until is not None and amendment.effective_date > until:
            continue
        locate = locators[i] if locators else _prefixed(plain_problem, f"amendment {amendment.id}")
        found = check_amendment(treaty, amendment, locate)
        data: dict[str, Any] = current.model_dump(mode="json", exclude_none=True)
        changed: list[Provenance] = []
        for j, change in enumerate(amendment.changes):
            try:
                path, old, new = apply_change(data, change)
            except PathError as exc:
                found.append(locate(["changes", j, "path"], str(exc)))
                continue
            changed.append(
                Provenance(
                    path=path,
                    amendment=amendment.id,
                    effective_date=amendment.effective_date,
                    op=change.op,
                    old=old,
                    new=new,
                )
            )
        if not found:
            amended, found = _revalidate(data, amendment)
            if amended is not None and not found:
                current = amended
                provenance.extend(changed)
        problems.extend(found)
    return current, provenance, problems


def _revalidate(data: dict[str, Any], amendment: Amendment) -> tuple[Treaty | None, list[Problem]]:
    locate = _prefixed(plain_problem, f"after amendment {amendment.id}")
    try:
        amended = Treaty.model_validate(data)
    except ValidationError as exc:
        return None, problems_from_validation_error(exc, data, locate)
    return amended, validate_treaty(amended, locate)


def treaty_at(treaty: Treaty, amendments: Sequence[Amendment], day: date) -> TreatyVersion:
    """The version of ``treaty`` in force on ``day``; raises TreatyError listing every problem."""
    amended, provenance, problems = apply_amendments(treaty, amendments, until=day)
    if problems:
        raise TreatyError(
            f"cannot compute treaty {treaty.id} as of {day}: {len(problems)} problem(s)",
            details=[str(p) for p in problems],
        )
    applied = tuple(dict.fromkeys(p.amendment for p in provenance))
    return TreatyVersion(
        as_of=day, treaty=amended, amendments=applied, provenance=tuple(provenance)
    )

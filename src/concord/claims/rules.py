"""The treaty's claim-priority section, read as the claims core's dated rules.

The treaty states its rules as dated items (``effective_to`` is the last day in force);
the core's :class:`~concord.claims.priority.PriorityRule` takes an exclusive end, the
grandfathering cutoff as a date rather than the name of a treaty date, and the
activity period in months from the treaty's reporting calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from concord.claims.priority import ContestedPairs, Precedence, PriorityRule
from concord.errors import ClaimError
from concord.treaty import priority as treaty_priority
from concord.treaty.models import Sector, TreatyDates
from concord.treaty.versions import TreatyVersion

PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}


@dataclass(frozen=True)
class TreatyRules:
    """Everything the settlement needs from the treaty on one day."""

    rules: tuple[PriorityRule, ...]
    precedence: Precedence
    contested: ContestedPairs


def priority_rules(version: TreatyVersion) -> TreatyRules:
    """The treaty's priority rules, precedence and contested pairs, as the core reads them."""
    treaty = version.treaty
    start = treaty.dates.entry_into_force
    months = PERIOD_MONTHS[treaty.calendar.period]
    rules = []
    for rule in treaty.claim_priority.rules:
        params: dict[str, date | int | str] = {}
        match rule:
            case treaty_priority.Grandfathered():
                params.update(grandfathering_params(rule.params, treaty.dates))
            case treaty_priority.OperationalPresence():
                params["min_presence_days"] = rule.params.min_presence_days
            case treaty_priority.ActivityLapse():
                params["due_days"] = rule.params.due_days
                params["period_months"] = months
        until = rule.effective_to + timedelta(days=1) if rule.effective_to else None
        rules.append(
            PriorityRule(
                id=rule.id,
                kind=rule.kind,
                effective_from=rule.effective_from or start,
                cites=tuple(rule.cites),
                params=params,
                effective_until=until,
                sectors=frozenset(rule.sectors),
            )
        )
    precedence = frozenset((p.higher, p.lower) for p in treaty.claim_priority.precedence)
    contested = frozenset(frozenset(c.rules) for c in treaty.claim_priority.contested)
    return TreatyRules(tuple(rules), precedence, contested)


def grandfathering_params(
    params: treaty_priority.GrandfatheredParams, dates: TreatyDates
) -> dict[str, date | int | str]:
    """The core's grandfathering bounds from the treaty's windows (ends exclusive).

    Art. 1(1): rights registered before the named treaty date are respected; Art. 1(2)
    can add a window for the claim's entry in the Claims Registry.
    """
    first, end = params.registration_window().bounds(dates)
    out: dict[str, date | int | str] = {"cutoff": end or date.max}
    if first is not None:
        out["registered_from"] = first
    if params.entered is not None:
        entered_first, entered_end = params.entered.bounds(dates)
        if entered_first is not None:
            out["entered_from"] = entered_first
        if entered_end is not None:
            out["entered_until"] = entered_end
    return out


def sector_in_force(version: TreatyVersion, sector_id: str) -> Sector:
    """The sector (or zone) ``sector_id`` as the treaty sets it out that day (Art. 7)."""
    for sector in version.sectors():
        if sector.id == sector_id:
            return sector
    known = ", ".join(sorted(s.id for s in version.sectors())) or "none"
    raise ClaimError(
        f"sector {sector_id!r} is not a sector of treaty {version.treaty.id} "
        f"in force on {version.as_of}",
        details=[f"sectors in force: {known}"],
    )


def sector_lineage(version: TreatyVersion, sector_id: str) -> frozenset[str]:
    """The sector and every sector enclosing it (a zone lies in its parent, Art. 3(b))."""
    parents = {s.id: s.parent for s in version.treaty.sectors}
    lineage: set[str] = set()
    current: str | None = sector_id
    while current is not None and current not in lineage:
        lineage.add(current)
        current = parents.get(current)
    return frozenset(lineage)

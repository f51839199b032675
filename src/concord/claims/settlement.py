"""Settling a whole registry on one day: every overlap resolved, every claim's standing.

Cadastre practice settles use-it-or-lose-it first: a claim that has lapsed for want of
activity reports no longer holds ground, so its overlaps are released before priority
is decided between the claims that remain. Each remaining pair is resolved by the rules
in force (:mod:`concord.claims.priority`); contested pairs are the cases to open
(Station Unity Art. 10(2)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from concord.claims.priority import (
    ClaimFacts,
    ContestedPairs,
    Precedence,
    PriorityRule,
    Resolution,
    RulesOnDay,
    lapse_date,
    rules_in_force,
)
from concord.errors import ClaimError

Standing = Literal["clear", "prevails", "yields", "contested", "lapsed"]


@dataclass(frozen=True)
class ClaimStanding:
    """Where one claim stands after every overlap has been resolved.

    ``status`` is the most serious of: lapsed, contested (some pair awaits a case),
    yields (loses some overlap), prevails (wins every overlap), clear (no overlap).
    """

    claim_id: str
    status: Standing
    lapsed_on: date | None
    prevails_over: tuple[str, ...]
    yields_to: tuple[str, ...]
    contested_with: tuple[str, ...]


@dataclass(frozen=True)
class Settlement:
    """The outcome for a whole registry on one day."""

    at: date
    standings: tuple[ClaimStanding, ...]  # sorted by claim id
    resolutions: tuple[Resolution, ...]  # one per live overlapping pair, sorted by ids
    released: tuple[tuple[str, str], ...]  # overlaps that no longer conflict (a claim lapsed)

    @property
    def contested(self) -> tuple[Resolution, ...]:
        """The pairs to open as cases."""
        return tuple(r for r in self.resolutions if r.contested)

    def standing(self, claim_id: str) -> ClaimStanding:
        for standing in self.standings:
            if standing.claim_id == claim_id:
                return standing
        raise ClaimError(f"claim {claim_id} is not part of the settlement on {self.at}")


def resolve_all(
    claims: Iterable[ClaimFacts],
    conflicts: Iterable[tuple[str, str]],
    rules: Iterable[PriorityRule],
    *,
    precedence: Precedence,
    contested: ContestedPairs,
    at: date,
) -> Settlement:
    """Resolve every overlapping pair; the result does not depend on input order.

    ``conflicts`` is any iterable of id pairs, such as ``ConflictTable.pairs()``. Claims
    that have lapsed on ``at`` are settled first: their overlaps no longer conflict. A
    rule limited to some sectors speaks only for the claims lying in them.
    """
    by_id: dict[str, ClaimFacts] = {}
    for claim in claims:
        if claim.claim_id in by_id:
            raise ClaimError(f"claim {claim.claim_id} listed twice")
        by_id[claim.claim_id] = claim
    all_rules = list(rules)
    lapse_rules = [r for r in rules_in_force(all_rules, at) if r.kind == "activity_lapse"]
    lapsed: dict[str, date] = {}
    for claim_id in sorted(by_id):
        facts = by_id[claim_id]
        dates = [d for r in lapse_rules if r.applies_to(facts) and (d := lapse_date(facts, r, at))]
        if dates:
            lapsed[claim_id] = min(dates)
    pairs = sorted({_ordered_pair(by_id, a, b) for a, b in conflicts})
    released = tuple(p for p in pairs if p[0] in lapsed or p[1] in lapsed)
    rules_on_day = RulesOnDay.of(all_rules, precedence, contested, at)
    resolutions = tuple(
        rules_on_day.resolve(by_id[a], by_id[b])
        for a, b in pairs
        if a not in lapsed and b not in lapsed
    )
    standings = tuple(_standing(i, lapsed.get(i), resolutions) for i in sorted(by_id))
    return Settlement(at, standings, resolutions, released)


def _ordered_pair(by_id: Mapping[str, ClaimFacts], a: str, b: str) -> tuple[str, str]:
    """A pair in canonical order: earlier filing first, then by id."""
    for claim_id in (a, b):
        if claim_id not in by_id:
            raise ClaimError(f"conflict names unknown claim {claim_id}")
    if a == b:
        raise ClaimError(f"claim {a} cannot conflict with itself")
    first, second = sorted((by_id[a], by_id[b]), key=lambda c: (c.filed_at, c.claim_id))
    return first.claim_id, second.claim_id


def _standing(
    claim_id: str, lapsed_on: date | None, resolutions: Sequence[Resolution]
) -> ClaimStanding:
    mine = [r for r in resolutions if claim_id in (r.claim_a, r.claim_b)]
    won = tuple(sorted(r.loser for r in mine if r.winner == claim_id and r.loser))
    lost = tuple(sorted(r.winner for r in mine if r.loser == claim_id and r.winner))
    open_with = tuple(
        sorted(r.claim_b if r.claim_a == claim_id else r.claim_a for r in mine if r.contested)
    )
    status: Standing = (
        "lapsed"
        if lapsed_on
        else "contested"
        if open_with
        else "yields"
        if lost
        else "prevails"
        if won
        else "clear"
    )
    return ClaimStanding(claim_id, status, lapsed_on, won, lost, open_with)

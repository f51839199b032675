"""Priority between overlapping claims, decided by the treaty's rules in force.

Rules-as-code, as in OpenFisca and Catala: every rule cites its provision and has an
effective date; the version in force on the day of the decision is the one applied (this
is how claims registered before ratification are grandfathered). Each rule in force gives
its finding on a pair of claims — it favours one, or it has nothing to say. Rules that
disagree are settled by the treaty's explicit precedence; two disagreeing rules with no
precedence between them leave the pair *contested*, to be opened as a case. The treaty
may declare such a pair of rules contested on purpose (Sector Seven-Beta: operational
presence against first filing); a disagreement it did not declare is still contested, and
is flagged so the drafters can see the gap.

The rule kinds follow cadastre practice: grandfathering of prior rights at a law's
commencement, first-come-first-served by filing time, priority from operational presence,
and use-it-or-lose-it activity requirements.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, get_args

import shapely
from shapely.geometry.base import BaseGeometry

from concord.claims.overlaps import MIN_OVERLAP_KM2
from concord.errors import TreatyError

RuleKind = Literal["grandfathered", "first_filed", "operational_presence", "activity_lapse"]
RULE_KINDS: frozenset[str] = frozenset(get_args(RuleKind))
REQUIRED_PARAMS: Mapping[str, tuple[str, ...]] = {
    "grandfathered": ("cutoff",),
    "activity_lapse": ("due_days",),
}
#: Dated bounds of ``grandfathered``: registration with a Party in
#: ``[registered_from, cutoff)``, and entry in the registry in
#: ``[entered_from, entered_until)`` (each bound optional but ``cutoff``).
GRANDFATHERING_DATES = ("cutoff", "registered_from", "entered_from", "entered_until")
Precedence = Collection[tuple[str, str]]  # (higher rule id, lower rule id)
ContestedPairs = Collection[frozenset[str]]


@dataclass(frozen=True)
class PriorityRule:
    """One priority rule of the treaty, in force from ``effective_from``.

    ``params``: ``cutoff`` (date; optionally ``registered_from``, ``entered_from``,
    ``entered_until``, see ``GRANDFATHERING_DATES``) for ``grandfathered``; ``due_days`` (int) and
    ``period_months`` (int dividing 12, default 3) for ``activity_lapse``;
    ``min_presence_days`` (int, default 1) for ``operational_presence``. A rule with
    ``sectors`` decides only between claims that lie in those sectors (or their zones).
    """

    id: str
    kind: RuleKind
    effective_from: date
    cites: tuple[str, ...]
    params: Mapping[str, date | int | str] = field(default_factory=dict, hash=False)
    effective_until: date | None = None  # exclusive; None while the version is current
    sectors: frozenset[str] = frozenset()  # where the rule applies; empty: every sector

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise TreatyError(f"priority rule {self.id}: unknown kind {self.kind!r}")
        if not self.cites:
            raise TreatyError(f"priority rule {self.id}: must cite the provision it applies")
        missing = [p for p in REQUIRED_PARAMS.get(self.kind, ()) if p not in self.params]
        if missing:
            raise TreatyError(f"priority rule {self.id}: missing params {', '.join(missing)}")
        if self.kind == "grandfathered":
            for name in GRANDFATHERING_DATES:
                if name in self.params and not isinstance(self.params[name], date):
                    raise TreatyError(f"priority rule {self.id}: {name} must be a date")
        if self.kind == "operational_presence":
            self.int_param("min_presence_days", 1)
        if self.kind == "activity_lapse":
            self.int_param("due_days", 0, minimum=0)
            if 12 % self.int_param("period_months", 3) != 0:
                raise TreatyError(f"priority rule {self.id}: period_months must divide 12")

    def int_param(self, name: str, default: int, *, minimum: int = 1) -> int:
        """A whole-number parameter, checked."""
        value = self.params.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise TreatyError(f"priority rule {self.id}: {name} must be a whole number ≥ {minimum}")
        return value

    def in_force(self, at: date) -> bool:
        return self.effective_from <= at and (
            self.effective_until is None or at < self.effective_until
        )

    def applies_to(self, *claims: ClaimFacts) -> bool:
        """Whether the rule covers every one of ``claims``' sectors (a zone is in its parent)."""
        return not self.sectors or all(self.sectors & c.sectors for c in claims)


@dataclass(frozen=True)
class ActivityRecord:
    """A holder's activity report for one period (dates inclusive)."""

    period_start: date
    period_end: date
    reported_on: date
    operational: bool = True
    worked_area: BaseGeometry | None = None  # None: the whole claim


@dataclass(frozen=True)
class ClaimFacts:
    """What the priority rules need to know about one claim."""

    claim_id: str
    holder: str
    filed_at: datetime
    geometry: BaseGeometry
    registered_on: date | None = None
    activity: tuple[ActivityRecord, ...] = ()
    sectors: frozenset[str] = frozenset()  # the claim's sector and every sector enclosing it
    #: Where the registry received the filing: the log index of its ``claims.filed`` entry
    #: (record time). ``filed_at`` is what the filer wrote; receipt decides first filing.
    received: int | None = None
    #: The day the Office entered the claim in the registry (its registration statement's
    #: time), for grandfathering windows such as Art. 1(2)'s.
    entered_on: date | None = None


@dataclass(frozen=True)
class RuleFinding:
    """One rule's view of a pair: the claim it favours (or None) and why."""

    rule_id: str
    cites: tuple[str, ...]
    favours: str | None
    reason: str


@dataclass(frozen=True)
class Resolution:
    """The outcome for one overlapping pair."""

    claim_a: str
    claim_b: str
    outcome: Literal["decided", "contested"]
    winner: str | None
    loser: str | None
    decided_by: tuple[str, ...]  # rule ids that agree on the winner and are not overridden
    disagreeing: tuple[str, ...]  # rule ids in unresolved disagreement (or none decided)
    undeclared_conflict: bool  # contested by rules the treaty did not declare contested
    findings: tuple[RuleFinding, ...]  # every rule in force, in precedence order

    @property
    def contested(self) -> bool:
        return self.outcome == "contested"

    @property
    def cites(self) -> tuple[str, ...]:
        """The provisions behind the outcome."""
        ids = set(self.decided_by or self.disagreeing)
        return tuple(c for f in self.findings if f.rule_id in ids for c in f.cites)


def rules_in_force(rules: Iterable[PriorityRule], at: date) -> list[PriorityRule]:
    """The version of each rule in force at ``at``; two versions at once is a treaty error."""
    chosen: dict[str, PriorityRule] = {}
    for rule in rules:
        if rule.in_force(at):
            if rule.id in chosen:
                raise TreatyError(f"priority rule {rule.id}: two versions in force on {at}")
            chosen[rule.id] = rule
    return [chosen[i] for i in sorted(chosen)]


def precedence_closure(rule_ids: Collection[str], precedence: Precedence) -> set[tuple[str, str]]:
    """Transitive closure of the precedence pairs; a cycle is a treaty error."""
    for pair in precedence:
        unknown = [r for r in pair if r not in rule_ids]
        if unknown:
            raise TreatyError(f"precedence names unknown priority rule {unknown[0]}")
    closure = set(precedence)
    while True:
        extra = {(a, d) for a, b in closure for c, d in closure if b == c} - closure
        if not extra:
            break
        closure |= extra
    cyclic = sorted(a for a, b in closure if a == b)
    if cyclic:
        raise TreatyError(f"priority precedence is circular through rule {cyclic[0]}")
    return closure


def _precedence_order(rules: Sequence[PriorityRule], closure: set[tuple[str, str]]) -> list[str]:
    """Rule ids, higher precedence first, ties by id (Kahn's algorithm with a heap)."""
    ids = {r.id for r in rules}
    above = {i: {h for h, lo in closure if lo == i and h in ids} for i in ids}
    ready = [i for i in ids if not above[i]]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        current = heapq.heappop(ready)
        order.append(current)
        for i in ids:
            if current in above[i]:
                above[i].discard(current)
                if not above[i]:
                    heapq.heappush(ready, i)
    return order


def _period_bounds(start: date, months: int) -> tuple[date, date]:
    """The calendar period of ``months`` (Jan-aligned) that begins on or after ``start``."""
    index = (start.month - 1) // months
    first = date(start.year, index * months + 1, 1)
    if first < start:
        index += 1
        year, month0 = start.year + (index * months) // 12, (index * months) % 12
        first = date(year, month0 + 1, 1)
    year, month0 = first.year + (first.month - 1 + months) // 12, (first.month - 1 + months) % 12
    return first, date(year, month0 + 1, 1) - timedelta(days=1)


def lapse_date(claim: ClaimFacts, rule: PriorityRule, at: date) -> date | None:
    """The day the claim lapsed under an ``activity_lapse`` rule, if on or before ``at``.

    Use it or lose it: every full period after registration (or after the rule took
    effect, for older claims) needs an activity report by ``due_days`` after the period
    ends. Claims still awaiting registration have no activity duty yet.
    """
    if claim.registered_on is None:
        return None
    months = rule.int_param("period_months", 3)
    due_days = rule.int_param("due_days", 0, minimum=0)
    start = max(claim.registered_on, rule.effective_from)
    while True:
        first, last = _period_bounds(start, months)
        due = last + timedelta(days=due_days)
        if due >= at:  # the report is not yet late on ``at``
            return None
        covered = any(
            r.period_start <= last and r.period_end >= first and r.reported_on <= due
            for r in claim.activity
        )
        if not covered:
            return due + timedelta(days=1)
        start = last + timedelta(days=1)


def _in(day: date | None, first: object, end: object, at: date) -> bool:
    """``day`` is known, on or before ``at``, and in ``[first, end)`` (None: unbounded)."""
    if day is None or day > at:
        return False
    if isinstance(first, date) and day < first:
        return False
    return not (isinstance(end, date) and day >= end)


def _grandfathered(rule: PriorityRule, a: ClaimFacts, b: ClaimFacts, at: date) -> RuleFinding:
    cutoff = rule.params["cutoff"]
    if not isinstance(cutoff, date):  # checked in PriorityRule.__post_init__
        raise TreatyError(f"priority rule {rule.id}: cutoff must be a date")
    p = rule.params
    windowed = "entered_from" in p or "entered_until" in p

    def prior(c: ClaimFacts) -> bool:
        registered = _in(c.registered_on, p.get("registered_from"), cutoff, at)
        if not windowed:
            return registered
        return registered and _in(c.entered_on, p.get("entered_from"), p.get("entered_until"), at)

    condition = _condition(rule)
    if prior(a) == prior(b):
        word = "both" if prior(a) else "neither"
        return _finding(rule, None, f"{word} {condition}")
    first, other = (a, b) if prior(a) else (b, a)
    entered = f", entered {first.entered_on}" if windowed else ""
    reason = (
        f"{first.claim_id} registered {first.registered_on}{entered}: {condition}; "
        f"{other.claim_id} not"
    )
    return _finding(rule, first.claim_id, reason)


def _condition(rule: PriorityRule) -> str:
    """The rule's dated condition in words, e.g. "registered before 2187-03-01"."""
    p = rule.params
    text = f"registered before {p['cutoff']}"
    if "registered_from" in p:
        text = f"registered from {p['registered_from']} and before {p['cutoff']}"
    if "entered_from" in p or "entered_until" in p:
        parts = []
        if "entered_from" in p:
            parts.append(f"from {p['entered_from']}")
        if "entered_until" in p:
            parts.append(f"before {p['entered_until']}")
        text += ", entered in the registry " + " and ".join(parts)
    return text


def _first_filed(rule: PriorityRule, a: ClaimFacts, b: ClaimFacts, at: date) -> RuleFinding:
    # Cadastre practice: first come, first served by the registry's receipt, not by a
    # time the filer writes in its own filing.
    if a.received is not None and b.received is not None:
        if a.received == b.received:
            return _finding(rule, None, f"both received at log index {a.received}")
        first, other = (a, b) if a.received < b.received else (b, a)
        reason = (
            f"{first.claim_id} received at log index {first.received}, "
            f"before {other.claim_id} (log index {other.received})"
        )
        return _finding(rule, first.claim_id, reason)
    if a.filed_at == b.filed_at:
        return _finding(rule, None, f"both filed at {a.filed_at.isoformat()}")
    first, other = (a, b) if a.filed_at < b.filed_at else (b, a)
    reason = (
        f"{first.claim_id} filed {first.filed_at.isoformat()}, "
        f"before {other.claim_id} ({other.filed_at.isoformat()})"
    )
    return _finding(rule, first.claim_id, reason)


def _presence_since(
    claim: ClaimFacts, overlap: BaseGeometry, at: date, min_days: int
) -> date | None:
    """Start of the earliest continuous operation on ``overlap`` lasting ``min_days`` by ``at``.

    Operational reports for back-to-back periods form one continuous operation; the
    treaty's minimum presence counts the days from its first period's start.
    """
    periods = sorted(
        (r.period_start, min(r.period_end, at))
        for r in claim.activity
        if r.operational
        and r.reported_on <= at
        and r.period_start <= at
        and (
            r.worked_area is None
            or shapely.area(shapely.intersection(r.worked_area, overlap)) > MIN_OVERLAP_KM2
        )
    )
    run_start: date | None = None
    run_end = date.min
    for start, end in periods:
        if run_start is None or start > run_end + timedelta(days=1):
            run_start, run_end = start, end
        run_end = max(run_end, end)
        if (run_end - run_start).days + 1 >= min_days:
            return run_start
    return None


def _operational_presence(
    rule: PriorityRule, a: ClaimFacts, b: ClaimFacts, at: date
) -> RuleFinding:
    overlap = shapely.intersection(a.geometry, b.geometry)
    min_days = rule.int_param("min_presence_days", 1)
    since = {c.claim_id: _presence_since(c, overlap, at, min_days) for c in (a, b)}
    sa, sb = since[a.claim_id], since[b.claim_id]
    if sa == sb:
        what = "no operational presence" if sa is None else f"both present since {sa}"
        return _finding(rule, None, f"{what} on the overlap")
    if sb is None or (sa is not None and sa < sb):
        present, other = a, b
    else:
        present, other = b, a
    when, other_when = since[present.claim_id], since[other.claim_id]
    tail = f"{other.claim_id} since {other_when}" if other_when else f"{other.claim_id} never"
    reason = f"{present.claim_id} operating on the overlap since {when}; {tail}"
    return _finding(rule, present.claim_id, reason)


def _activity_lapse(rule: PriorityRule, a: ClaimFacts, b: ClaimFacts, at: date) -> RuleFinding:
    lapsed = {c.claim_id: lapse_date(c, rule, at) for c in (a, b)}
    if (lapsed[a.claim_id] is None) == (lapsed[b.claim_id] is None):
        word = "neither" if lapsed[a.claim_id] is None else "both"
        return _finding(rule, None, f"{word} lapsed for want of activity reports")
    gone, kept = (a, b) if lapsed[a.claim_id] else (b, a)
    reason = f"{gone.claim_id} lapsed on {lapsed[gone.claim_id]} (no activity report)"
    return _finding(rule, kept.claim_id, reason)


def _finding(rule: PriorityRule, favours: str | None, reason: str) -> RuleFinding:
    return RuleFinding(rule.id, rule.cites, favours, reason)


_FINDERS = {
    "grandfathered": _grandfathered,
    "first_filed": _first_filed,
    "operational_presence": _operational_presence,
    "activity_lapse": _activity_lapse,
}


def resolve(
    claim_a: ClaimFacts,
    claim_b: ClaimFacts,
    rules: Iterable[PriorityRule],
    *,
    precedence: Precedence,
    contested: ContestedPairs,
    at: date,
) -> Resolution:
    """Decide priority between two overlapping claims under the rules in force at ``at``."""
    return RulesOnDay.of(rules, precedence, contested, at).resolve(claim_a, claim_b)


@dataclass(frozen=True)
class RulesOnDay:
    """The rules in force on one day, in precedence order, ready for many pairs."""

    ordered: tuple[PriorityRule, ...]
    closure: frozenset[tuple[str, str]]
    contested: ContestedPairs
    at: date

    @classmethod
    def of(
        cls,
        rules: Iterable[PriorityRule],
        precedence: Precedence,
        contested: ContestedPairs,
        at: date,
    ) -> RulesOnDay:
        all_rules = list(rules)
        closure = precedence_closure({r.id for r in all_rules}, precedence)
        in_force = {r.id: r for r in rules_in_force(all_rules, at)}
        order = _precedence_order(list(in_force.values()), closure)
        return cls(tuple(in_force[i] for i in order), frozenset(closure), contested, at)

    def resolve(self, claim_a: ClaimFacts, claim_b: ClaimFacts) -> Resolution:
        findings = tuple(
            _FINDERS[r.kind](r, claim_a, claim_b, self.at)
            for r in self.ordered
            if r.applies_to(claim_a, claim_b)
        )
        deciding = [f for f in findings if f.favours is not None]
        # A rule is overridden when a rule with precedence over it also decides.
        top = [
            f for f in deciding if not any((g.rule_id, f.rule_id) in self.closure for g in deciding)
        ]
        ids = (claim_a.claim_id, claim_b.claim_id)
        if len({f.favours for f in top}) == 1:
            winner = top[0].favours
            loser = ids[1] if winner == ids[0] else ids[0]
            decided_by = tuple(f.rule_id for f in top)
            return Resolution(*ids, "decided", winner, loser, decided_by, (), False, findings)
        disagreeing = tuple(sorted(f.rule_id for f in top))
        # No rule deciding at all is a gap in the treaty too, so it is flagged the same way.
        undeclared = not top or any(
            frozenset((f.rule_id, g.rule_id)) not in self.contested
            for f in top
            for g in top
            if f.favours != g.favours
        )
        return Resolution(*ids, "contested", None, None, (), disagreeing, undeclared, findings)

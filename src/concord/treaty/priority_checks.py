"""Checks of the claim-priority rules: references, precedence cycles, unresolved overlaps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from concord.treaty.dating import bounds, overlap
from concord.treaty.loader import Locator
from concord.treaty.models import PriorityRule, Treaty
from concord.treaty.priority import DECIDES, ActivityLapse, Grandfathered
from concord.treaty.problems import PathPart, Problem
from concord.treaty.refs import check_effective, duplicates, provision_ids, unknown_refs
from concord.treaty.requirements import ReportDue

_BASE: list[PathPart] = ["claim_priority"]


def check_priority(treaty: Treaty, locate: Locator) -> list[Problem]:
    cp = treaty.claim_priority
    rule_ids = {r.id for r in cp.rules}
    out = duplicates([r.id for r in cp.rules], [*_BASE, "rules"], locate)
    out += _check_rules(treaty, locate)
    provisions = provision_ids(treaty)
    for i, pair in enumerate(cp.precedence):
        path: list[PathPart] = [*_BASE, "precedence", i]
        out += unknown_refs([pair.higher], rule_ids, [*path, "higher"], locate, "rule")
        out += unknown_refs([pair.lower], rule_ids, [*path, "lower"], locate, "rule")
        out += unknown_refs(pair.cites, provisions, [*path, "cites"], locate, "provision")
        if pair.higher == pair.lower:
            out.append(locate(path, f'rule "{pair.higher}" cannot take precedence over itself'))
    ranked = _closure([(p.higher, p.lower) for p in cp.precedence])
    for i, contested in enumerate(cp.contested):
        path = [*_BASE, "contested", i]
        out += unknown_refs(contested.rules, rule_ids, [*path, "rules"], locate, "rule")
        out += unknown_refs(contested.cites, provisions, [*path, "cites"], locate, "provision")
        a, b = contested.rules
        if a == b:
            out.append(locate([*path, "rules"], "a rule cannot be contested with itself"))
        elif (a, b) in ranked or (b, a) in ranked:
            out.append(locate(path, f'"{a}" and "{b}" are both ranked by precedence and contested'))
    out += _check_cycles(treaty, locate)
    out += _check_overlaps(treaty, ranked, locate)
    return out


def _check_rules(treaty: Treaty, locate: Locator) -> list[Problem]:
    provisions = provision_ids(treaty)
    sectors = {s.id for s in treaty.sectors}
    requirements = {r.id: r for r in treaty.requirements}
    out = []
    for i, rule in enumerate(treaty.claim_priority.rules):
        path: list[PathPart] = [*_BASE, "rules", i]
        out += unknown_refs(rule.cites, provisions, [*path, "cites"], locate, "provision")
        out += unknown_refs(rule.sectors, sectors, [*path, "sectors"], locate, "sector")
        out += check_effective(rule, path, treaty, locate)
        if isinstance(rule, Grandfathered):
            out += _check_windows(rule, treaty, path, locate)
        if isinstance(rule, ActivityLapse) and rule.params.requirement is not None:
            target = requirements.get(rule.params.requirement)
            if not isinstance(target, ReportDue):
                out.append(
                    locate(
                        [*path, "params", "requirement"],
                        f'"{rule.params.requirement}" is not a report_due requirement',
                    )
                )
    return out


def _check_windows(
    rule: Grandfathered, treaty: Treaty, path: list[PathPart], locate: Locator
) -> list[Problem]:
    """A dated window must hold at least one day once its treaty dates are resolved."""
    windows = {"registered": rule.params.registration_window(), "entered": rule.params.entered}
    out = []
    for name, window in windows.items():
        if window is None:
            continue
        first, end = window.bounds(treaty.dates)
        if first is not None and end is not None and end <= first:
            field = name if name == "entered" or rule.params.registered else "cutoff"
            out.append(
                locate(
                    [*path, "params", field],
                    f"the {name} window is empty: it begins on {first} and its last day "
                    f"is {end - timedelta(days=1)}",
                )
            )
    return out


def _closure(edges: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Every (higher, lower) pair implied by the stated ones (precedence is transitive)."""
    graph: dict[str, set[str]] = {}
    for higher, lower in edges:
        graph.setdefault(higher, set()).add(lower)
    out: set[tuple[str, str]] = set()
    for start, lowers in graph.items():
        stack, seen = list(lowers), set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            out.add((start, node))
            stack.extend(graph.get(node, ()))
    return out


def _check_cycles(treaty: Treaty, locate: Locator) -> list[Problem]:
    """Report each precedence cycle once, at the entry that closes it."""
    pairs = treaty.claim_priority.precedence
    out = []
    reported: set[frozenset[str]] = set()
    for i, pair in enumerate(pairs):
        if pair.higher == pair.lower:
            continue
        # A cycle through this entry: a path back from `lower` to `higher` using the others.
        earlier = [(p.higher, p.lower) for j, p in enumerate(pairs) if j != i]
        path = _path(earlier, pair.lower, pair.higher)
        if path is None:
            continue
        members = frozenset(path)
        if members in reported:
            continue
        reported.add(members)
        chain = " > ".join([pair.higher, *path])
        out.append(locate([*_BASE, "precedence", i], f"precedence cycle: {chain}"))
    return out


def _path(edges: Sequence[tuple[str, str]], start: str, goal: str) -> list[str] | None:
    """A list of nodes from ``start`` to ``goal`` along ``edges``, or None."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    stack: list[list[str]] = [[start]]
    seen: set[str] = set()
    while stack:
        route = stack.pop()
        node = route[-1]
        if node == goal:
            return route
        if node in seen:
            continue
        seen.add(node)
        stack.extend([*route, nxt] for nxt in graph.get(node, ()))
    return None


def _scope(rule: PriorityRule, children: dict[str, set[str]]) -> set[str] | None:
    """The sectors a rule applies in, zones included; None means every sector."""
    if not rule.sectors:
        return None
    out: set[str] = set()
    stack = list(rule.sectors)
    while stack:
        sector = stack.pop()
        if sector not in out:
            out.add(sector)
            stack.extend(children.get(sector, ()))
    return out


def _check_overlaps(treaty: Treaty, ranked: set[tuple[str, str]], locate: Locator) -> list[Problem]:
    """Two rules able to decide the same case need a precedence, or must be contested."""
    rules = treaty.claim_priority.rules
    eif = treaty.dates.entry_into_force
    children: dict[str, set[str]] = {}
    for sector in treaty.sectors:
        if sector.parent:
            children.setdefault(sector.parent, set()).add(sector.id)
    contested = {frozenset(c.rules) for c in treaty.claim_priority.contested}
    out = []
    for j, b in enumerate(rules):
        for a in rules[:j]:
            questions = DECIDES[a.kind] & DECIDES[b.kind]
            if not questions or a.id == b.id or not overlap(a, b, eif):
                continue
            scope_a, scope_b = _scope(a, children), _scope(b, children)
            if scope_a is None:
                where = scope_b
            elif scope_b is None:
                where = scope_a
            else:
                where = scope_a & scope_b
                if not where:
                    continue
            if (a.id, b.id) in ranked or (b.id, a.id) in ranked:
                continue
            if frozenset((a.id, b.id)) in contested:
                continue
            place = "every sector" if where is None else "sector " + ", ".join(sorted(where))
            since = max(bounds(a, eif)[0], bounds(b, eif)[0])
            out.append(
                locate(
                    [*_BASE, "rules", j],
                    f'rules "{a.id}" and "{b.id}" can both decide {"/".join(sorted(questions))} '
                    f"in {place} from {since} with no precedence between them: add a "
                    "precedence entry, or list the pair under contested",
                )
            )
    return out

"""The claims registry's service API: the public registry, tenure histories, and the
settlement of overlapping claims under the treaty's rules in force on a day.

Projections reflect the whole log; a settlement ``at`` a day counts the claims filed by
then, their registrations and activity reports up to then, and the treaty as it reads
that day (rules-as-code: the version in force is chosen by date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims import store
from concord.claims.facts import claim_facts
from concord.claims.models import Claim, ClaimOverlap
from concord.claims.overlaps import detect_conflicts
from concord.claims.priority import Resolution
from concord.claims.rules import priority_rules
from concord.claims.settlement import Settlement, resolve_all
from concord.treaty.registry import treaty_in_force
from concord.treaty.versions import TreatyVersion


@dataclass(frozen=True, kw_only=True)
class RegistryEntry:
    """One claim as the public registry shows it (Art. 8(1))."""

    claim_id: str
    holder: str
    mineral: str
    sector: str
    status: str
    area_km2: float
    filed_at: datetime
    registered_at: datetime | None
    log_index: int


@dataclass(frozen=True, kw_only=True)
class HistoryLine:
    """One entry of a claim's tenure history (Art. 12: the full history of holders)."""

    seq: int
    at: datetime
    event: str
    status: str
    holder: str
    case_id: str | None
    note: str
    statement_id: str
    log_index: int


@dataclass(frozen=True, kw_only=True)
class ContestedCase:
    """A contested overlap to open as a case under Chapter VII (Art. 10(2))."""

    claim_a: str
    claim_b: str
    holders: tuple[str, str]
    area_km2: float
    rules: tuple[str, ...]  # the rules in unresolved disagreement
    cites: tuple[str, ...]  # the provisions behind them
    undeclared_conflict: bool
    open_case: str | None  # the case already opened on this pair, if any


def _entry(claim: Claim) -> RegistryEntry:
    return RegistryEntry(
        claim_id=claim.claim_id,
        holder=claim.holder,
        mineral=claim.mineral,
        sector=claim.sector,
        status=claim.status,
        area_km2=claim.area_km2,
        filed_at=store.utc(claim.filed_at),
        registered_at=store.utc(claim.registered_at) if claim.registered_at else None,
        log_index=claim.log_index,
    )


def claims_registry(session: Session) -> list[RegistryEntry]:
    """Every claim ever filed, with its tenure status, by claim id."""
    return [_entry(c) for c in session.scalars(select(Claim).order_by(Claim.claim_id))]


def claim_entry(session: Session, claim_id: str) -> RegistryEntry:
    """One claim's registry entry; an unknown id is a ClaimError."""
    return _entry(store.get_claim(session, claim_id))


def tenure_history(session: Session, claim_id: str) -> list[HistoryLine]:
    """The claim's full tenure history, oldest first."""
    store.get_claim(session, claim_id)
    return [
        HistoryLine(
            seq=row.seq,
            at=store.utc(row.at),
            event=row.event,
            status=row.status,
            holder=row.holder,
            case_id=row.case_id,
            note=row.note,
            statement_id=row.statement_id,
            log_index=row.log_index,
        )
        for row in store.events_of(session, claim_id)
    ]


@dataclass(frozen=True)
class RegistryOnDay:
    """The live claims filed by a day, with the treaty as it reads that day."""

    version: TreatyVersion
    claims: tuple[Claim, ...]
    settlement: Settlement

    def claim(self, claim_id: str) -> Claim:
        return next(c for c in self.claims if c.claim_id == claim_id)


def registry_on(session: Session, at: date, *, recorded_before: int | None = None) -> RegistryOnDay:
    """Settle the registry on ``at``: lapses first, then every live overlap by priority.

    The claims are those that held ground on ``at`` (``store.claims_on``), with only the
    history logged below ``recorded_before`` when it is given (a checkpoint's size).
    """
    version = treaty_in_force(session, at)
    claims = tuple(store.claims_on(session, at, recorded_before=recorded_before))
    # Overlaps are measured among the claims of the day: a pair released by a later
    # lapse or relinquishment still conflicted on ``at``.
    table = detect_conflicts(
        [c.claim_id for c in claims], store.shapes_of([c.geometry for c in claims])
    )
    rules = priority_rules(version)
    settlement = resolve_all(
        claim_facts(session, claims, version, at=at, recorded_before=recorded_before),
        table.pairs(),
        rules.rules,
        precedence=rules.precedence,
        contested=rules.contested,
        at=at,
    )
    return RegistryOnDay(version, claims, settlement)


def settle(session: Session, at: date) -> Settlement:
    """Priority resolution of every overlap with the treaty's rules in force at ``at``."""
    return registry_on(session, at).settlement


def contested_cases(session: Session, at: date) -> list[ContestedCase]:
    """The contested overlaps on ``at``, each with the case already opened on it, if any."""
    day = registry_on(session, at)
    areas = {(o.claim_a, o.claim_b): o.area_km2 for o in session.scalars(select(ClaimOverlap))}
    return [_case(session, day, r, areas) for r in day.settlement.contested]


def _case(
    session: Session,
    day: RegistryOnDay,
    resolution: Resolution,
    areas: dict[tuple[str, str], float],
) -> ContestedCase:
    a, b = resolution.claim_a, resolution.claim_b
    open_a = set(store.tenure_of(session, a).open_cases)
    open_b = set(store.tenure_of(session, b).open_cases)
    shared = sorted(open_a & open_b)
    return ContestedCase(
        claim_a=a,
        claim_b=b,
        holders=(day.claim(a).holder, day.claim(b).holder),
        area_km2=areas.get((min(a, b), max(a, b)), 0.0),
        rules=resolution.disagreeing,
        cites=resolution.cites,
        undeclared_conflict=resolution.undeclared_conflict,
        open_case=shared[0] if shared else None,
    )


def resolutions_by_pair(settlement: Settlement) -> dict[frozenset[str], Resolution]:
    return {frozenset((r.claim_a, r.claim_b)): r for r in settlement.resolutions}


def standing_of(settlement: Settlement, claim_ids: Sequence[str]) -> dict[str, str]:
    wanted = set(claim_ids)
    return {s.claim_id: s.status for s in settlement.standings if s.claim_id in wanted}

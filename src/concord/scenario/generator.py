"""The Station Unity scenario generator: quarters of signed evidence with known violations.

``generate(office_key, seed, quarters, size)`` returns the exact sequence of signed
statements to submit after the workspace's genesis, the CSV blobs they commit to, and
the ground truth of every injected violation. The same arguments give byte-identical
statements, blobs and truth: randomness comes from ``numpy.random.default_rng`` seeded
per stream, keys are derived from the seed (:mod:`.cast`), times from the calendar.

Rows per quarter at ``size = s`` (see ``docs/scenario.md``): 12·s sites (+1 with
violations), 24·s − 1 extraction rows (+2), 42·s docking calls, s + 1 inspections.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from concord.compliance.statistics import UncertaintyTable
from concord.errors import ConfigurationError
from concord.identity.dsse import Envelope
from concord.identity.keys import SigningKey, b64
from concord.scenario import declarations, evidence, setup
from concord.scenario.cast import Cast, build_cast
from concord.scenario.claims import SHARE_CAP_CLAIM, PlannedClaim, held_area, planned_claims
from concord.scenario.docking import docking_quarter, fleet
from concord.scenario.extraction import ExtractionModel, base_tonnes
from concord.scenario.inspections import inspection_quarter
from concord.scenario.record import PlannedStatement
from concord.scenario.sites import PlannedSite, plan_sites
from concord.scenario.treaty import station_unity_text
from concord.scenario.violations import SHARE_CAP, GroundTruth, Magnitude, Violation, plan_quarters
from concord.treaty.calendar import Period, next_period, parse_period
from concord.treaty.models import Treaty
from concord.treaty.requirements import ReportDue
from concord.treaty.service import load_treaty_text
from concord.workspace import sign_statement

MAX_QUARTERS = 400
MAX_SIZE = 1000
SHARE_CAP_LIMIT = 0.4  # R14's max_share

# Independent random streams, so that the layout of a seed (sites, typical tonnages) is
# the same with and without violations, and one part's draws never shift another's.
_SITES, _TONNES, _PLAN, _QUARTERS = range(4)


@dataclass(frozen=True, slots=True)
class GeneratedStatement:
    """A signed statement and the blobs (SHA-256 hex → bytes) that it commits to."""

    envelope: Envelope
    blobs: Mapping[str, bytes] = field(default_factory=dict, hash=False)
    statement_type: str = ""
    statement_id: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A generated scenario: the cast, the statements in ledger order, the ground truth."""

    cast: Cast
    statements: tuple[GeneratedStatement, ...]
    truth: GroundTruth
    sites: tuple[PlannedSite, ...]
    claims: tuple[PlannedClaim, ...]

    @property
    def principals(self) -> list[tuple[str, str, str | None, SigningKey]]:
        """``(principal_id, role, party, key)`` of everyone who signs, the office first."""
        return [(m.principal_id, m.role, m.party, m.key) for m in self.cast.everyone]

    @property
    def blobs(self) -> dict[str, bytes]:
        return {sha: data for s in self.statements for sha, data in s.blobs.items()}

    def write(self, directory: Path) -> None:
        """Write ``statements.jsonl``, ``blobs/<sha256>``, ``truth.json``, ``principals.json``.

        Each line of ``statements.jsonl`` is one DSSE envelope as RFC 8785 JSON, the
        bytes that become its log entry. Private keys are not written: they follow
        from the seed.
        """
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "statements.jsonl").write_bytes(
            b"".join(s.envelope.canonical_bytes() + b"\n" for s in self.statements)
        )
        blobs = directory / "blobs"
        blobs.mkdir(exist_ok=True)
        for sha, data in sorted(self.blobs.items()):
            (blobs / sha).write_bytes(data)
        (directory / "truth.json").write_bytes(self.truth.to_bytes())
        public = [
            {
                "principal_id": m.principal_id,
                "role": m.role,
                "party": m.party,
                "key_id": m.key.key_id,
                "public_key": b64(m.key.public_key),
            }
            for m in self.cast.everyone
        ]
        (directory / "principals.json").write_text(json.dumps(public, indent=2) + "\n")


@lru_cache(maxsize=1)
def _treaty() -> Treaty:
    return load_treaty_text(station_unity_text(), "station_unity.yaml")


def _rng(seed: int, stream: int, *more: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream, *more])


def _due_days(treaty: Treaty, requirement_id: str) -> int:
    for requirement in treaty.requirements:
        if requirement.id == requirement_id and isinstance(requirement, ReportDue):
            return requirement.params.due_days_after_period_end
    raise ConfigurationError(f"the treaty has no report_due requirement {requirement_id}")


def _periods(start: str, quarters: int, treaty: Treaty) -> list[Period]:
    first = parse_period(start, "quarterly")
    if first.start < treaty.dates.entry_into_force:
        raise ConfigurationError(
            f"start period {start} begins before the treaty enters into force "
            f"({treaty.dates.entry_into_force})",
            details=[f"the first reporting period is {treaty.calendar.first_period}"],
        )
    periods = [first]
    while len(periods) < quarters:
        periods.append(next_period(periods[-1]))
    return periods


def _check_arguments(seed: int, quarters: int, size: int) -> None:
    if seed < 0:
        raise ConfigurationError(f"seed must be 0 or more, got {seed}")
    if not 1 <= quarters <= MAX_QUARTERS:
        raise ConfigurationError(f"quarters must be from 1 to {MAX_QUARTERS}, got {quarters}")
    if not 1 <= size <= MAX_SIZE:
        raise ConfigurationError(f"size must be from 1 to {MAX_SIZE}, got {size}")


def generate(
    office_key: SigningKey,
    seed: int,
    quarters: int = 4,
    size: int = 1,
    start_period: str = "2187-Q2",
    violations: bool = True,
) -> Scenario:
    """Generate the scenario; ``office_key`` is the workspace's office key (its genesis)."""
    _check_arguments(seed, quarters, size)
    treaty = _treaty()
    periods = _periods(start_period, quarters, treaty)
    cast = build_cast(office_key, seed)
    claims = planned_claims(violations=violations)
    sites = plan_sites(claims, size, _rng(seed, _SITES), violations=violations)
    plans = plan_quarters(
        [p.id for p in periods],
        sites,
        [p for p in cast.party_ids if cast.kind_of(p) == "signatory"],
        [p for p in cast.party_ids if cast.kind_of(p) == "third_party"],
        size,
        _rng(seed, _PLAN),
        violations=violations,
    )
    planned: list[PlannedStatement] = [
        *setup.principals(cast),
        setup.treaty_registration(cast),
        *setup.claims(claims, cast, treaty),
        *setup.sites(sites, cast, treaty),
    ]
    truth: list[Violation] = []
    if violations:
        truth.append(_share_cap_truth(claims, treaty))
    model = ExtractionModel(
        sites, base_tonnes(sites, _rng(seed, _TONNES)), UncertaintyTable.default()
    )
    vessels = fleet(cast.party_ids, size)
    schedule = next(s for s in treaty.fee_schedules if s.id == "docking")
    extraction_due, activity_due = _due_days(treaty, "R1"), _due_days(treaty, "R4")
    for index, (period, plan) in enumerate(zip(periods, plans, strict=True)):
        rng = _rng(seed, _QUARTERS, index)
        quarter = model.quarter(plan, rng)
        filed, late_truth = declarations.extraction_declarations(
            period, quarter.rows, plan, cast, extraction_due, rng
        )
        calls = docking_quarter(period, vessels, schedule, rng, violations=violations)
        visits = inspection_quarter(
            period,
            sites,
            [m.principal_id for m in cast.inspectors],
            size,
            rng,
            violations=violations,
        )
        planned += [
            *filed,
            *declarations.activity_reports(period, claims, cast, activity_due, rng),
            *declarations.compliance_reports(period, cast, _due_days(treaty, "R5"), rng),
            *evidence.measurements(period, quarter.rows, cast, rng),
            *evidence.docking(period, calls, cast, schedule.currency, rng),
            *evidence.inspections(visits, cast),
        ]
        truth += [*quarter.truth, *late_truth, *calls.truth, *visits.truth]
    return Scenario(
        cast=cast,
        statements=tuple(_sign_in_order(planned)),
        truth=GroundTruth(seed, quarters, size, tuple(p.id for p in periods), tuple(truth)),
        sites=sites,
        claims=claims,
    )


def _share_cap_truth(claims: tuple[PlannedClaim, ...], treaty: Treaty) -> Violation:
    claim = SHARE_CAP_CLAIM
    sector = next(s for s in treaty.sectors if s.id == claim.sector)
    xs, ys = [p[0] for p in sector.boundary], [p[1] for p in sector.boundary]
    sector_area = (max(xs) - min(xs)) * (max(ys) - min(ys))  # Annex I sectors are rectangles
    held = held_area(claims, claim.holder, claim.sector)
    magnitude: Magnitude = {
        "share": round(held / sector_area, 4),
        "cap": SHARE_CAP_LIMIT,
        "held_km2": held,
        "sector_km2": sector_area,
        "claim_id": claim.claim_id,
    }
    return Violation(SHARE_CAP, "R14", claim.holder, claim.sector, None, magnitude)


def _sign_in_order(planned: list[PlannedStatement]) -> Iterator[GeneratedStatement]:
    """Sign every statement in the order of its time (ties keep the order of planning)."""
    order = sorted(range(len(planned)), key=lambda i: (planned[i].issued_at, i))
    for index in order:
        item = planned[index]
        envelope = sign_statement(
            item.signer,
            item.statement_type,
            item.body,
            issued_at=item.issued_at,
            statement_id=item.statement_id,
        )
        yield GeneratedStatement(envelope, dict(item.blobs), item.statement_type, item.statement_id)

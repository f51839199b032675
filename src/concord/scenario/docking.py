"""Docking calls at Station Unity, the fees charged for them, and the office's decisions.

Every party keeps ``3 × size`` vessels, one of each class per unit of size, and every
vessel calls twice a quarter: once at a standard berth in the first half of the quarter,
once at a priority berth in the second half. So each quarter every party has a call of
every class at every berth, and a difference in fees for the same class and berth
(Article 30, R13) always has a comparison. Stays are whole days from 06:00 to 06:00 UTC
and never cross a quarter's end, so the schedule version in force (Annex II changes on
quarter days) and the number of days are never in doubt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np

from concord.errors import TreatyError
from concord.scenario.violations import (
    DISCRIMINATED_PARTY,
    DISCRIMINATION_SURCHARGE,
    DISCRIMINATORY_FEE,
    DOCKING_REFUSED,
    FEE_OFF_SCHEDULE,
    OFF_SCHEDULE_FACTOR,
    Violation,
)
from concord.treaty.calendar import Period
from concord.treaty.fees import FeeSchedule, FeeScheduleVersion

VESSEL_CLASSES = ("light", "medium", "heavy")
BERTHS = ("standard", "priority")
ARRIVAL_TIME = time(6, 0)
MAX_STAY_DAYS = 4
#: (code, free text) of a lawful refusal, for safety (Art. 28), and of one that is not.
SAFETY = ("vessel_unsafe", "hull pressure check failed before docking")
UNSAFE_REASON = ("no_berth_free", "berth held for a priority operator")


@dataclass(frozen=True, slots=True)
class Vessel:
    vessel_id: str
    party: str
    vessel_class: str


@dataclass(frozen=True, slots=True)
class DockingCall:
    request_id: str
    requested_at: datetime
    vessel: Vessel
    berth: str
    arrived_at: datetime
    days: int
    fee_charged: Decimal
    schedule_fee: Decimal

    @property
    def departed_at(self) -> datetime:
        return self.arrived_at + timedelta(days=self.days)


@dataclass(frozen=True, slots=True)
class DockingRefusal:
    request_id: str
    requested_at: datetime
    vessel: Vessel
    reason_code: str
    reason: str


@dataclass(frozen=True, slots=True)
class DockingQuarter:
    calls: tuple[DockingCall, ...]
    refusals: tuple[DockingRefusal, ...]
    truth: tuple[Violation, ...]


def fleet(parties: Sequence[str], size: int) -> tuple[Vessel, ...]:
    """``3 × size`` vessels per party, classes in turn."""
    return tuple(
        Vessel(f"{party}-{cls}-{unit + 1:02d}", party, cls)
        for party in parties
        for unit in range(size)
        for cls in VESSEL_CLASSES
    )


def version_on(schedule: FeeSchedule, day: date) -> FeeScheduleVersion:
    """The schedule version in force on ``day`` (the latest that took effect by then)."""
    in_force = [v for v in schedule.versions if v.effective_from <= day]
    return max(in_force, key=lambda v: v.effective_from)


def _daily_rate(version: FeeScheduleVersion, vessel_class: str, berth: str) -> Decimal:
    rate = version.rate(vessel_class, berth)
    if rate is None or rate.per != "day":
        # The generator prices stays by the day; Annex II does so for every class and berth.
        raise TreatyError(f"the docking schedule has no daily rate for {vessel_class}/{berth}")
    return rate.amount


def _superseded_rate(
    schedule: FeeSchedule, day: date, vessel_class: str, berth: str
) -> Decimal | None:
    """The rate of the version before the one in force on ``day``, if it differs."""
    current = version_on(schedule, day)
    earlier = [v for v in schedule.versions if v.effective_from < current.effective_from]
    if not earlier:
        return None
    old = _daily_rate(max(earlier, key=lambda v: v.effective_from), vessel_class, berth)
    return old if old != _daily_rate(current, vessel_class, berth) else None


def _arrival(first: date, last: date, days: int, rng: np.random.Generator) -> datetime:
    span = (last - first).days - days  # departure no later than ``last`` at 06:00
    day = first + timedelta(days=int(rng.integers(0, span + 1)))
    return datetime.combine(day, ARRIVAL_TIME, tzinfo=UTC)


def docking_quarter(
    period: Period,
    vessels: Sequence[Vessel],
    schedule: FeeSchedule,
    rng: np.random.Generator,
    *,
    violations: bool,
) -> DockingQuarter:
    """One quarter of calls (fees on schedule unless injected) and refusals."""
    middle = period.start + timedelta(days=(period.end - period.start).days // 2)
    halves = ((period.start, middle), (middle + timedelta(days=1), period.end))
    calls: list[DockingCall] = []
    for vessel in vessels:
        for berth, (first, last) in zip(BERTHS, halves, strict=True):
            days = int(rng.integers(1, MAX_STAY_DAYS + 1))
            arrived = _arrival(first, last, days, rng)
            rate = _daily_rate(version_on(schedule, arrived.date()), vessel.vessel_class, berth)
            requested = arrived - timedelta(days=2, hours=int(rng.integers(0, 12)))
            fee = rate * days
            calls.append(DockingCall("", requested, vessel, berth, arrived, days, fee, fee))
    calls.sort(key=lambda c: (c.arrived_at, c.vessel.vessel_id))
    tag = period.id.replace("-", "")
    calls = [_with_id(c, f"DK-{tag}-{i + 1:04d}") for i, c in enumerate(calls)]
    truth: list[Violation] = []
    if violations:
        calls, truth = _inject_fees(calls, schedule, period, rng)
    refusals = _refusals(period, vessels, tag, len(calls), rng, violations=violations)
    truth.extend(
        Violation(
            DOCKING_REFUSED,
            "R17",
            r.vessel.party,
            r.request_id,
            period.id,
            {"reason_code": r.reason_code, "reason": r.reason},
        )
        for r in refusals
        if (r.reason_code, r.reason) != SAFETY
    )
    return DockingQuarter(tuple(calls), refusals, tuple(truth))


def _with_id(call: DockingCall, request_id: str) -> DockingCall:
    return DockingCall(
        request_id,
        call.requested_at,
        call.vessel,
        call.berth,
        call.arrived_at,
        call.days,
        call.fee_charged,
        call.schedule_fee,
    )


def _charged(call: DockingCall, fee: Decimal) -> DockingCall:
    return DockingCall(
        call.request_id,
        call.requested_at,
        call.vessel,
        call.berth,
        call.arrived_at,
        call.days,
        fee,
        call.schedule_fee,
    )


def _inject_fees(
    calls: list[DockingCall], schedule: FeeSchedule, period: Period, rng: np.random.Generator
) -> tuple[list[DockingCall], list[Violation]]:
    surcharge = Decimal(str(1 + DISCRIMINATION_SURCHARGE))
    out = []
    extra = Decimal(0)
    for call in calls:
        if call.vessel.party != DISCRIMINATED_PARTY:
            out.append(call)
            continue
        daily = (call.schedule_fee / call.days * surcharge).quantize(Decimal(1))
        extra += daily * call.days - call.schedule_fee
        out.append(_charged(call, daily * call.days))
    truth = [
        Violation(
            DISCRIMINATORY_FEE,
            "R13",
            DISCRIMINATED_PARTY,
            DISCRIMINATED_PARTY,
            period.id,
            {
                "surcharge_percent": round(DISCRIMINATION_SURCHARGE * 100, 1),
                "calls": sum(c.vessel.party == DISCRIMINATED_PARTY for c in out),
                "overcharged": float(extra),
                "currency": schedule.currency,
            },
            ("R12",),
        )
    ]
    others = [i for i, c in enumerate(out) if c.vessel.party != DISCRIMINATED_PARTY]
    # Prefer the realistic slip — the superseded rate still charged after a revision
    # (Annex II's heavy standard berth, 900 → 780 UCR) — and surcharge a call otherwise.
    stale = [
        i
        for i in others
        if _superseded_rate(
            schedule, out[i].arrived_at.date(), out[i].vessel.vessel_class, out[i].berth
        )
    ]
    pool = stale or others
    index = pool[int(rng.integers(len(pool)))]
    call = out[index]
    old = _superseded_rate(schedule, call.arrived_at.date(), call.vessel.vessel_class, call.berth)
    if old is not None:
        fee, basis = old * call.days, "superseded rate"
    else:
        fee = (call.schedule_fee * Decimal(str(OFF_SCHEDULE_FACTOR))).quantize(Decimal(1))
        basis = f"{round((OFF_SCHEDULE_FACTOR - 1) * 100)} % surcharge"
    out[index] = _charged(call, fee)
    truth.append(
        Violation(
            FEE_OFF_SCHEDULE,
            "R12",
            call.vessel.party,
            call.vessel.vessel_id,
            period.id,
            {
                "request_id": call.request_id,
                "arrived_at": call.arrived_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "charged": float(fee),
                "schedule": float(call.schedule_fee),
                "basis": basis,
            },
            # The party now pays more than another for the same class and berth.
            ("R13",),
        )
    )
    return out, truth


def _refusals(
    period: Period,
    vessels: Sequence[Vessel],
    tag: str,
    numbered: int,
    rng: np.random.Generator,
    *,
    violations: bool,
) -> tuple[DockingRefusal, ...]:
    """One refusal for safety a quarter (lawful); with violations, one more without."""
    reasons = [SAFETY, UNSAFE_REASON] if violations else [SAFETY]
    out = []
    for offset, (code, text) in enumerate(reasons, start=1):
        vessel = vessels[int(rng.integers(len(vessels)))]
        day = period.start + timedelta(days=int(rng.integers(5, 80)))
        requested = datetime.combine(day, time(int(rng.integers(0, 24)), 0), tzinfo=UTC)
        request_id = f"DK-{tag}-{numbered + offset:04d}"
        out.append(DockingRefusal(request_id, requested, vessel, code, text))
    return tuple(out)

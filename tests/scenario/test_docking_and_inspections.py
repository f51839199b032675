from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from tests.scenario.reading import csv_rows, of_type

from concord.scenario.generator import Scenario
from concord.scenario.treaty import station_unity_text
from concord.treaty.service import load_treaty_text

SCHEDULE = next(
    s for s in load_treaty_text(station_unity_text()).fee_schedules if s.id == "docking"
)


def _rate(vessel_class: str, berth: str, day: date) -> Decimal:
    version = max(
        (v for v in SCHEDULE.versions if v.effective_from <= day), key=lambda v: v.effective_from
    )
    rate = version.rate(vessel_class, berth)
    assert rate is not None
    return rate.amount


def _calls(scenario: Scenario) -> list[dict[str, str]]:
    out = []
    for body in (p["body"] for p in of_type(scenario, "evidence.declaration_filed")):
        if body["declaration_type"] == "docking_fees":
            out += [
                row | {"period": body["period"]}
                for row in csv_rows(scenario, body["table"]["sha256"])[1]
            ]
    return out


def _off_schedule(row: dict[str, str]) -> bool:
    arrived = datetime.fromisoformat(row["arrived_at"])
    days = (datetime.fromisoformat(row["departed_at"]) - arrived).days
    return (
        Decimal(row["fee_charged"])
        != _rate(row["vessel_class"], row["berth"], arrived.date()) * days
    )


def test_clean_fees_are_exactly_the_schedule(clean: Scenario) -> None:
    calls = _calls(clean)
    assert len(calls) == 4 * 42
    assert not any(_off_schedule(row) for row in calls)


def test_injected_fees_are_the_only_ones_off_schedule(dirty: Scenario) -> None:
    off = {(r["period"], r["vessel"], r["arrived_at"]) for r in _calls(dirty) if _off_schedule(r)}
    discriminated = {v.party for v in dirty.truth.of_kind("discriminatory_fee")}
    expected = {
        (v.period, v.subject, v.magnitude["arrived_at"])
        for v in dirty.truth.of_kind("fee_off_schedule")
    }
    expected |= {
        (r["period"], r["vessel"], r["arrived_at"])
        for r in _calls(dirty)
        if r["party"] in discriminated
    }
    assert off == expected


def test_every_party_has_every_class_and_berth_each_quarter(dirty: Scenario) -> None:
    seen: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for row in _calls(dirty):
        seen[row["period"]].add((row["party"], row["vessel_class"], row["berth"]))
    assert all(len(combos) == 7 * 3 * 2 for combos in seen.values())


def test_access_and_refusals_are_clean_unless_injected(clean: Scenario, dirty: Scenario) -> None:
    for scenario in (clean, dirty):
        requested = {
            p["body"]["request_id"]: p["body"]["requested_at"]
            for p in of_type(scenario, "evidence.inspection_requested")
        }
        late = {
            p["body"]["request_id"]
            for p in of_type(scenario, "evidence.inspection_granted")
            if (
                datetime.fromisoformat(p["body"]["granted_at"])
                - datetime.fromisoformat(requested[p["body"]["request_id"]])
            ).total_seconds()
            > 72 * 3600
        }
        unsafe = {
            p["body"]["request_id"]
            for p in of_type(scenario, "evidence.docking_decided")
            if p["body"]["decision"] == "refused" and p["body"]["reason_code"] != "vessel_unsafe"
        }
        assert late == {v.subject for v in scenario.truth.of_kind("inspection_access_late")}
        assert unsafe == {
            v.subject for v in scenario.truth.of_kind("docking_refused_without_safety_reason")
        }

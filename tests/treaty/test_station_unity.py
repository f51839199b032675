"""The Treaty of Station Unity: the counts the scenario fixes, and that it checks clean."""

from __future__ import annotations

import base64
import json

from concord.config import MAX_ENTRY_BYTES
from concord.scenario.treaty import station_unity_cases_dir, station_unity_path
from concord.treaty.models import Treaty
from concord.treaty.requirements import REQUIREMENT_KINDS
from concord.treaty.service import check_treaty_file, registration_payload


def test_the_treaty_file_checks_clean() -> None:
    assert check_treaty_file(station_unity_path()) == []


def test_sixty_three_provisions_and_seventeen_requirements(station: Treaty) -> None:
    assert len(station.provisions) == 63
    assert len(station.requirements) == 17
    assert [p.article for p in station.provisions] == list(range(1, 64))


def test_provision_one_keeps_the_words_of_the_treaty(station: Treaty) -> None:
    p1 = station.provisions[0]
    assert p1.id == "P1"
    assert p1.article == 1
    assert (
        "Parties agree to respect established mining claims registered before treaty "
        "ratification." in p1.text
    )


def test_parties_are_the_scenarios_cast(station: Treaty) -> None:
    kinds = {p.name: p.kind for p in station.parties}
    assert kinds == {
        "Pacific Alliance": "signatory",
        "European Federation": "signatory",
        "Mars Independents": "signatory",
        "Helios Mining Consortium": "third_party",
        "Mars Collective": "third_party",
        "Titan Resources": "third_party",
        "Belt Mining Federation": "third_party",
        "Station Unity Peace Monitoring Office": "office",
    }


def test_every_requirement_kind_is_used_and_every_requirement_cites(station: Treaty) -> None:
    assert {r.kind for r in station.requirements} == set(REQUIREMENT_KINDS)
    assert all(r.cites for r in station.requirements)


def test_seven_beta_is_partitioned_and_its_priority_is_contested(station: Treaty) -> None:
    zones = {s.id: s for s in station.sectors if s.parent == "seven-beta"}
    assert set(zones) == {"seven-beta-north", "seven-beta-south", "seven-beta-common"}
    assert zones["seven-beta-north"].allocated_to == ["PA"]
    assert zones["seven-beta-south"].allocated_to == ["EF"]
    contested = [set(c.rules) for c in station.claim_priority.contested]
    assert contested == [{"operational-presence", "first-filed"}]


def test_reconciliation_parameters_follow_article_24(station: Treaty) -> None:
    r7 = next(r for r in station.requirements if r.id == "R7")
    assert r7.kind == "reconciliation"
    assert r7.params.k_sigma == 3
    assert (r7.params.materiality.percent, r7.params.materiality.absolute_floor) == (2, 50)


def test_registration_fits_in_one_log_entry(station_text: str) -> None:
    payload = registration_payload(station_text, "station_unity.yaml")
    body = json.dumps(payload.model_dump(mode="json")).encode()
    # A DSSE envelope carries the payload base64-encoded, with a signature beside it.
    assert len(base64.b64encode(body)) + 1024 < MAX_ENTRY_BYTES


def test_the_treaty_ships_at_least_three_test_cases() -> None:
    assert len(list(station_unity_cases_dir().glob("*.yaml"))) >= 3

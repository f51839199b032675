"""Docking refusals give a coded reason from the treaty's closed list; R17 reads whether a
refusal was for safety from the code, never from the words of the free text beside it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from concord.errors import ConcordError, EvidenceError
from concord.evidence.schemas import DOCKING_DECIDED, DockingDecided
from concord.ledger.audit import rebuild

from .station import Station, make_station

REQUESTED = datetime(2187, 5, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def station(tmp_path: Path, database_url: str) -> Iterator[Station]:
    made = make_station(tmp_path, database_url)
    yield made
    made.ws.close()


def _decide(station: Station, request_id: str, **body: object) -> None:
    decision = DockingDecided.model_validate(
        {"request_id": request_id, "party": "PA", "vessel": "PA-V1", "requested_at": REQUESTED}
        | body
    )
    station.ws.submit_as(
        station.ws.office_key,
        DOCKING_DECIDED,
        decision,
        issued_at=datetime(2187, 5, 3, 12, tzinfo=UTC),
    )


def test_an_unknown_code_is_refused_naming_the_field_and_the_treatys_codes(
    station: Station,
) -> None:
    size = station.ws.ledger.size()
    with pytest.raises(EvidenceError) as caught:
        _decide(station, "DK-9", decision="refused", reason_code="weather")
    message = caught.value.message
    assert message.startswith("reason_code: 'weather' is not a docking refusal reason")
    assert "vessel_unsafe" in message
    assert "no_berth_free" in message
    assert station.ws.ledger.size() == size


def test_a_granted_request_carries_no_refusal_code() -> None:
    with pytest.raises(ValueError, match="reason_code: a granted request"):
        DockingDecided.model_validate(
            {
                "request_id": "DK-1",
                "party": "PA",
                "vessel": "PA-V1",
                "requested_at": REQUESTED,
                "decision": "granted",
                "reason_code": "vessel_unsafe",
            }
        )


def test_a_refusal_without_a_code_is_recorded_as_made(station: Station) -> None:
    # Article 28 allows refusals only for stated reasons of safety: a refusal without a
    # coded reason is a fact to record (and a finding to make), not one to turn away.
    _decide(station, "DK-7", decision="refused", reason="no reason given")
    _decide(station, "DK-8", decision="refused", reason_code="vessel_unsafe")
    report = rebuild(station.ws.ledger, station.ws.ledger.registry)  # replays the checks
    assert report.differences == []


def test_the_treaty_refuses_a_repeated_code() -> None:
    from concord.scenario.treaty import station_unity_text
    from concord.treaty.service import load_treaty_text

    text = station_unity_text().replace("  - {code: no_berth_free,", "  - {code: vessel_unsafe,", 1)
    with pytest.raises(ConcordError) as caught:
        load_treaty_text(text, "bad.yaml")
    assert any(
        d.startswith('docking_refusal_reasons[3].code: duplicate code "vessel_unsafe"')
        for d in caught.value.details
    ), caught.value.details

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from tests.claims.factories import polygon_json, square

from concord.claims.schemas import (
    STATEMENT_MODELS,
    ActivityReported,
    ClaimFiled,
    ClaimRegistered,
    ClaimTransferred,
)
from concord.claims.tenure import Filed, Transferred
from concord.errors import ClaimError


def filing(**changes: Any) -> dict[str, Any]:
    return {
        "claim_id": "EF-7B-01",
        "holder": "European Federation",
        "mineral": "helium-3",
        "sector": "Seven-Beta",
        "geometry": polygon_json(square(0, 0, 10)),
        "filed_at": "2031-01-10T09:00:00Z",
        **changes,
    }


def test_claim_filed_gives_a_shape_and_a_tenure_event() -> None:
    filed = ClaimFiled.model_validate(filing())
    assert filed.geometry.shape().area == pytest.approx(100.0)
    event = filed.tenure_event()
    assert isinstance(event, Filed)
    assert event.holder == "European Federation"


@pytest.mark.parametrize("crs", ["EPSG:4326", "urn:ogc:def:crs:OGC::CRS84", None])
def test_other_coordinate_systems_are_rejected(crs: str | None) -> None:
    with pytest.raises(ValidationError, match="crs"):
        ClaimFiled.model_validate(filing(geometry=polygon_json(square(0, 0), crs=crs)))


def test_geometry_structure_errors_are_claim_errors() -> None:
    with pytest.raises(ClaimError, match="not closed"):
        ClaimFiled.model_validate(filing(geometry=polygon_json([[0, 0], [1, 0], [1, 1], [0, 1]])))


@pytest.mark.parametrize(
    "changes",
    [
        {"filed_at": "2031-01-10T09:00:00"},  # no time zone
        {"extra": 1},
        {"claim_id": "has space"},
        {"geometry": {**polygon_json(square(0, 0)), "type": "Point"}},
    ],
)
def test_malformed_filings_are_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ClaimFiled.model_validate(filing(**changes))


def test_activity_report_periods_are_calendar_quarters() -> None:
    report = ActivityReported.model_validate(
        {
            "claim_id": "PA-7B-03",
            "holder": "Pacific Alliance",
            "period": "2031-Q4",
            "operational": True,
            "summary": "Extraction at shafts 2 and 3.",
            "worked_area": polygon_json(square(40, 0, 10)),
            "reported_at": "2032-01-12T10:00:00Z",
        }
    )
    record = report.activity_record()
    assert (record.period_start, record.period_end) == (date(2031, 10, 1), date(2031, 12, 31))
    assert record.reported_on == date(2032, 1, 12)
    assert record.worked_area is not None
    assert report.model_copy(update={"period": "2031-Q1"}).period_end == date(2031, 3, 31)


def test_transfer_and_registration_payloads() -> None:
    transfer = ClaimTransferred.model_validate(
        {
            "claim_id": "PA-7B-03",
            "from_holder": "Pacific Alliance",
            "to_holder": "Helios Mining Consortium",
            "transferred_at": "2031-05-01T00:00:00Z",
        }
    )
    assert isinstance(transfer.tenure_event(), Transferred)
    with pytest.raises(ValidationError):
        ClaimRegistered.model_validate(
            {"claim_id": "X", "registered_at": "2031-05-01T00:00:00Z", "cites": []}
        )


def test_every_statement_type_is_listed() -> None:
    assert sorted(STATEMENT_MODELS) == [
        "claims.activity_reported",
        "claims.amended",
        "claims.contested",
        "claims.filed",
        "claims.lapsed",
        "claims.registered",
        "claims.relinquished",
        "claims.ruled",
        "claims.transferred",
    ]

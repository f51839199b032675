"""Parsing evidence tables: every bad row reported with its reason; units to tonnes."""

from __future__ import annotations

import pytest

from concord.errors import EvidenceError
from concord.evidence.tables import TableContext, parse_table

from .station import DOCKING, EXTRACTION, MEASUREMENT, csv_bytes

CONTEXT = TableContext(sites={"S1", "S2"}, parties={"PA", "EF"}, methods={"weighing", "xrf"})


def test_masses_are_converted_to_tonnes() -> None:
    table = parse_table(
        "extraction", csv_bytes(EXTRACTION, "S1,ore,2.5,kt,10", "S2,ore,500,kg,0"), CONTEXT
    )
    assert [(r["quantity"], r["uncertainty"], r["unit"]) for r in table.rows] == [
        ("2500.0", "10000.0", "t"),
        ("0.5", "0.0", "t"),
    ]


def test_every_bad_row_is_reported_with_its_reason() -> None:
    data = csv_bytes(
        MEASUREMENT,
        "PA,S1,ore,100,t,weighing",  # row 2: fine
        "PA,S1,ore,100,t,weighing",  # row 3: duplicate of row 2
        "XX,S1,gold,5,t,xrf",  # row 4: unknown party
        "PA,S9,ore,5,t,xrf",  # row 5: unknown site
        "EF,S2,ore,-3,t,xrf",  # row 6: negative tonnage
        "EF,S2,ice,7,lbs,xrf",  # row 7: wrong unit
        "EF,S1,ore,7,t,dowsing",  # row 8: unknown method
    )
    with pytest.raises(EvidenceError) as caught:
        parse_table("extraction_measurement", data, CONTEXT)
    details = caught.value.details
    assert "row 3: duplicate of row 2 (PA, S1, ore)" in details
    assert 'row 4: party "XX" is not registered' in details
    assert 'row 5: site "S9" is not registered' in details
    assert "row 6: quantity -3 is negative (a tonnage cannot be negative)" in details
    assert 'row 7: unit "lbs" is not one of t, kg, kt' in details
    assert 'row 8: method "dowsing" is not one of weighing, xrf' in details
    assert len(details) == 6
    assert "nothing was stored" in caught.value.message


def test_bad_timestamps_and_header_are_reported() -> None:
    data = csv_bytes(
        DOCKING,
        "V1,PA,heavy,standard,2187-10-05T08:00:00Z,2187-10-04T08:00:00Z,10,UCR",
        "V2,PA,heavy,standard,yesterday,2187-10-04T08:00:00+02:00,10,ucr",
    )
    with pytest.raises(EvidenceError) as caught:
        parse_table("docking_fees", data, CONTEXT)
    assert caught.value.details == [
        "row 2: departed_at is before arrived_at",
        'row 3: arrived_at "yesterday" is not an ISO 8601 UTC timestamp',
        'row 3: departed_at "2187-10-04T08:00:00+02:00" is not an ISO 8601 UTC timestamp',
        'row 3: currency "ucr" is not a three-letter code',
    ]
    with pytest.raises(EvidenceError, match="wrong header"):
        parse_table("extraction", csv_bytes("site,quantity"), CONTEXT)

from __future__ import annotations

import hashlib
from datetime import datetime

from tests.scenario.reading import csv_rows, of_type

from concord.compliance.statistics import UncertaintyTable
from concord.evidence.schemas import MASS_UNITS, TABLE_COLUMNS
from concord.scenario.generator import Scenario

TABLE_OF = {
    "extraction": "extraction",
    "docking_fees": "docking_fees",
    "activity_report": "activity_report",
}


def _tables(scenario: Scenario) -> list[tuple[str, dict[str, object]]]:
    out = []
    for body in (p["body"] for p in of_type(scenario, "evidence.declaration_filed")):
        if body["table"] is not None:
            out.append((TABLE_OF[body["declaration_type"]], body["table"]))
    for body in (p["body"] for p in of_type(scenario, "evidence.measurement_filed")):
        out.append(("extraction_measurement", body["table"]))
    return out


def test_every_table_has_the_contract_header_and_its_reference_is_exact(dirty: Scenario) -> None:
    tables = _tables(dirty)
    assert {name for name, _ in tables} == set(TABLE_COLUMNS)
    for name, ref in tables:
        data = dirty.blobs[str(ref["sha256"])]
        assert hashlib.sha256(data).hexdigest() == ref["sha256"]
        assert ref["bytes"] == len(data)
        header, rows = csv_rows(dirty, str(ref["sha256"]))
        assert tuple(header) == TABLE_COLUMNS[name]
        assert ref["rows"] == len(rows) > 0


def test_units_and_methods_are_those_of_the_contract(dirty: Scenario) -> None:
    methods = {m.method for m in UncertaintyTable.default().methods}
    units = set()
    for name, ref in _tables(dirty):
        for row in csv_rows(dirty, str(ref["sha256"]))[1]:
            if name in {"extraction", "extraction_measurement"}:
                assert row["unit"] in MASS_UNITS
                assert float(row["quantity"]) > 0
                units.add(row["unit"])
            if name == "extraction":
                assert 0 < float(row["uncertainty"]) < float(row["quantity"])
            if name == "extraction_measurement":
                assert row["method"] in methods
            if name == "docking_fees":
                arrived = datetime.fromisoformat(row["arrived_at"])
                departed = datetime.fromisoformat(row["departed_at"])
                assert row["arrived_at"].endswith("Z")
                assert departed > arrived
                assert row["currency"] == "UCR"
    assert units == set(MASS_UNITS)  # t, kg and kt all occur

"""Reading a generated scenario back, as an evaluator would: payloads, tables, tonnes."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from concord.evidence.schemas import MASS_UNITS
from concord.identity.keys import SigningKey
from concord.scenario.generator import GeneratedStatement, Scenario

OFFICE_KEY = SigningKey("office", bytes(range(32)))


def payload(statement: GeneratedStatement) -> dict[str, Any]:
    data = json.loads(statement.envelope.payload)
    assert isinstance(data, dict)
    return data


def of_type(scenario: Scenario, statement_type: str) -> list[dict[str, Any]]:
    return [payload(s) for s in scenario.statements if s.statement_type == statement_type]


def csv_rows(scenario: Scenario, sha256: str) -> tuple[list[str], list[dict[str, str]]]:
    text = scenario.blobs[sha256].decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def tonnes(quantity: str, unit: str) -> float:
    return float(quantity) * MASS_UNITS[unit]


@dataclass(frozen=True)
class Pair:
    """One declared row matched with its measurement."""

    period: str
    party: str
    site: str
    mineral: str
    declared: float
    declared_sigma: float
    measured: float
    method: str


def pairs(scenario: Scenario) -> list[Pair]:
    """Every declared row with its measurement (rows of missing declarations drop out)."""
    measured: dict[tuple[str, str, str], tuple[float, str]] = {}
    for body in (p["body"] for p in of_type(scenario, "evidence.measurement_filed")):
        for row in csv_rows(scenario, body["table"]["sha256"])[1]:
            key = (body["period"], row["site"], row["mineral"])
            measured[key] = (tonnes(row["quantity"], row["unit"]), row["method"])
    out = []
    for body in (p["body"] for p in of_type(scenario, "evidence.declaration_filed")):
        if body["declaration_type"] != "extraction":
            continue
        for row in csv_rows(scenario, body["table"]["sha256"])[1]:
            value, method = measured[(body["period"], row["site"], row["mineral"])]
            out.append(
                Pair(
                    body["period"],
                    body["party"],
                    row["site"],
                    row["mineral"],
                    tonnes(row["quantity"], row["unit"]),
                    tonnes(row["uncertainty"], row["unit"]),
                    value,
                    method,
                )
            )
    return out

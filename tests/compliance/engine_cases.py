"""Run the engine on hand-built evidence, the way treaty test cases do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import duckdb

from concord.compliance.engine import evaluate_requirements
from concord.compliance.findings import Finding
from concord.compliance.testcases import build_case_store
from concord.scenario.treaty import station_unity_text
from concord.treaty.calendar import parse_period
from concord.treaty.models import Treaty
from concord.treaty.service import load_treaty_text
from concord.treaty.testcases import CaseRequest, TreatyTestCase
from concord.treaty.versions import TreatyVersion, treaty_at

TREATY = load_treaty_text(station_unity_text(), "station_unity.yaml")


def findings(
    requirements: list[str],
    period: str,
    *,
    as_of: date = date(2188, 3, 1),
    statements: list[dict[str, Any]] | None = None,
    evidence: dict[str, list[dict[str, Any]]] | None = None,
    treaty: Treaty = TREATY,
) -> list[Finding]:
    (found,) = findings_in_turn(
        requirements, [period], as_of=as_of, statements=statements, evidence=evidence, treaty=treaty
    )
    return found


@contextmanager
def case_store(
    requirements: list[str],
    period: str,
    *,
    as_of: date = date(2188, 3, 1),
    statements: list[dict[str, Any]] | None = None,
    evidence: dict[str, list[dict[str, Any]]] | None = None,
    treaty: Treaty = TREATY,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, TreatyVersion]]:
    """An analytic store holding ``statements`` and ``evidence``, and the treaty version
    of ``as_of``."""
    case = TreatyTestCase.model_validate(
        {
            "format": "concord-treaty-test/1",
            "id": "hand-built",
            "treaty": "station-unity",
            "description": "hand-built evidence",
            "as_of": as_of,
            "period": period,
            "requirements": requirements,
            "given": {"statements": statements or [], "evidence": evidence or {}},
            "expect": {"findings": []},
        }
    )
    version = treaty_at(treaty, [], as_of)
    wanted = [r for r in version.requirements() if r.id in requirements]
    request = CaseRequest(
        case=case, treaty=version, period=parse_period(period), requirements=wanted
    )
    with build_case_store(request) as con:
        yield con, version


def findings_in_turn(
    requirements: list[str],
    periods: list[str],
    *,
    as_of: date = date(2188, 3, 1),
    statements: list[dict[str, Any]] | None = None,
    evidence: dict[str, list[dict[str, Any]]] | None = None,
    treaty: Treaty = TREATY,
) -> list[list[Finding]]:
    """The findings of each period, evaluated one after another on one store (the
    store is built for the first period; the evidence is the same for every period)."""
    with case_store(
        requirements,
        periods[0],
        as_of=as_of,
        statements=statements,
        evidence=evidence,
        treaty=treaty,
    ) as (con, version):
        wanted = [r for r in version.requirements() if r.id in requirements]
        return [
            evaluate_requirements(con, version, parse_period(p), wanted, as_of=as_of)
            for p in periods
        ]


def by_subject(found: list[Finding]) -> dict[str, str]:
    """``{subject or party: status}``."""
    return {f.subject or f.party: f.status for f in found}

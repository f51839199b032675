"""Opening cases, and the time limits that run from the request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from concord.disputes.schemas import CASE_OPENED, CaseOpened
from concord.disputes.service import first_deadlines, open_cases
from concord.errors import DisputeError
from concord.scenario.treaty import station_unity_text
from concord.treaty.registry import treaty_in_force
from concord.treaty.schemas import TREATY_REGISTERED
from concord.treaty.service import registration_payload
from concord.workspace import Workspace
from factories import T0, make_workspace


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    workspace = make_workspace(tmp_path, database_url)
    workspace.submit_as(
        workspace.office_key,
        TREATY_REGISTERED,
        registration_payload(station_unity_text()),
        issued_at=T0,
    )
    yield workspace
    workspace.close()


def _case(case_id: str, parties: list[str]) -> CaseOpened:
    return CaseOpened(
        case_id=case_id,
        kind="contested_claim",
        parties=parties,
        received=dt.date(2187, 7, 10),
        summary="Sector Seven-Beta: operational presence against first filing.",
        provisions=["P17"],
        claims=["PA-7B-C1", "EF-7B-C1"],
    )


def test_a_case_is_opened_once_and_only_between_known_parties(ws: Workspace) -> None:
    ws.submit_as(ws.office_key, CASE_OPENED, _case("case-1", ["PA", "EF"]), issued_at=T0)
    with pytest.raises(DisputeError, match="already open"):
        ws.submit_as(ws.office_key, CASE_OPENED, _case("case-1", ["PA", "EF"]), issued_at=T0)
    with pytest.raises(DisputeError, match="unknown part"):
        ws.submit_as(ws.office_key, CASE_OPENED, _case("case-2", ["PA", "XX"]), issued_at=T0)
    with Session(ws.engine) as session:
        cases = open_cases(session)
    assert [(c.case_id, c.parties, c.status) for c in cases] == [("case-1", "PA,EF", "open")]
    assert ws.ledger.size() == 3


def test_time_limits_run_from_the_day_after_receipt(ws: Workspace) -> None:
    with Session(ws.engine) as session:
        procedure = treaty_in_force(session, dt.date(2187, 7, 10)).treaty.dispute_procedure
    limits = {(d.stage, d.kind): d.day for d in first_deadlines(procedure, dt.date(2187, 7, 10))}
    # Received 10 July: day 1 is 11 July, so 10 days end 20 July, 30 days end 9 August
    # (DSU art. 4.3) and a panel may be requested from day 60, 8 September (art. 4.7).
    assert limits[("reply", "by")] == dt.date(2187, 7, 20)
    assert limits[("consultations", "by")] == dt.date(2187, 8, 9)
    assert limits[("panel_request", "not before")] == dt.date(2187, 9, 8)

"""No party can date a statement far ahead or move the evaluation's "today"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from concord.compliance.engine import evaluate
from concord.errors import ComplianceError, StatementError
from concord.evidence.filing import file_declaration
from concord.workspace import Workspace, open_workspace

from .station import EXTRACTION, Q2_FILED, Station, csv_bytes, make_station


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    made = make_station(tmp_path)
    yield made
    made.ws.close()


def with_clock(station: Station, at: datetime) -> Workspace:
    """The same office, its clock reading ``at`` (CONCORD_CLOCK)."""
    return open_workspace(replace(station.ws.settings, clock=at))


GOOD = csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,40")


def test_a_declaration_dated_9999_is_refused_and_nothing_is_kept(station: Station) -> None:
    size = station.ws.ledger.size()
    with pytest.raises(StatementError, match="more than 366 days after the office's time") as e:
        file_declaration(
            station.ws,
            station.keys["PA"],
            "extraction",
            "PA",
            "2187-Q2",
            GOOD,
            datetime(9999, 12, 31, tzinfo=UTC),
        )
    assert "field: issued_at" in e.value.details
    assert station.ws.ledger.size() == size


def test_a_statement_dated_ahead_does_not_move_the_evaluations_today(station: Station) -> None:
    office = with_clock(station, datetime(2187, 7, 25, tzinfo=UTC))
    file_declaration(office, station.keys["PA"], "extraction", "PA", "2187-Q2", GOOD, Q2_FILED)
    ahead = datetime(2188, 3, 1, tzinfo=UTC)  # within the bound, but after the clock
    file_declaration(office, station.keys["EF"], "extraction", "EF", "2187-Q2", GOOD, ahead)
    evaluation = evaluate(office, "2187-Q2")
    assert evaluation.as_of == date(2187, 7, 25)  # the office's clock, not 2188-03-01
    with pytest.raises(ComplianceError, match="after the office's clock"):
        evaluate(office, "2187-Q2", as_of=date(2187, 12, 1))
    office.close()


def test_the_office_names_the_day_of_a_record_kept_in_simulated_time(station: Station) -> None:
    file_declaration(station.ws, station.keys["PA"], "extraction", "PA", "2187-Q2", GOOD, Q2_FILED)
    named = evaluate(station.ws, "2187-Q2", as_of=date(2187, 9, 13))
    assert named.as_of == date(2187, 9, 13)
    # Without a day named, the record's own latest day.
    assert evaluate(station.ws, "2187-Q2").as_of == Q2_FILED.date()


def test_no_findings_are_signed_over_an_edited_table(station: Station, tmp_path: Path) -> None:
    """Before the office signs findings, its tables must say what the log says."""
    from concord.cycle.service import check_record, run_quarter
    from concord.errors import VerificationError
    from factories import tamper_log

    file_declaration(station.ws, station.keys["PA"], "extraction", "PA", "2187-Q2", GOOD, Q2_FILED)
    check_record(station.ws)  # untouched: passes
    tamper_log(station.ws, "UPDATE evidence_site SET sector = 'SB-S' WHERE site_id = 'SB-N-03'")
    size = station.ws.ledger.size()
    with pytest.raises(VerificationError, match="tables differ from a replay") as caught:
        run_quarter(station.ws, "2187-Q2", tmp_path / "reports", at=date(2187, 9, 13))
    assert any("evidence_site" in line for line in caught.value.details)
    assert station.ws.ledger.size() == size  # nothing was published
    assert not (tmp_path / "reports").exists()

"""The analytic store is tied to the log: an edited ``evidence.duckdb`` is refused.

Someone who can write the workspace (but holds none of the office's keys) edits the
store behind the office's back. ``concord evaluate`` and ``concord verify`` must refuse
it with a message saying so, and no finding computed from it may be published.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli_run import ENV, Run
from concord.cli.main import app
from concord.compliance.schemas import FINDINGS_PUBLISHED
from concord.errors import AnalyticStoreAltered, ConcordError
from concord.evidence.analytics import rebuild_analytics, refresh_analytics
from concord.evidence.filing import file_declaration, file_measurement
from concord.evidence.seal import content_digest
from concord.ledger.models import LedgerEntry
from concord.workspace import open_workspace
from factories import make_settings

from .station import EXTRACTION, MEASUREMENT, Q2_FILED, csv_bytes, make_station

#: The workspaces of these tests use the factories' log origin.
TEST_ENV = {**ENV, "CONCORD_LOG_ORIGIN": "test.concord/log"}
ALTERED = "has been altered"
REBUILD = "concord evidence rebuild"


def concord(home: Path, *args: str) -> Run:
    """Run the CLI on ``home`` as ``concord`` does; a ConcordError is its exit code and
    the message printed after ``error:``."""
    result = CliRunner().invoke(app, ["--home", str(home), *args], env=TEST_ENV)
    error = result.exception
    if isinstance(error, ConcordError):
        return Run(error.exit_code, result.stdout, error.diagnostics())
    if error is not None and not isinstance(error, SystemExit):
        raise error
    return Run(result.exit_code, result.stdout, result.stderr)


def make_case(home: Path, measured: str = "4900") -> None:
    """PA declares 4,100 t at SB-N-03 for 2187-Q2; the inspector weighs ``measured`` t."""
    station = make_station(home)
    ws = station.ws
    file_declaration(
        ws,
        station.keys["PA"],
        "extraction",
        "PA",
        "2187-Q2",
        csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,40"),
        Q2_FILED,
    )
    file_measurement(
        ws,
        station.keys["inspector"],
        "extraction",
        "2187-Q2",
        csv_bytes(MEASUREMENT, f"PA,SB-N-03,ore,{measured},t,weighing"),
        datetime(2187, 8, 1, tzinfo=UTC),
    )
    ws.close()


def r7_status(home: Path) -> str:
    """PA's status on the per-site reconciliation (R7) at SB-N-03, from ``evaluate``."""
    run = concord(home, "evaluate", "--period", "2187-Q2", "--json")
    assert run.returncode == 0, run.stderr
    findings = json.loads(run.stdout)["findings"]
    (status,) = {
        f["status"]
        for f in findings
        if f["requirement"] == "R7" and f["party"] == "PA" and "SB-N-03" in f["subject"]
    }
    return str(status)


def findings_logged(home: Path) -> int:
    """How many findings statements the log of ``home`` holds."""
    ws = open_workspace(make_settings(home))
    try:
        with Session(ws.engine) as session:
            rows = session.scalars(
                select(LedgerEntry.idx).where(LedgerEntry.statement_type == FINDINGS_PUBLISHED)
            ).all()
    finally:
        ws.close()
    return len(rows)


@dataclass
class Case:
    home: Path
    status: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A case whose store has been built and evaluated once (a violation)."""
    home = tmp_path_factory.mktemp("sealed") / "ws"
    make_case(home)
    return Case(home, r7_status(home))


@pytest.fixture
def case(built: Case, tmp_path: Path) -> Case:
    home = tmp_path / "ws"
    shutil.copytree(built.home, home)
    return Case(home, built.status)


def _sql(*statements: str) -> Callable[[Path], None]:
    def edit(store: Path) -> None:
        with duckdb.connect(str(store)) as con:
            for statement in statements:
                con.execute(statement)

    return edit


def _and_digest(edit: Callable[[Path], None]) -> Callable[[Path], None]:
    """``edit``, then record the digest of the edited content, as a careful forger would."""

    def forged(store: Path) -> None:
        edit(store)
        with duckdb.connect(str(store)) as con:
            digest = content_digest(con)
            con.execute("UPDATE store_meta SET value = ? WHERE key = 'content_digest'", [digest])

    return forged


FLIP = "UPDATE extraction_measurements SET measured_tonnes = 4100 WHERE site = 'SB-N-03'"
EDITS: dict[str, Callable[[Path], None]] = {
    "a quantity changed": _sql(FLIP),
    "a row deleted": _sql("DELETE FROM extraction_measurements WHERE site = 'SB-N-03'"),
    "a row inserted": _sql(
        "INSERT INTO extraction_measurements SELECT statement_index, inspector, party, period,"
        " site, sector, mineral, 4100, 'weighing' FROM extraction_measurements"
    ),
    "a table added": _sql("CREATE TABLE notes (text VARCHAR)"),
    "a macro added": _sql("CREATE MACRO declared(x) AS x"),
    "the recorded digest edited to match": _and_digest(_sql(FLIP)),
    "the recorded prefix and digest edited to match": _and_digest(
        _sql(FLIP, "UPDATE store_meta SET value = '1' WHERE key = 'log_size'")
    ),
    "the recorded root removed": _sql("DELETE FROM store_meta WHERE key = 'log_root'"),
    "the record of the state dropped": _sql("DROP TABLE store_meta"),
    "not a database any more": lambda store: store.write_bytes(b"not a DuckDB file"),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_evaluate_and_verify_refuse_an_altered_store(
    case: Case, edit: Callable[[Path], None]
) -> None:
    assert case.status == "violation"
    store = case.home / "evidence.duckdb"
    edit(store)
    before = findings_logged(case.home)
    for command in (
        ("evaluate", "--period", "2187-Q2", "--publish"),
        ("quarter", "run", "--period", "2187-Q2"),
        ("verify",),
    ):
        run = concord(case.home, *command)
        assert run.returncode == 2, (command, run.stdout)
        assert ALTERED in run.stderr
        assert REBUILD in run.stderr
        assert str(store) in run.stderr
        assert "\n" not in run.stderr  # one line
    assert findings_logged(case.home) == before
    # The named command rebuilds the store from the log: the violation is back.
    assert concord(case.home, "evidence", "rebuild").returncode == 0
    assert r7_status(case.home) == "violation"
    assert "analytic store: sealed at log size" in concord(case.home, "verify").stdout


def test_a_store_copied_from_another_workspace_is_refused(case: Case, tmp_path: Path) -> None:
    # The other workspace has the same treaty, parties and filings, except a measurement
    # that makes PA compliant; its store is built and sealed by its own office.
    other = tmp_path / "other"
    make_case(other, measured="4100")
    assert r7_status(other) == "compliant"
    shutil.copyfile(other / "evidence.duckdb", case.home / "evidence.duckdb")
    run = concord(case.home, "evaluate", "--period", "2187-Q2", "--publish")
    assert run.returncode == 2
    assert ALTERED in run.stderr
    assert "not by this office's key" in run.stderr
    assert findings_logged(case.home) == 0
    assert concord(case.home, "verify").returncode == 2


def test_an_altered_store_is_not_extended_to_a_later_checkpoint(case: Case) -> None:
    # A store one entry behind the log is brought up to date by a refresh (reports), which
    # checks the old store before it adds anything to it.
    ws = open_workspace(make_settings(case.home))
    try:
        rebuild_analytics(ws, ws.ledger.size() - 1)  # before the measurement
        _sql("UPDATE extraction_declarations SET declared_tonnes = 4900")(
            ws.settings.analytics_path
        )
        with pytest.raises(AnalyticStoreAltered, match=ALTERED):
            refresh_analytics(ws)
    finally:
        ws.close()
    run = concord(case.home, "reports", "render", "--period", "2187-Q2")
    assert run.returncode == 2
    assert ALTERED in run.stderr


def test_a_store_without_a_seal_is_rebuilt_from_the_log(case: Case) -> None:
    # A store built before stores were sealed has no seal: it is rebuilt from the log,
    # never used, so an edit of one changes nothing either.
    _sql(
        FLIP,
        "DELETE FROM store_meta WHERE key NOT IN ('log_size', 'log_root')",
    )(case.home / "evidence.duckdb")
    assert r7_status(case.home) == "violation"
    assert "analytic store: sealed at log size" in concord(case.home, "verify").stdout


def test_verify_reports_the_sealed_store(case: Case) -> None:
    run = concord(case.home, "verify", "--json")
    assert run.returncode == 0, run.stderr
    store = json.loads(run.stdout)["analytic_store"]
    with duckdb.connect(str(case.home / "evidence.duckdb"), read_only=True) as con:
        assert store["content_digest"] == content_digest(con)
    assert store["size"] > 0


def test_the_digest_depends_on_content_not_on_row_order(tmp_path: Path) -> None:
    make_case(tmp_path / "ws")
    ws = open_workspace(make_settings(tmp_path / "ws"))
    try:
        path = rebuild_analytics(ws)
    finally:
        ws.close()
    with duckdb.connect(str(path)) as con:
        first = content_digest(con)
        con.execute("CREATE TEMP TABLE keep AS SELECT * FROM sites ORDER BY site DESC")
        con.execute("DELETE FROM sites")
        con.execute("INSERT INTO sites SELECT * FROM keep")
        assert content_digest(con) == first
        con.execute("UPDATE sites SET x = x + 1e-9 WHERE site = 'SB-N-03'")
        assert content_digest(con) != first

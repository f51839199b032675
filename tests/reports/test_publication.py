"""The ``reports.published`` statement: checked against the signed checkpoint, projected
into the ``report`` table, and rebuilt identically from the log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from concord.errors import ComplianceError
from concord.ledger import store
from concord.ledger.audit import rebuild
from concord.ledger.notes import open_checkpoint
from concord.reports.models import PublishedReport
from concord.reports.publication import STATEMENT_TYPES
from concord.reports.schemas import REPORT_PUBLISHED, ReportPublished
from concord.scenario.treaty import station_unity_text
from concord.treaty.schemas import TREATY_REGISTERED
from concord.treaty.service import registration_payload
from concord.workspace import Workspace
from factories import T0, make_workspace

SHA = "ab" * 32


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    workspace = make_workspace(tmp_path, database_url)
    if REPORT_PUBLISHED not in workspace.ledger.registry.types:
        workspace.ledger.registry.register(STATEMENT_TYPES)
    body = registration_payload(station_unity_text())
    workspace.submit_as(workspace.office_key, TREATY_REGISTERED, body, issued_at=T0)
    yield workspace
    workspace.close()


def _body(ws: Workspace, scope: str | None = "PA", **changes: object) -> ReportPublished:
    with Session(ws.engine) as session:
        latest = store.latest_checkpoint(session)
        assert latest is not None
        checkpoint = open_checkpoint(latest.note, ws.verifier)
    fields: dict[str, object] = {
        "period": "2187-Q2",
        "scope": scope,
        "checkpoint_size": checkpoint.size,
        "checkpoint_root": checkpoint.root.hex(),
        "findings_sha256": SHA,
        "html_sha256": SHA,
        "pdf_sha256": SHA,
    }
    fields.update(changes)
    return ReportPublished.model_validate(fields)


def test_a_published_report_is_projected_and_rebuilt(ws: Workspace) -> None:
    body = _body(ws)
    receipt = ws.submit_as(ws.office_key, REPORT_PUBLISHED, body, issued_at=T0)
    with Session(ws.engine) as session:
        row = session.get(PublishedReport, "2187-Q2/PA@2")
        assert row is not None
        assert (row.scope, row.pdf_sha256, row.log_index) == ("PA", SHA, receipt.index)
    with pytest.raises(ComplianceError, match="already published"):
        ws.submit_as(ws.office_key, REPORT_PUBLISHED, body, issued_at=T0)
    assert rebuild(ws.ledger, ws.ledger.registry).differences == []


def test_the_consolidated_report_has_no_scope(ws: Workspace) -> None:
    body = _body(ws, None)
    ws.submit_as(ws.office_key, REPORT_PUBLISHED, body, issued_at=T0)
    with Session(ws.engine) as session:
        row = session.get(PublishedReport, "2187-Q2/consolidated@2")
        assert row is not None
        assert row.scope == ""


def test_a_report_must_name_a_signed_checkpoint_and_a_party(ws: Workspace) -> None:
    with pytest.raises(ComplianceError, match="not the log's root"):
        ws.submit_as(ws.office_key, REPORT_PUBLISHED, _body(ws, checkpoint_root=SHA), issued_at=T0)
    with pytest.raises(ComplianceError, match="tree size 99 is outside the log"):
        ws.submit_as(ws.office_key, REPORT_PUBLISHED, _body(ws, checkpoint_size=99), issued_at=T0)
    with pytest.raises(ComplianceError, match="not a party"):
        ws.submit_as(ws.office_key, REPORT_PUBLISHED, _body(ws, scope="XX"), issued_at=T0)


def test_the_body_schema_refuses_malformed_hashes_and_periods() -> None:
    good = {
        "period": "2187-Q2",
        "scope": None,
        "checkpoint_size": 5,
        "checkpoint_root": SHA,
        "findings_sha256": SHA,
        "html_sha256": SHA,
        "pdf_sha256": SHA,
    }
    assert ReportPublished.model_validate(good).report_id == "2187-Q2/consolidated@5"
    for field, bad in [("pdf_sha256", "XYZ"), ("period", "Q2-2187"), ("checkpoint_size", 0)]:
        with pytest.raises(ValidationError):
            ReportPublished.model_validate({**good, field: bad})

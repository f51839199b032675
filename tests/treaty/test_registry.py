"""Registering treaties and amendments in the ledger, and the treaty in force by date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from concord.errors import NotFoundError, TreatyError
from concord.ledger.audit import rebuild
from concord.scenario.treaty import station_unity_text
from concord.treaty.registry import treaty_in_force
from concord.treaty.schemas import TREATY_REGISTERED
from concord.treaty.service import registration_payload
from concord.workspace import Workspace
from factories import T0, make_workspace


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    workspace = make_workspace(tmp_path, database_url)
    yield workspace
    workspace.close()


def test_station_unity_registers_and_is_in_force_from_entry_into_force(ws: Workspace) -> None:
    body = registration_payload(station_unity_text())
    receipt = ws.submit_as(ws.office_key, TREATY_REGISTERED, body, issued_at=T0)
    assert receipt.index == 1
    with Session(ws.engine) as session:
        version = treaty_in_force(session, date(2187, 6, 1))
        assert version.in_force
        assert len(version.provisions()) == 63
        assert len(version.requirements()) == 17
        assert not treaty_in_force(session, date(2187, 2, 1)).in_force
    assert rebuild(ws.ledger, ws.ledger.registry).differences == []


def test_a_treaty_cannot_be_registered_twice_or_with_a_broken_file(ws: Workspace) -> None:
    body = registration_payload(station_unity_text())
    ws.submit_as(ws.office_key, TREATY_REGISTERED, body, issued_at=T0)
    with pytest.raises(TreatyError, match="already registered"):
        ws.submit_as(ws.office_key, TREATY_REGISTERED, body, issued_at=T0)
    broken = body.model_copy(update={"document": body.document.replace("format:", "formaat:", 1)})
    import hashlib

    broken = broken.model_copy(
        update={"document_sha256": hashlib.sha256(broken.document.encode()).hexdigest()}
    )
    with pytest.raises(TreatyError, match="invalid"):
        ws.submit_as(ws.office_key, TREATY_REGISTERED, broken, issued_at=T0)
    assert ws.ledger.size() == 2


def test_no_treaty_registered_is_a_clear_error(ws: Workspace) -> None:
    with Session(ws.engine) as session, pytest.raises(NotFoundError, match="no treaty"):
        treaty_in_force(session, date(2187, 6, 1))


def test_a_registered_amendment_is_in_force_from_its_date_with_provenance(ws: Workspace) -> None:
    from concord.treaty.registry import registered_treaty
    from concord.treaty.requirements import Reconciliation
    from concord.treaty.schemas import TREATY_AMENDED
    from concord.treaty.service import amendment_payload, load_treaty_text

    from .conftest import AMENDMENT_A1

    ws.submit_as(
        ws.office_key, TREATY_REGISTERED, registration_payload(station_unity_text()), issued_at=T0
    )
    treaty = load_treaty_text(station_unity_text())
    receipt = ws.submit_as(
        ws.office_key, TREATY_AMENDED, amendment_payload(treaty, AMENDMENT_A1), issued_at=T0
    )
    with Session(ws.engine) as session:
        before = treaty_in_force(session, date(2187, 6, 30)).requirement("R7")
        after_version = treaty_in_force(session, date(2187, 7, 1))
        documents = registered_treaty(session).documents
    after = after_version.requirement("R7")
    assert isinstance(before, Reconciliation)
    assert isinstance(after, Reconciliation)
    assert before.params.materiality.percent == 2
    assert after.params.materiality.percent == 1.5
    (change,) = after_version.changes_to("requirements[R7].params.materiality.percent")
    assert (change.amendment, change.old, change.new) == ("A1", 2, 1.5)
    assert [d.log_index for d in documents] == [1, receipt.index]
    assert rebuild(ws.ledger, ws.ledger.registry).differences == []


def test_an_amendment_dated_before_the_treaty_is_refused_and_nothing_is_logged(
    ws: Workspace,
) -> None:
    from concord.treaty.schemas import TREATY_AMENDED, TreatyAmended, document_sha256

    from .conftest import AMENDMENT_A1

    ws.submit_as(
        ws.office_key, TREATY_REGISTERED, registration_payload(station_unity_text()), issued_at=T0
    )
    early = AMENDMENT_A1.replace("adopted: 2187-06-10", "adopted: 2186-06-10").replace(
        "effective_date: 2187-07-01", "effective_date: 2186-07-01"
    )
    body = TreatyAmended(
        treaty_id="station-unity",
        amendment_id="A1",
        document_sha256=document_sha256(early),
        document=early,
        effective_date=date(2186, 7, 1),
    )
    size = ws.ledger.size()
    with pytest.raises(TreatyError, match=r"^amendment A1 is invalid: 2 problems") as caught:
        ws.submit_as(ws.office_key, TREATY_AMENDED, body, issued_at=T0)
    assert any("is before the treaty enters into force" in d for d in caught.value.details)
    assert ws.ledger.size() == size

"""POST /statements: a party's signed submission gets a receipt it can check offline;
anything malformed gets a problem document and leaves the log as it was."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.helpers import EXTRACTION, PROBLEM
from cli_run import concord, concord_in
from concord.identity.keys import SigningKey
from factories import raw_envelope


def _declare(party: Path, period: str, name: str, quantity: str = "4100") -> dict[str, Any]:
    (party / f"{name}.csv").write_text(EXTRACTION.replace("4100", quantity))
    concord_in(
        party,
        "act", "evidence.declaration_filed", "--key", "pa.json",
        "--issued-at", "2187-07-20T09:00:00Z", "--declaration-type", "extraction",
        "--party", "PA", "--period", period, "--table", f"{name}.csv",
        "--out", f"{name}.json",
    )  # fmt: skip
    return json.loads((party / f"{name}.json").read_text())


def _size(client: TestClient) -> int:
    return int(client.get("/log/checkpoint").text.splitlines()[1])


def _blobs(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "blobs").rglob("*") if p.is_file())


def test_a_party_signed_declaration_gets_a_receipt_that_checks_offline(
    office: tuple[Path, Path], client: TestClient
) -> None:
    home, party = office
    size = _size(client)
    submission = _declare(party, "2187-Q2", "q2")
    answer = client.post("/statements", content=(party / "q2.json").read_bytes())
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    assert receipt["index"] == size
    assert answer.headers["location"] == f"/receipts/{receipt['statement_id']}"
    assert receipt["checkpoint"].splitlines()[1] == str(size + 1)
    (sha,) = submission["tables"]
    assert (home / "blobs" / sha[:2] / sha).read_text() == EXTRACTION
    (party / "q2-receipt.json").write_text(answer.text)
    checked = concord_in(
        party, "receipt", "verify", "q2-receipt.json", "--vkey", "log.vkey",
        "--submission", "q2.json", "--json",
    )  # fmt: skip
    assert json.loads(checked.stdout)["verified"] is True
    # The same submission again is answered with its receipt, and nothing is appended.
    again = client.post("/statements", json=submission)
    assert again.status_code == 200
    assert again.json()["index"] == receipt["index"]
    assert _size(client) == size + 1
    # The receipt can be fetched again, against the latest checkpoint.
    fetched = client.get(f"/receipts/{receipt['statement_id']}").json()
    assert fetched["index"] == receipt["index"]
    assert fetched["leaf_hash"] == receipt["leaf_hash"]


def test_the_command_line_reads_the_log_the_server_appended_to(
    office: tuple[Path, Path], client: TestClient
) -> None:
    home, _ = office
    assert concord(home, "checkpoint").stdout == client.get("/log/checkpoint").text


def _tampered_signature(submission: dict[str, Any]) -> dict[str, Any]:
    signature = base64.b64decode(submission["envelope"]["signatures"][0]["sig"])
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    submission["envelope"]["signatures"][0]["sig"] = base64.b64encode(flipped).decode()
    return submission


def _changed_table(submission: dict[str, Any]) -> dict[str, Any]:
    (sha,) = submission["tables"]
    changed = EXTRACTION.replace("4100", "41").encode()
    submission["tables"][sha] = base64.b64encode(changed).decode()
    return submission


@pytest.mark.parametrize(
    ("case", "status", "kind", "names"),
    [
        ("not-json", 422, "malformed-statement", "not JSON"),
        ("bad-signature", 422, "signature", "signature"),
        ("unknown-type", 422, "malformed-statement", "no.such_type"),
        ("table-changed", 422, "malformed-statement", "tables."),
        ("wrong-format", 422, "malformed-statement", "format"),
    ],
)
def test_a_malformed_submission_gets_a_problem_and_nothing_is_appended(
    office: tuple[Path, Path],
    client: TestClient,
    case: str,
    status: int,
    kind: str,
    names: str,
) -> None:
    home, party = office
    submission = _declare(party, "2187-Q3", f"q3-{case}", quantity="3900")
    if case == "not-json":
        body = b'{"format": "concord.submission/v1", "envelope": '
    elif case == "bad-signature":
        body = json.dumps(_tampered_signature(submission)).encode()
    elif case == "unknown-type":
        payload = json.loads(base64.b64decode(submission["envelope"]["payload"]))
        envelope = raw_envelope(
            SigningKey.load(party / "pa.json"), dict(payload, type="no.such_type")
        )
        body = envelope.canonical_bytes()
    elif case == "table-changed":
        body = json.dumps(_changed_table(submission)).encode()
    else:
        body = json.dumps(dict(submission, format="concord.submission/v0")).encode()
    size, blobs = _size(client), _blobs(home)
    answer = client.post("/statements", content=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["type"] == f"urn:concord:problem:{kind}"
    assert problem["status"] == status
    assert problem["title"]
    assert names in problem["detail"] + " ".join(problem.get("errors", []))
    assert _size(client) == size
    assert _blobs(home) == blobs


def test_a_statement_signed_by_an_unregistered_key_is_refused(
    client: TestClient, tmp_path: Path
) -> None:
    stranger = SigningKey.generate("pacific-alliance")
    stranger.save(tmp_path / "stranger.json")
    (tmp_path / "q.csv").write_text(EXTRACTION)
    concord_in(
        tmp_path,
        "act", "evidence.declaration_filed", "--key", "stranger.json",
        "--issued-at", "2187-07-21T09:00:00Z", "--declaration-type", "extraction",
        "--party", "PA", "--period", "2187-Q2", "--table", "q.csv", "--out", "s.json",
    )  # fmt: skip
    size = _size(client)
    answer = client.post("/statements", content=(tmp_path / "s.json").read_bytes())
    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"] == PROBLEM
    assert _size(client) == size


def test_an_unknown_receipt_is_a_404_problem(client: TestClient) -> None:
    answer = client.get("/receipts/no-such-statement")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    # The same type and title as an unknown route's (RFC 9457: one title per type).
    unknown = client.get("/no/such/route").json()
    assert (answer.json()["type"], answer.json()["title"]) == (unknown["type"], unknown["title"])
    assert "no-such-statement" in answer.json()["detail"]


def test_a_submission_over_the_size_limit_is_refused_unread(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concord.api import bodies

    monkeypatch.setattr(bodies, "MAX_BODY_BYTES", 1000)
    size = _size(client)
    answer = client.post("/statements", content=b"{" + b" " * 2000 + b"}")
    assert answer.status_code == 413
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == "urn:concord:problem:submission-too-large"
    assert _size(client) == size

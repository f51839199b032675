"""Requests signed with a registered key (RFC 9421) are their principal's; anything
else about them refused names why; browsers sign in by challenge and send a CSRF token;
roles come from the signed log, not from the identity tables."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.conftest import Parties
from api.helpers import EXTRACTION, PROBLEM
from concord.api.client import SignatureAuth, login_signature, signed_headers
from concord.config import sqlite_url
from concord.identity.keys import SigningKey

URL = "http://testserver"


def _refusal(answer: Any, reason: str) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["type"] == "urn:concord:problem:authentication"
    assert reason in problem["detail"], problem["detail"]


def test_a_signed_request_is_its_principals(parties: Parties, parties_app: FastAPI) -> None:
    client = TestClient(parties_app)
    path = f"/tables/{parties.table_sha}"
    assert client.get(path).status_code == 401
    answer = client.get(path, auth=SignatureAuth(parties.keys["pacific-alliance"]))
    assert answer.status_code == 200, answer.text
    assert answer.text == EXTRACTION
    posted = client.post(
        "/statements", content=parties.submission, auth=SignatureAuth(parties.keys["helios"])
    )
    assert posted.status_code == 200, posted.text  # already logged: its receipt
    assert posted.json()["statement_id"]


def _send(app: FastAPI, headers: dict[str, str], body: bytes = b"") -> Any:
    return TestClient(app).post("/statements", content=body, headers=headers)


def test_a_tampered_body_is_refused(parties: Parties, parties_app: FastAPI) -> None:
    key = parties.keys["pacific-alliance"]
    headers = signed_headers(key, "POST", f"{URL}/statements", b'{"a": 1}')
    _refusal(_send(parties_app, headers, b'{"a": 2}'), "Content-Digest does not match")


def test_a_signature_by_another_key_is_refused(parties: Parties, parties_app: FastAPI) -> None:
    impostor = SigningKey.generate("x")
    headers = signed_headers(impostor, "POST", f"{URL}/statements", parties.submission)
    real = parties.keys["pacific-alliance"].key_id
    headers["Signature-Input"] = headers["Signature-Input"].replace(impostor.key_id, real)
    _refusal(_send(parties_app, headers, parties.submission), f"does not verify with key {real}")


def test_a_revoked_key_is_refused(parties: Parties, parties_app: FastAPI) -> None:
    key = parties.keys["mars-lost"]
    headers = signed_headers(key, "POST", f"{URL}/statements", parties.submission)
    _refusal(_send(parties_app, headers, parties.submission), "has been revoked")


def test_an_unknown_key_is_refused(parties_app: FastAPI) -> None:
    stranger = SigningKey.generate("stranger")
    headers = signed_headers(stranger, "GET", f"{URL}/principals")
    _refusal(TestClient(parties_app).get("/principals", headers=headers), "is not registered")


@pytest.mark.parametrize("offset", [-1000, 1000])
def test_a_signature_created_outside_the_window_is_refused(
    parties: Parties, parties_app: FastAPI, offset: int
) -> None:
    created = int(time.time()) + offset
    key = parties.keys["pacific-alliance"]
    headers = signed_headers(key, "POST", f"{URL}/statements", b"{}", created=created)
    _refusal(_send(parties_app, headers, b"{}"), "from the server's clock")


def test_a_replayed_request_is_refused(parties: Parties, parties_app: FastAPI) -> None:
    key = parties.keys["pacific-alliance"]
    headers = signed_headers(key, "POST", f"{URL}/statements", parties.submission)
    first = _send(parties_app, headers, parties.submission)
    assert first.status_code == 200
    _refusal(_send(parties_app, headers, parties.submission), "already used")


def test_a_signature_that_leaves_out_the_path_is_refused(
    parties: Parties, parties_app: FastAPI
) -> None:
    key = parties.keys["pacific-alliance"]
    headers = signed_headers(key, "GET", f"{URL}/principals")
    # Signed for one route, sent to another: the path is covered, so it does not verify.
    answer = TestClient(parties_app).get(f"/tables/{parties.table_sha}", headers=headers)
    _refusal(answer, "does not verify")


def test_a_browser_signs_in_and_needs_its_csrf_token_to_change_anything(
    parties: Parties, parties_app: FastAPI
) -> None:
    browser = TestClient(parties_app)
    key = parties.keys["pacific-alliance"]
    challenge = browser.get("/session/challenge").json()["challenge"]
    wrong = browser.post(
        "/session",
        json={
            "key_id": key.key_id,
            "challenge": challenge,
            "signature": login_signature(parties.keys["helios"], challenge),
        },
    )
    _refusal(wrong, "does not verify")
    opened = browser.post(
        "/session",
        json={
            "key_id": key.key_id,
            "challenge": challenge,
            "signature": login_signature(key, challenge),
        },
    )
    assert opened.status_code == 200, opened.text
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    session = opened.json()
    assert session["principal"] == "pacific-alliance"
    # A challenge is used once.
    again = browser.post(
        "/session",
        json={
            "key_id": key.key_id,
            "challenge": challenge,
            "signature": login_signature(key, challenge),
        },
        headers={"X-CSRF-Token": session["csrf_token"]},
    )
    _refusal(again, "already used")
    table = browser.get(f"/tables/{parties.table_sha}")
    assert table.status_code == 200
    assert table.text == EXTRACTION
    refused = browser.post("/statements", content=parties.submission)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    foreign = browser.post(
        "/statements",
        content=parties.submission,
        headers={"X-CSRF-Token": session["csrf_token"], "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert "evil.example" in foreign.json()["detail"]
    taken = browser.post(
        "/statements", content=parties.submission, headers={"X-CSRF-Token": session["csrf_token"]}
    )
    assert taken.status_code == 200, taken.text
    closed = browser.delete("/session", headers={"X-CSRF-Token": session["csrf_token"]})
    assert closed.status_code == 204
    assert browser.get(f"/tables/{parties.table_sha}").status_code == 401


def test_roles_edited_in_the_database_grant_nothing(parties: Parties, parties_app: FastAPI) -> None:
    engine = create_engine(sqlite_url(parties.home))
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE identity_principal SET roles = 'office', party = 'PA' "
                "WHERE principal_id = 'helios'"
            )
        )
    engine.dispose()
    client = TestClient(parties_app)
    helios = SignatureAuth(parties.keys["helios"])
    # Still a third party of HMC, as the log says: the Pacific Alliance's table stays hidden.
    answer = client.get(f"/tables/{parties.table_sha}", auth=helios)
    assert answer.status_code == 404
    assert EXTRACTION not in answer.text

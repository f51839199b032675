"""Every cell of the authorisation table, tested from the table itself: an allowed
caller gets what the office gets, a denied one a problem and no byte of the data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.conftest import Parties
from api.helpers import PROBLEM
from concord.api.client import SignatureAuth
from concord.api.policy import ALL, EXEMPT, OWN, ROLES, RULES, Rule, markdown_table

#: The owner of every sample's material (for ``own`` cells).
OWNER = "pacific-alliance"

#: One request per rule: method, path (and body) of a route of the rule.
Sample = Callable[[Parties], tuple[str, str, bytes]]
SAMPLES: dict[tuple[str, str], Sample] = {
    ("statements", "submit"): lambda p: ("POST", "/statements", p.submission),
    ("receipts", "read"): lambda p: ("GET", "/receipts/genesis", b""),
    ("log", "read"): lambda p: ("GET", "/log/entries?limit=3", b""),
    ("treaty", "read"): lambda p: ("GET", "/treaty", b""),
    ("principals", "read"): lambda p: ("GET", "/principals", b""),
    ("claims", "read"): lambda p: ("GET", "/claims", b""),
    ("sites", "read"): lambda p: ("GET", "/sites", b""),
    ("findings", "read"): lambda p: ("GET", "/findings", b""),
    ("cases", "read"): lambda p: ("GET", "/cases", b""),
    ("reports", "read"): lambda p: ("GET", "/reports/2187-Q2.html", b""),
    ("tables", "read"): lambda p: ("GET", f"/tables/{p.table_sha}", b""),
}

CELLS = [(rule, role) for rule in RULES for role in ROLES]


def _ask(app: FastAPI, parties: Parties, rule: Rule, principal: str | None) -> Any:
    method, path, body = SAMPLES[(rule.resource, rule.action)](parties)
    auth = None if principal is None else SignatureAuth(parties.keys[principal])
    return TestClient(app).request(method, path, content=body, auth=auth)


@pytest.mark.parametrize(
    ("rule", "role"), CELLS, ids=[f"{r.action}-{r.resource}-{role}" for r, role in CELLS]
)
def test_every_cell_of_the_table(
    parties: Parties, parties_app: FastAPI, rule: Rule, role: str
) -> None:
    principal = parties.by_role[role]
    office = _ask(parties_app, parties, rule, parties.by_role["office"])
    answer = _ask(parties_app, parties, rule, principal)
    scope = rule.grants.get(role)
    if scope == ALL or (scope == OWN and principal == OWNER):
        assert answer.status_code == office.status_code, answer.text
        assert answer.content == office.content
        return
    expected = 401 if principal is None else 404 if scope == OWN and rule.hidden else 403
    assert answer.status_code == expected, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert office.status_code < 300
    assert office.content not in answer.content


def test_every_rule_has_a_sample_request() -> None:
    assert sorted(SAMPLES) == sorted((r.resource, r.action) for r in RULES)


def test_every_route_is_in_the_table_or_exempt(parties_app: FastAPI) -> None:
    spec = TestClient(parties_app).get("/openapi.json").json()
    routes = {f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops}
    covered = {r for rule in RULES for r in rule.routes} | set(EXEMPT)
    assert sorted(routes - covered) == []
    assert sorted(r for r in covered if r not in routes and r not in EXEMPT) == []


def test_the_openapi_document_declares_each_routes_security(parties_app: FastAPI) -> None:
    spec = TestClient(parties_app).get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert set(schemes) == {"httpSignature", "sessionCookie"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert "RFC 9421" in schemes["httpSignature"]["description"]
    signed = [{"httpSignature": []}, {"sessionCookie": []}]
    assert spec["paths"]["/statements"]["post"]["security"] == signed
    assert spec["paths"]["/tables/{sha256}"]["get"]["security"] == signed
    assert spec["paths"]["/treaty"]["get"]["security"] == [{}, *signed]


def test_the_reference_shows_the_table_as_the_code_has_it() -> None:
    reference = (Path(__file__).resolve().parents[2] / "docs" / "reference.md").read_text()
    start = "<!-- policy table: generated from concord.api.policy -->\n"
    shown = reference.split(start, 1)[1].split("\n<!-- end of policy table -->", 1)[0]
    assert shown == markdown_table()

"""OpenAPI 3.1 at /openapi.json, and interactive docs that load nothing from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from api.helpers import PROBLEM

EXTERNAL = re.compile(r"\b(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def test_openapi_is_version_3_1_and_names_the_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1.")
    for path in ("/statements", "/log/checkpoint", "/log/proof/inclusion", "/log/entries"):
        assert path in spec["paths"], path
    body = spec["paths"]["/statements"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["format"]["const"] == "concord.submission/v1"


def test_the_docs_page_and_its_assets_come_from_the_server_itself(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert EXTERNAL.findall(page.text) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith(".js") for a in assets)
    assert any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset
    # Swagger UI is told not to send the spec to an online validator.
    assert '"validatorUrl": null' in page.text
    assert EXTERNAL.findall(client.get("/openapi.json").text) == []


def test_an_unknown_route_is_a_404_problem(client: TestClient) -> None:
    answer = client.get("/no/such/route")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == "urn:concord:problem:not-found"


def test_every_route_is_in_the_reference(client: TestClient) -> None:
    reference = (Path(__file__).resolve().parents[2] / "docs" / "reference.md").read_text()
    section = reference.split("## HTTP API", 1)[1].split("\n## ", 1)[0]
    spec = client.get("/openapi.json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method in operations
        if f"`{method.upper()} {re.sub(r'[{][^}]+[}].*', '', path)}" not in section
    ]
    assert missing == []


def test_error_responses_are_described_as_problem_documents(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/statements"]["post"]["responses"]
    for status in ("400", "403", "409", "413", "422"):
        schema = post[status]["content"][PROBLEM]["schema"]
        assert set(schema["required"]) == {"type", "title", "status", "detail"}
    assert PROBLEM in spec["paths"]["/log/checkpoint"]["get"]["responses"]["404"]["content"]

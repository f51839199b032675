"""Every route passes the caller boundary (where request authentication will go)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from concord.api import create_app
from concord.api.deps import caller
from concord.errors import AuthorizationError
from concord.workspace import Workspace


def test_every_route_is_answered_only_past_the_caller_boundary(long_log: Workspace) -> None:
    app = create_app(long_log)
    seen: list[str] = []

    def refusing() -> None:
        seen.append("asked")
        raise AuthorizationError("no caller may read this in the test")

    app.dependency_overrides[caller] = refusing
    with TestClient(app) as client:
        for method, path in [
            ("GET", "/log/checkpoint"),
            ("GET", "/log/tile/entries/000"),
            ("GET", "/log/proof/inclusion?index=0"),
            ("GET", "/principals"),
            ("GET", "/receipts/genesis"),
            ("POST", "/statements"),
        ]:
            answer = client.request(method, path)
            assert answer.status_code == 403, path
    assert len(seen) == 6

"""The OpenAPI document, with each route's security requirement taken from the policy
table (the routes each rule lists).

OpenAPI has no scheme type for RFC 9421 message signatures; the signature is declared
as an ``apiKey`` in the ``Signature`` header, described in words, beside the browser
session's cookie.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from concord.api.auth import COOKIE
from concord.api.policy import PUBLIC, RULES, Rule

SCHEMES: dict[str, Any] = {
    "httpSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "Signature",
        "description": (
            "HTTP Message Signatures (RFC 9421) with the principal's registered Ed25519 "
            "key: `Signature-Input` and `Signature` headers, alg ed25519, keyid the "
            "registered key id, `created` and `nonce` parameters, covering `@method`, "
            "`@authority`, `@path` and `@query` (or `@target-uri`) and `content-digest` "
            "(RFC 9530, sha-256 of the body)."
        ),
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": (
            "A browser session opened by signing a challenge (`GET /session/challenge`, "
            "`POST /session`); a request that changes anything also sends the "
            "session's `X-CSRF-Token`."
        ),
    },
}
SIGNED: list[dict[str, list[str]]] = [{"httpSignature": []}, {"sessionCookie": []}]


def _rules_by_route() -> dict[str, Rule]:
    return {route: rule for rule in RULES for route in rule.routes}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        spec.setdefault("components", {})["securitySchemes"] = SCHEMES
        rules = _rules_by_route()
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                found = rules.get(f"{method.upper()} {path}")
                security: list[dict[str, list[str]]] = [] if found is None else SIGNED
                if found is not None and PUBLIC in found.grants:
                    security = [{}, *SIGNED]  # optional: the public may call it too
                operation["security"] = security
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]

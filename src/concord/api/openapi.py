"""The OpenAPI document, with each route's security requirement taken from the policy.

OpenAPI has no scheme type for RFC 9421 message signatures; the signature is declared
as an ``apiKey`` in the ``Signature`` header, described in words, beside the browser
session's cookie.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from concord.api.auth import COOKIE
from concord.api.policy import PUBLIC, Rule

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


def route_rule(dependant: Dependant) -> Rule | None:
    """The policy rule a route's dependencies enforce, if any."""
    for sub in dependant.dependencies:
        found = getattr(sub.call, "rule", None)
        if isinstance(found, Rule):
            return found
        nested = route_rule(sub)
        if nested is not None:
            return nested
    return None


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        spec.setdefault("components", {})["securitySchemes"] = SCHEMES
        for route in app.routes:
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            found = route_rule(route.dependant)
            security: list[dict[str, list[str]]] = [] if found is None else SIGNED
            if found is not None and PUBLIC in found.grants:
                security = [{}, *SIGNED]  # optional: the public may call it too
            for method in route.methods or ():
                operation = spec["paths"][route.path_format].get(method.lower())
                if operation is not None:
                    operation["security"] = security
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]

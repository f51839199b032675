"""RFC 9457 problem documents: the one place where errors become HTTP statuses.

Every :class:`~concord.errors.ConcordError` carries its HTTP status (drawn in the tree
of ``concord.errors``); this module renders it as ``application/problem+json`` with
``type``, ``title``, ``status`` and ``detail``, and its detail lines as ``errors``.
Requests the routes cannot even parse (a query parameter that is not a number, a path
that names no route) get the same shape.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from concord.errors import ConcordError, NotFoundError, RateLimited

PROBLEM_JSON = "application/problem+json"
#: Problem types are URNs: they name the kind of problem and are not fetched.
TYPE_PREFIX = "urn:concord:problem:"


#: The problem document's shape, for the OpenAPI description of every error response.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri-reference",
            "examples": [TYPE_PREFIX + "not-found"],
        },
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what was wrong, naming the field or entry"},
        "errors": {"type": "array", "items": {"type": "string"}, "description": "detail lines"},
    },
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries of problem documents for ``statuses``."""
    entry = {
        "description": "a problem document (RFC 9457)",
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
    }
    return dict.fromkeys(statuses, entry)


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower().removesuffix("-error")


def problem(status: int, title: str, detail: str, *, kind: str, **extra: Any) -> JSONResponse:
    """A problem document response."""
    body = {"type": TYPE_PREFIX + kind, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _title(exc: ConcordError) -> str:
    """``MalformedStatement`` → "Malformed statement"; ``NotFoundError`` → "Not found"
    (RFC 9457 §3.1.3: one title per problem type, the same as an unknown route's)."""
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(exc).__name__).capitalize()
    return "Not found" if isinstance(exc, NotFoundError) else words


def concord_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ConcordError)
    response = problem(
        exc.http_status,
        _title(exc),
        exc.message,
        kind=_slug(type(exc).__name__),
        errors=exc.details,
    )
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def validation_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lines = [
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
        for e in exc.errors()
    ]
    return problem(
        400,
        "Bad request",
        lines[0] if lines else "the request is not valid",
        kind="bad-request",
        errors=lines,
    )


def http_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    return problem(exc.status_code, title, str(exc.detail), kind=title.lower().replace(" ", "-"))


def install(app: FastAPI) -> None:
    """Render every error of ``app`` as a problem document."""
    app.add_exception_handler(ConcordError, concord_problem)
    app.add_exception_handler(RequestValidationError, validation_problem)
    app.add_exception_handler(HTTPException, http_problem)

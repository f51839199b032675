"""The office's HTTP server: ``create_app`` builds it over one workspace.

Routes parse, call a domain service and render; nothing here decides what the record
says. Errors become problem documents in :mod:`concord.api.problems`.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from concord.api import auth, docs, log, openapi, problems, reads, statements, tables
from concord.api.deps import Office, caller
from concord.api.limits import TokenBucket, rate_limit
from concord.config import Settings, load_settings
from concord.workspace import Workspace, open_workspace

TITLE = "Concord"
DESCRIPTION = (
    "The record of a treaty-monitoring office: signed statements in an append-only, "
    "tamper-evident log, and what is derived from it."
)


def create_app(source: Workspace | Settings) -> FastAPI:
    """The app over a workspace: an open one (left open for its owner to close), or
    the settings of one (opened now, closed when the app shuts down)."""
    ws = source if isinstance(source, Workspace) else open_workspace(source)
    owned = not isinstance(source, Workspace)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owned:
                ws.close()

    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        # Every request passes the caller boundary and the rate limit of public
        # callers; a route that scopes what it answers by caller takes ``CallerDep``.
        dependencies=[Depends(caller), Depends(rate_limit)],
        responses=problems.responses(429),
    )
    app.state.office = Office(ws, threading.Lock())
    limit = ws.settings
    app.state.rate_bucket = (
        TokenBucket(limit.rate_limit, limit.rate_burst) if limit.rate_limit else None
    )
    problems.install(app)
    app.include_router(statements.router)
    app.include_router(log.router)
    app.include_router(reads.router)
    app.include_router(tables.router)
    app.include_router(auth.router)
    openapi.install(app)
    docs.install(app)
    return app


def app_from_environment() -> FastAPI:
    """The app over the workspace the ``CONCORD_*`` environment names (uvicorn's
    factory for each worker process of ``concord serve``)."""
    return create_app(load_settings())

"""``concord serve``: the office's HTTP API over the workspace, with uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from concord.cli.common import settings_of
from concord.errors import ConfigurationError


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Serve the HTTP API (statements, the log as tlog-tiles, reads) on the workspace."""
    import uvicorn

    from concord.api import create_app
    from concord.workspace import open_workspace

    if workers < 1:
        raise ConfigurationError(f"--workers {workers}: at least one worker is needed")
    settings = settings_of(ctx)
    # uvicorn's own limits: an idle keep-alive connection is closed after
    # CONCORD_KEEP_ALIVE seconds; h11 refuses request heads over 16 KiB (its default).
    keep_alive, max_head = settings.keep_alive, 16 * 1024
    if workers == 1:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            timeout_keep_alive=keep_alive,
            h11_max_incomplete_event_size=max_head,
        )
        return
    # Opened once here so that a missing workspace is an error before any worker starts.
    open_workspace(settings).close()
    # Each worker process builds its app from the environment (concord.config).
    os.environ["CONCORD_HOME"] = str(settings.home)
    os.environ["CONCORD_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "concord.api.app:app_from_environment",
        factory=True,
        timeout_keep_alive=keep_alive,
        h11_max_incomplete_event_size=max_head,
        host=host,
        port=port,
        workers=workers,
    )


def register(app: typer.Typer) -> None:
    app.command()(serve)

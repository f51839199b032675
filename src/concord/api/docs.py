"""Interactive API docs at ``/docs``, with every asset served by the app itself.

FastAPI's default page loads Swagger UI from a CDN; an office's server may run where
no CDN is reachable, and a page of the record should not tell a third party who reads
it. The Swagger UI files come from the ``fastapi-offline`` package (Swagger UI 5,
which reads OpenAPI 3.1).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs/assets"
#: Swagger UI would otherwise send the spec's address to an online validator.
PARAMETERS = {"validatorUrl": None, "tryItOutEnabled": True}


def install(app: FastAPI) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title}: HTTP API",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=PARAMETERS,
        )

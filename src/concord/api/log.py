"""The log over HTTP, in the C2SP tlog-tiles layout, with proofs and pages of entries.

``/log/checkpoint`` and ``/log/tile/...`` are the same files ``concord export`` writes,
built by the same code, so a tiles client (or ``concord verify --tiles`` over a mirror)
reads the live log as it reads an export.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from concord.api.deps import WorkspaceDep
from concord.api.policy import allowed
from concord.api.problems import responses
from concord.errors import NotFoundError
from concord.ledger.export import entry_bundle, hash_tile
from concord.ledger.reads import MAX_PAGE, consistency_document, entry_page, inclusion_document
from concord.ledger.tiles import TILE_WIDTH, parse_tile_index

router = APIRouter(
    prefix="/log",
    tags=["log"],
    responses=responses(400, 404),
    dependencies=[allowed("log", "read")],
)

#: tlog-tiles: full tiles never change; the checkpoint and partial tiles do.
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
TILE_TYPE = "application/octet-stream"
#: The largest index or tree size a query may name: what a database integer holds
#: (a larger number is a 400, not an overflow inside the database driver).
MAX_INDEX = 2**63 - 1


class TileResponse(Response):
    """A hash tile or entry bundle: bytes, described so in the OpenAPI document."""

    media_type = TILE_TYPE


class NoteResponse(PlainTextResponse):
    """A signed note (C2SP signed-note), UTF-8 text."""


_TILE_BYTES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the tile's bytes",
        "content": {TILE_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _tile_index(path: str) -> tuple[int, int]:
    try:
        return parse_tile_index(path)
    except ValueError as exc:
        raise NotFoundError(f"no tile at {path!r}: {exc}") from None


def _tile(data: bytes, width: int) -> Response:
    cache = IMMUTABLE if width == TILE_WIDTH else NO_CACHE
    return TileResponse(data, headers={"Cache-Control": cache})


@router.get(
    "/checkpoint",
    summary="The latest signed checkpoint (C2SP signed note)",
    response_class=NoteResponse,
)
def checkpoint(ws: WorkspaceDep) -> Response:
    return NoteResponse(ws.ledger.latest_checkpoint(), headers={"Cache-Control": NO_CACHE})


# Declared before /tile/{level}/...: "entries" is not a tile level.
@router.get(
    "/tile/entries/{path:path}",
    summary="An entry bundle (tlog-tiles)",
    response_class=TileResponse,
    responses=_TILE_BYTES,
)
def entries_tile(path: str, ws: WorkspaceDep) -> Response:
    index, width = _tile_index(path)
    return _tile(entry_bundle(ws.ledger, index, width), width)


@router.get(
    "/tile/{level}/{path:path}",
    summary="A hash tile (tlog-tiles)",
    response_class=TileResponse,
    responses=_TILE_BYTES,
)
def hash_tile_at(level: int, path: str, ws: WorkspaceDep) -> Response:
    if not 0 <= level <= 63:
        raise NotFoundError(f"no tile level {level}: levels are 0 to 63")
    index, width = _tile_index(path)
    return _tile(hash_tile(ws.ledger, level, index, width), width)


@router.get("/proof/inclusion", summary="Inclusion proof of a leaf (RFC 9162 §2.1.3)")
def inclusion(
    ws: WorkspaceDep,
    index: Annotated[int, Query(ge=0, le=MAX_INDEX, description="leaf index")],
    size: Annotated[
        int | None,
        Query(ge=1, le=MAX_INDEX, description="tree size (default: the latest checkpoint's)"),
    ] = None,
) -> dict[str, Any]:
    return inclusion_document(ws.ledger, index, size)


@router.get("/proof/consistency", summary="Consistency proof (RFC 9162 §2.1.4)")
def consistency(
    ws: WorkspaceDep,
    old: Annotated[int, Query(ge=0, le=MAX_INDEX, description="the older tree size")],
    new: Annotated[
        int | None,
        Query(ge=0, le=MAX_INDEX, description="the newer tree size (default: the latest)"),
    ] = None,
) -> dict[str, Any]:
    return consistency_document(ws.ledger, old, new)


@router.get("/entries", summary="A page of log entries, each with its envelope")
def entries(
    ws: WorkspaceDep,
    start: Annotated[int, Query(ge=0, le=MAX_INDEX)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> dict[str, Any]:
    return entry_page(ws.ledger, start, limit)

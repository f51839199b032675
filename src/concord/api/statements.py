"""``POST /statements`` and ``GET /receipts/{statement_id}``: the office's one entry path."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from concord.api import bodies
from concord.api.deps import Office, OfficeDep, WorkspaceDep
from concord.api.policy import allowed
from concord.api.problems import responses
from concord.ledger.receipts import Receipt
from concord.submission import FORMAT, load_submission, submit

router = APIRouter(tags=["statements"])

_SUBMISSION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["format", "envelope"],
                    "properties": {
                        "format": {"const": FORMAT},
                        "envelope": {"type": "object", "description": "a DSSE envelope"},
                        "tables": {
                            "type": "object",
                            "description": "SHA-256 hex of each table → base64 of its bytes",
                            "additionalProperties": {"type": "string"},
                        },
                    },
                }
            }
        },
    }
}


#: A receipt (``concord.ledger.receipts.Receipt.to_json``), for the OpenAPI document.
RECEIPT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["checkpoint", "inclusion_proof", "index", "leaf_hash", "statement_id"],
    "properties": {
        "checkpoint": {"type": "string", "description": "the signed checkpoint (C2SP note)"},
        "inclusion_proof": {"type": "array", "items": {"type": "string"}},
        "index": {"type": "integer", "minimum": 0},
        "leaf_hash": {"type": "string", "description": "base64 of the RFC 9162 leaf hash"},
        "statement_id": {"type": "string"},
    },
}


def _receipt(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": RECEIPT_SCHEMA}}}


def _take(office: Office, body: bytes) -> tuple[Receipt, bool]:
    """Submit one submission; also say whether it was appended now (not logged before)."""
    submission = load_submission(body)
    with office.append_lock:
        before = office.workspace.ledger.size()
        (receipt,) = submit(office.workspace, [submission])
    return receipt, receipt.index >= before


@router.post(
    "/statements",
    status_code=201,
    summary="Take a signed submission",
    dependencies=[allowed("statements", "submit")],
    openapi_extra=_SUBMISSION_BODY,
    responses={
        200: _receipt("already in the log: its receipt"),
        201: _receipt("appended: the receipt (index, inclusion proof, checkpoint)"),
        **responses(400, 401, 403, 408, 409, 413, 422),
    },
)
async def post_statement(request: Request, office: OfficeDep) -> JSONResponse:
    """Take a submission (``concord.submission/v1``, or a bare DSSE envelope): its tables
    are re-hashed and stored and its statement appended, or nothing is kept."""
    body = await bodies.read_body(
        request, bodies.MAX_BODY_BYTES, office.workspace.settings.body_timeout
    )
    receipt, appended = await run_in_threadpool(_take, office, body)
    return JSONResponse(
        receipt.to_json(),
        status_code=201 if appended else 200,
        headers={"Location": f"/receipts/{receipt.statement_id}"},
    )


@router.get(
    "/receipts/{statement_id}",
    summary="A logged statement's receipt",
    responses={200: _receipt("the receipt"), **responses(404)},
    dependencies=[allowed("receipts", "read")],
)
def get_receipt(statement_id: str, ws: WorkspaceDep) -> dict[str, Any]:
    """The receipt of a logged statement against the latest checkpoint."""
    return ws.ledger.receipt(statement_id).to_json()

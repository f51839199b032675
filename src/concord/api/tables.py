"""A party's submitted tables by SHA-256: its own, the office's and the arbiter's.

Who submitted a table is read from the log: the filings that name the table are looked
up in the evidence projection, and each is believed only when its log entry is a
statement that commits to the table and is signed by a key its author holds in the
identity state replayed from the log. An edited projection can hide a table from its
owner, never show it to anyone else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.api.deps import WorkspaceDep
from concord.api.policy import Grant, permit
from concord.api.problems import responses
from concord.errors import ConcordError, NotFoundError
from concord.evidence.blobs import BlobStore
from concord.evidence.models import EvidenceFiling
from concord.evidence.schemas import SHA256_HEX
from concord.identity.keys import verify_signature
from concord.ledger.statements import parse_statement
from concord.workspace import Workspace

router = APIRouter(tags=["record"])

TablesGrant = Annotated[Grant, Depends(permit("tables", "read"))]
Sha256Path = Annotated[str, Path(pattern=SHA256_HEX, description="SHA-256 hex of the table")]


def table_owners(ws: Workspace, sha256: str) -> tuple[set[str], set[str | None]]:
    """The principals that submitted the table ``sha256`` and their parties, as the
    signed log says."""
    with Session(ws.engine) as session:
        filings = session.execute(
            select(EvidenceFiling.statement_id, EvidenceFiling.log_index).where(
                EvidenceFiling.sha256 == sha256
            )
        ).all()
    identity = ws.ledger.identity
    principals: set[str] = set()
    parties: set[str | None] = set()
    for statement_id, index in filings:
        try:
            statement = parse_statement(
                ws.ledger.entry(index),
                ws.ledger.registry,
                max_entry_bytes=ws.ledger.max_entry_bytes,
            )
        except ConcordError:
            continue
        table = getattr(statement.body, "table", None)
        if statement.id != statement_id or getattr(table, "sha256", None) != sha256:
            continue
        signed = any(
            verify_signature(public, message, sig)
            for public, message, sig in identity.signing_candidates(statement)
        )
        author = identity.principals.get(statement.author)
        if signed and author is not None:
            principals.add(author.principal_id)
            parties.add(author.party)
    return principals, parties


@router.get(
    "/tables/{sha256}",
    summary="A submitted table (CSV) by its SHA-256: its submitter's party's, the office's, "
    "the arbiter's",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **responses(401, 403, 404)},
)
def table(sha256: Sha256Path, ws: WorkspaceDep, grant: TablesGrant) -> Response:
    principals, parties = table_owners(ws, sha256)
    if not principals:
        raise NotFoundError(f"table {sha256} is not found")
    grant.require_own(f"table {sha256}", principals, parties)
    data = BlobStore(ws.settings.blobs_dir).get(sha256)
    return Response(data, media_type="text/csv; charset=utf-8")

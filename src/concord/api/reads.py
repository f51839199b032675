"""Public reads of the record, as JSON (GeoJSON for claims and sites).

Every read answers from the record as logged: a date defaults to the day of the
latest record (the latest checkpoint's last entry), never to the server's clock.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from concord.api.deps import WorkspaceDep
from concord.api.policy import allowed
from concord.api.problems import responses
from concord.claims.views import claims_feature_collection
from concord.compliance.views import published_findings
from concord.disputes.service import case_documents
from concord.evidence.blobs import BlobStore
from concord.evidence.schemas import PERIOD
from concord.evidence.views import sites_feature_collection
from concord.identity.service import principals_view
from concord.reports.published import ReportFormat, published_report
from concord.treaty.views import treaty_document

router = APIRouter(tags=["record"], responses=responses(400, 404))

GEOJSON = "application/geo+json"
PeriodPath = Annotated[str, Path(pattern=PERIOD, description="e.g. 2187-Q2")]
ScopeQuery = Annotated[
    str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="a party (default: all)")
]


@router.get(
    "/treaty",
    dependencies=[allowed("treaty", "read")],
    summary="The treaty in force on a day, with its provenance",
)
def treaty(
    ws: WorkspaceDep,
    at: Annotated[date | None, Query(description="default: the day of the latest record")] = None,
    treaty_id: Annotated[str | None, Query(alias="treaty")] = None,
) -> dict[str, Any]:
    day = at or ws.ledger.latest_record().at.date()
    with Session(ws.engine) as session:
        return treaty_document(session, day, treaty_id)


@router.get(
    "/principals",
    dependencies=[allowed("principals", "read")],
    summary="The registered principals, roles and public keys",
)
def principals(ws: WorkspaceDep) -> list[dict[str, Any]]:
    return principals_view(ws.engine, ws.ledger.identity)


@router.get(
    "/claims",
    dependencies=[allowed("claims", "read")],
    summary="Every claim with its tenure status (GeoJSON, sector grid)",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def claims(ws: WorkspaceDep) -> Response:
    with Session(ws.engine) as session:
        return _geojson(claims_feature_collection(session))


@router.get(
    "/sites",
    dependencies=[allowed("sites", "read")],
    summary="The registered extraction sites (GeoJSON, sector grid)",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def sites(ws: WorkspaceDep) -> Response:
    with Session(ws.engine) as session:
        return _geojson(sites_feature_collection(session))


def _geojson(document: dict[str, Any]) -> Response:
    return Response(json.dumps(document, sort_keys=True), media_type=GEOJSON)


@router.get(
    "/findings",
    dependencies=[allowed("findings", "read")],
    summary="The findings published for a period",
)
def findings(
    ws: WorkspaceDep,
    period: Annotated[
        str | None, Query(pattern=PERIOD, description="default: the latest published")
    ] = None,
) -> dict[str, Any]:
    with Session(ws.engine) as session:
        return published_findings(session, BlobStore(ws.settings.blobs_dir), period)


@router.get(
    "/cases",
    dependencies=[allowed("cases", "read")],
    summary="Dispute cases with their first time limits",
)
def cases(ws: WorkspaceDep) -> list[dict[str, Any]]:
    with Session(ws.engine) as session:
        return case_documents(session)


def _report(ws: WorkspaceDep, period: str, scope: str | None, fmt: ReportFormat) -> bytes:
    with Session(ws.engine) as session:
        return published_report(session, ws.settings.home / "reports", period, scope, fmt)


@router.get(
    "/reports/{period}.html",
    dependencies=[allowed("reports", "read")],
    summary="A period's published report (HTML)",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, **responses(409)},
)
def report_html(ws: WorkspaceDep, period: PeriodPath, scope: ScopeQuery = None) -> Response:
    return Response(_report(ws, period, scope, "html"), media_type="text/html; charset=utf-8")


@router.get(
    "/reports/{period}.pdf",
    dependencies=[allowed("reports", "read")],
    summary="A period's published report (PDF)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **responses(409)},
)
def report_pdf(ws: WorkspaceDep, period: PeriodPath, scope: ScopeQuery = None) -> Response:
    return Response(_report(ws, period, scope, "pdf"), media_type="application/pdf")

"""A published report's bytes, only as the log committed to them.

``reports.published`` logs the SHA-256 of a report's HTML and PDF; the files are
written to the workspace's ``reports/`` folder (``<period>-<scope>.html`` and
``.pdf``). A report is handed out only when the file's bytes hash to what the latest
publication for that period and scope logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.errors import NotFoundError, VerificationError
from concord.evidence.blobs import sha256_hex
from concord.reports.models import PublishedReport

ReportFormat = Literal["html", "pdf"]
CONSOLIDATED = "consolidated"


def latest_publication(session: Session, period: str, scope: str | None) -> PublishedReport:
    """The latest ``reports.published`` of a period's report (consolidated: scope None)."""
    found = session.scalars(
        select(PublishedReport)
        .where(PublishedReport.period == period, PublishedReport.scope == (scope or ""))
        .order_by(PublishedReport.log_index.desc())
        .limit(1)
    ).first()
    if found is None:
        label = scope or CONSOLIDATED
        raise NotFoundError(f"no {label} report has been published for period {period}")
    return found


def published_report(
    session: Session, reports_dir: Path, period: str, scope: str | None, fmt: ReportFormat
) -> bytes:
    """The bytes of the latest published report, checked against the logged SHA-256."""
    publication = latest_publication(session, period, scope)
    name = f"{period}-{scope or CONSOLIDATED}.{fmt}"
    try:
        data = (reports_dir / name).read_bytes()
    except FileNotFoundError:
        raise NotFoundError(
            f"report {name} was published (log index {publication.log_index}) but its file "
            "is not at the office; render it again with `concord reports render`"
        ) from None
    expected = publication.html_sha256 if fmt == "html" else publication.pdf_sha256
    if sha256_hex(data) != expected:
        raise VerificationError(
            f"report {name} at the office is not the one published at log index "
            f"{publication.log_index}: its bytes hash to {sha256_hex(data)}, not {expected}"
        )
    return data

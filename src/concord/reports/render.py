"""Render a quarterly compliance report as self-contained HTML and as PDF.

The same :class:`ReportInput` always gives the same HTML bytes, and the same HTML the
same PDF bytes, so a party holding the log prefix can recompute a published report and
compare hashes (Article 51). The HTML carries its stylesheet and figures inline and
refers to nothing outside itself; the PDF renderer is given a fetcher that refuses
every URL except ``data:``, so a report can never reach the network while rendering.

Each HTML report carries its canonical findings document (``<script
type="application/json" id="concord-findings">``), and each PDF carries the HTML it was
rendered from as an attachment (``report.html``): either file alone is enough to audit.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import jinja2
from markupsafe import Markup
from weasyprint import HTML, Attachment
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from concord.compliance.findings import ValidTime
from concord.errors import ComplianceError
from concord.reports import views
from concord.reports.model import ReportInput
from concord.reports.schemas import ReportPublished
from concord.storage.files import write_public

#: The name of the HTML source attached to every PDF report.
SOURCE_NAME = "report.html"
#: An attachment must carry dates; a fixed one keeps the PDF independent of the clock.
_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("concord.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt field fails loudly, not blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _stylesheet() -> Markup:
    css = files("concord.reports").joinpath("templates/report.css").read_text(encoding="utf-8")
    return Markup(css)  # noqa: S704 -- our own packaged file, not user input


def audit_command(report: ReportInput) -> str:
    scope = report.scope or "consolidated"
    return f"concord audit {report.period}-{scope}.html --log EXPORT_DIR"


def report_metadata(report: ReportInput) -> dict[str, object]:
    """What an auditor needs to recompute the report, embedded in its HTML head."""
    return {
        "format": "concord-report/1",
        "period": report.period,
        "scope": report.scope,
        "checkpoint_size": report.checkpoint.size,
        "checkpoint_note": report.checkpoint.note,
        "as_of": None if report.as_of is None else report.as_of.isoformat(),
        "findings_sha256": hashlib.sha256(report.findings_document()).hexdigest(),
    }


def embedded_json(document: bytes) -> Markup:
    """A JSON document safe inside ``<script>``: ``<``, ``>`` and ``&`` escaped as JSON
    escapes, so that it parses to the same value and no text in it can end the element."""
    text = document.decode("utf-8")
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escape)
    return Markup(text)  # noqa: S704 -- canonical JSON, with every markup character escaped


def render_html(report: ReportInput) -> bytes:
    """The report as one self-contained HTML document (UTF-8)."""
    template = _environment().get_template("report.html.j2")
    html = template.render(
        report=report,
        treaty=report.treaty.treaty,
        scope_name=views.party_names(report).get(report.scope or "", ""),
        stylesheet=_stylesheet(),
        summary=views.summary_rows(report),
        violations=views.violation_views(report),
        chapters=views.chapter_views(report),
        findings_sha256=hashlib.sha256(report.findings_document()).hexdigest(),
        audit_command=audit_command(report),
        report_meta=json.dumps(report_metadata(report), sort_keys=True),
        findings_embedded=embedded_json(report.findings_document()),
        valid_time=ValidTime.of_period(report.period),
    )
    return html.encode("utf-8")


def render_pdf(html: bytes) -> bytes:
    """The PDF of a report's HTML, byte-identical for the same HTML.

    WeasyPrint writes creation and modification dates only when the HTML names them
    (``dcterms.created``/``modified``); they are cleared anyway, the attached HTML gets
    a fixed date and no file identifier is written, so nothing in the PDF depends on
    the time it was made.
    """
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    try:
        document = HTML(string=html.decode("utf-8"), url_fetcher=fetcher).render()
    except FatalURLFetchingError as exc:
        raise ComplianceError(
            "the report refers to a resource outside itself",
            details=[str(exc)],
        ) from exc
    document.metadata.created = None
    document.metadata.modified = None
    source = Attachment(
        file_obj=io.BytesIO(html),
        name=SOURCE_NAME,
        description="the HTML report this PDF was rendered from",
        created=_NO_TIME,
        modified=_NO_TIME,
        url_fetcher=fetcher,
    )
    pdf = document.write_pdf(pdf_identifier=False, attachments=[source])
    assert isinstance(pdf, bytes)
    return pdf


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """The files written for one report, and what the ``reports.published`` statement
    says about them."""

    html: Path
    pdf: Path
    publication: ReportPublished


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publication(report: ReportInput, html: bytes, pdf: bytes) -> ReportPublished:
    """The body of the office statement that publishes this report."""
    return ReportPublished(
        period=report.period,
        scope=report.scope,
        checkpoint_size=report.checkpoint.size,
        checkpoint_root=report.checkpoint.root_hex,
        findings_sha256=sha256_hex(report.findings_document()),
        html_sha256=sha256_hex(html),
        pdf_sha256=sha256_hex(pdf),
    )


def write_report(report: ReportInput, out_dir: Path) -> ReportFiles:
    """Write ``<period>-<scope or consolidated>.html`` and ``.pdf`` into ``out_dir``."""
    html = render_html(report)
    pdf = render_pdf(html)
    stem = f"{report.period}-{report.scope_label}"
    try:
        html_path = out_dir / f"{stem}.html"
        pdf_path = out_dir / f"{stem}.pdf"
        write_public(html_path, html)
        write_public(pdf_path, pdf)
    except OSError as exc:
        raise ComplianceError(f"cannot write the report into {out_dir}: {exc}") from exc
    return ReportFiles(html_path, pdf_path, publication(report, html, pdf))

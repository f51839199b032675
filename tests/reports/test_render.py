"""Rendering reports: self-contained HTML, reproducible PDF, pages inside their margins."""

from __future__ import annotations

import hashlib
import logging
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from markupsafe import escape

from concord.errors import ComplianceError
from concord.reports.model import ReportInput
from concord.reports.render import render_html, render_pdf, write_report
from reports.factories import findings, report_input

DPI = 72  # one pixel per point: 3 mm is 8.5 px
BAND_MM = 3
# Okabe & Ito orange of the "declared" bars: only the reconciliation chart draws it.
DECLARED_RGB = (0xE6, 0x9F, 0x00)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # Data blocks (the findings the report carries) are not scripts: nothing runs.
        self.scripts += tag == "script" and ("type", "application/json") not in attrs
        self.urls += [v or "" for k, v in attrs if k in {"src", "href"}]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


#: What WeasyPrint logged at WARNING or above (CSS it ignored, resources it could not load)
#: while the module's reports were rendered.
WEASYPRINT_WARNINGS = _Records()


def _rendered(scope: str | None) -> tuple[ReportInput, bytes, bytes]:
    report = report_input(scope)
    html = render_html(report)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(WEASYPRINT_WARNINGS)
    try:
        return report, html, render_pdf(html)
    finally:
        logger.removeHandler(WEASYPRINT_WARNINGS)


@pytest.fixture(scope="module")
def consolidated() -> tuple[ReportInput, bytes, bytes]:
    return _rendered(None)


@pytest.fixture(scope="module")
def signatory() -> tuple[ReportInput, bytes, bytes]:
    return _rendered("PA")


def _text(html: bytes) -> str:
    return html.decode("utf-8")


def test_html_is_self_contained(consolidated: tuple[ReportInput, bytes, bytes]) -> None:
    links = _Links()
    links.feed(_text(consolidated[1]))
    assert links.scripts == 0
    assert links.urls
    assert all(u.startswith(("#", "data:image/svg+xml;base64,")) for u in links.urls)
    assert "http://" not in _text(consolidated[1]).replace("http://www.w3.org", "")
    assert "https://" not in _text(consolidated[1])
    assert "@import" not in _text(consolidated[1])


def test_html_shows_chapters_violations_evidence_and_proofs(
    consolidated: tuple[ReportInput, bytes, bytes],
) -> None:
    report, html, _ = consolidated
    text = _text(html)
    for title in [
        "General Undertakings and Definitions",  # R15 cites P1 first
        "Claims and Boundaries",
        "Partition of Sector Seven-Beta",
        "Extraction and its Independent Verification",
        "Docking and Fees",
        "Third Parties",
        "Mutual Verification and Inspections",
        "Reporting and Compliance",
    ]:
        assert title in text
    assert "Settlement of Disputes</h1>" not in text  # no requirement cites Chapter VII
    assert "Final Clauses" not in text
    violations = [f for f in report.findings if f.status == "violation"]
    assert len(violations) == 3
    for finding in violations:
        assert str(escape(finding.explanation)) in text
        for index in finding.evidence:
            ref = report.evidence_refs[index]
            assert f'<td class="num">{index}</td>' in text
            assert ref.statement_id in text
            assert ref.leaf_hash in text
            assert all(h in text for h in ref.inclusion_proof)
    assert report.checkpoint.note.splitlines()[-1] in text
    assert report.checkpoint.verifier_key in text
    assert "concord audit 2187-Q2-consolidated.html --log EXPORT_DIR" in text
    assert text.count("<figure>") == 4  # reconciliation, CUSUM, fees, one claims map


def test_charts_sit_beside_the_requirements_they_illustrate(
    consolidated: tuple[ReportInput, bytes, bytes],
) -> None:
    text = _text(consolidated[1])
    figures = [
        text.index(caption) for caption in ("±2σ", "CUSUM paths", "Annex II (black", "Claims map")
    ]
    assert text.index('id="req-R7"') < figures[0] < figures[1] < text.index('id="req-R8"')
    assert text.index('id="req-R12"') < figures[2] < text.index('id="req-R13"')
    assert text.index('id="req-R14"') < figures[3]


def test_per_signatory_report_shows_only_that_party(
    signatory: tuple[ReportInput, bytes, bytes],
) -> None:
    text = _text(signatory[1])
    assert "Report on Pacific Alliance (PA)" in text
    for finding in findings():
        shown = str(escape(finding.explanation)) in text
        assert shown == (finding.party == "PA"), finding.explanation
    assert "declaration-2187-Q2-0030" in text
    assert "declaration-2187-Q2-0014" not in text  # MI's evidence
    assert "(the findings of PA only)" in text


def test_the_pdf_carries_no_dates(consolidated: tuple[ReportInput, bytes, bytes]) -> None:
    pdf = consolidated[2]
    assert pdf.startswith(b"%PDF-")
    # The document has no dates; its one attachment (the HTML it was rendered from) must
    # have some, and gets a fixed one: nothing depends on when the PDF was made.
    import re

    dates = re.findall(rb"/(?:CreationDate|ModDate) \(D:([0-9]+)Z\)", pdf)
    assert dates == [b"19700101000000"] * 2
    assert pdf.count(b"/CreationDate") == 1


def test_rendering_logs_no_warning(
    consolidated: tuple[ReportInput, bytes, bytes], signatory: tuple[ReportInput, bytes, bytes]
) -> None:
    assert WEASYPRINT_WARNINGS.messages == []


def _pages(pdf: bytes) -> list[np.ndarray]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            np.asarray(page.render(scale=DPI / 72).to_pil().convert("RGB")) for page in document
        ]
    finally:
        document.close()


@pytest.mark.parametrize("which", ["consolidated", "signatory"])
def test_every_page_stays_inside_its_margins_and_charts_are_drawn(
    which: str, request: pytest.FixtureRequest
) -> None:
    _, _, pdf = request.getfixturevalue(which)
    pages = _pages(pdf)
    assert len(pages) >= 5
    band = round(BAND_MM / 25.4 * DPI)
    for number, pixels in enumerate(pages, start=1):
        height, width, _ = pixels.shape
        assert abs(width - 595.3) < 1  # A4 in points
        assert abs(height - 841.9) < 1
        inner = np.zeros((height, width), dtype=bool)
        inner[band : height - band, band : width - band] = True
        ink = (pixels < 245).any(axis=2)
        assert not (ink & ~inner).any(), f"page {number} prints into the outer {BAND_MM} mm"
    orange = [(np.abs(p.astype(int) - DECLARED_RGB).sum(axis=2) < 30).sum() for p in pages]
    assert max(orange) > 200  # the declared-tonnes bars of the reconciliation chart


def test_same_input_gives_the_same_files_named_by_period_and_scope(
    signatory: tuple[ReportInput, bytes, bytes], tmp_path: Path
) -> None:
    report, html, pdf = signatory
    files = write_report(report_input("PA"), tmp_path / "out")
    assert files.html.name == "2187-Q2-PA.html"
    assert files.pdf.name == "2187-Q2-PA.pdf"
    # Rendered afresh from an equal input: byte-identical HTML and PDF.
    assert files.html.read_bytes() == html
    assert files.pdf.read_bytes() == pdf
    body = files.publication
    assert body.html_sha256 == hashlib.sha256(html).hexdigest()
    assert body.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert body.findings_sha256 == hashlib.sha256(report.findings_document()).hexdigest()
    assert body.scope == "PA"
    assert body.checkpoint_root == report.checkpoint.root_hex
    assert report.scoped(None).scope_label == "consolidated"


def test_pdf_refuses_anything_outside_the_document() -> None:
    html = b'<html><body><img src="https://example.invalid/logo.png"></body></html>'
    with pytest.raises(ComplianceError, match="outside itself"):
        render_pdf(html)


@pytest.mark.parametrize("which", ["consolidated", "signatory"])
def test_no_page_is_left_nearly_blank(which: str, request: pytest.FixtureRequest) -> None:
    # Between the title page and the last page, every page is filled at least half-way
    # down (a forced break after a few lines left pages nearly blank).
    _, _, pdf = request.getfixturevalue(which)
    pages = _pages(pdf)
    margin = round(20 / 25.4 * DPI)  # the running header and the page number
    for number, pixels in enumerate(pages[1:-1], start=2):
        height = pixels.shape[0]
        ink = (pixels[margin : height - margin] < 245).any(axis=(1, 2))
        lowest = (np.flatnonzero(ink).max() + margin) if ink.any() else 0
        assert lowest / height > 0.5, f"page {number} of {len(pages)} ends at {lowest / height:.0%}"


def test_compliant_findings_are_summarised_not_listed(
    consolidated: tuple[ReportInput, bytes, bytes],
) -> None:
    report, html, _ = consolidated
    text = _text(html)
    compliant = [f for f in report.findings if f.status == "compliant"]
    assert compliant
    assert 'class="finding compliant"' not in text  # no row of dashes per compliant finding
    assert text.count('<p class="compliant-summary">') == len({f.requirement for f in compliant})
    listed = [f for f in report.findings if f.status != "compliant"]
    assert text.count('<tbody class="finding ') == len(listed)


def test_each_finding_shown_names_its_valid_time_and_its_record_time(
    consolidated: tuple[ReportInput, bytes, bytes],
) -> None:
    import json
    import re

    report, html, _ = consolidated
    text = html.decode()
    line = "valid 2187-04-01 – 2187-06-30 · record: checkpoint 37"
    shown = [f for f in report.findings if f.status != "compliant"]
    assert text.count(line) == len(shown)
    embedded = re.search(r'id="concord-findings">(.*?)</script>', text, re.S)
    assert embedded is not None
    document = json.loads(embedded.group(1))
    root = report.checkpoint.root_hex
    for finding in document["findings"]:
        assert finding["valid_time"] == {"from": "2187-04-01", "to": "2187-06-30"}
        assert finding["record_time"] == {"checkpoint_size": 37, "checkpoint_root": root}

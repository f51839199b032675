"""``concord audit``: recompute a published report from a tiles export.

An auditor holds a report, as HTML or as PDF (the HTML names the period, the scope, the
checkpoint and the SHA-256 of its findings, and carries the findings themselves; the PDF
carries the HTML it was rendered from), and a tiles export of the log. The audit
verifies the export with the office's key, replays the log up to the report's checkpoint
into a private workspace, evaluates the period there, renders the report again, and
compares: the findings must match byte for byte, and so must the report itself. On a
mismatch it names the first finding that differs.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from concord.compliance.engine import evaluate
from concord.config import Settings, sqlite_url
from concord.cycle.inputs import report_input
from concord.errors import VerificationError
from concord.evidence.analytics import open_analytics
from concord.identity.canonical import canonical_json
from concord.ledger.export import verify_tiles
from concord.ledger.notes import NoteVerifier, open_checkpoint
from concord.ledger.tiles import TileReader
from concord.registry import default_registry
from concord.reports.render import SOURCE_NAME, render_html, render_pdf
from concord.workspace import replica_workspace

_META = re.compile(r'<meta name="concord-report" content="([^"]*)">')
_FINDINGS = re.compile(r'<script type="application/json" id="concord-findings">([^<]*)</script>')
#: The fields that tell one finding from another, in the order they are named.
_KEY = ("requirement", "party", "subject", "period")


@dataclass(frozen=True, slots=True)
class AuditResult:
    """What the audit recomputed and whether it matches the report."""

    period: str
    scope: str | None
    checkpoint_size: int
    findings_sha256: str
    recomputed_sha256: str
    report_matches: bool
    #: "html" or "pdf": the file audited.
    kind: str = "html"
    #: The first finding that differs between the report and the recomputation.
    difference: str | None = None

    @property
    def matches(self) -> bool:
        return self.findings_sha256 == self.recomputed_sha256 and self.report_matches


def report_metadata(report: bytes) -> dict[str, Any]:
    """The machine-readable block a Concord report carries in its head."""
    found = _META.search(report.decode("utf-8", errors="replace"))
    if found is None:
        raise VerificationError("not a Concord report: no concord-report metadata in its head")
    try:
        meta: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    except json.JSONDecodeError as exc:
        raise VerificationError(f"report metadata is not JSON: {exc}") from exc
    if meta.get("format") != "concord-report/1":
        raise VerificationError(f"unknown report format {meta.get('format')!r}")
    return meta


def report_html(data: bytes, name: str = "report") -> bytes:
    """The HTML of a report file: the file itself, or the HTML a PDF report carries."""
    if not data.startswith(b"%PDF-"):
        return data
    import pypdfium2  # only an audit of a PDF needs a PDF reader

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise VerificationError(f"{name}: not a readable PDF: {exc}") from None
    try:
        for i in range(pdf.count_attachments()):
            attachment = pdf.get_attachment(i)
            if attachment.get_name() == SOURCE_NAME:
                return bytes(attachment.get_data())
    finally:
        pdf.close()
    raise VerificationError(f"{name}: a PDF without the report's HTML ({SOURCE_NAME}) attached")


def report_findings(report: bytes, meta: dict[str, Any]) -> dict[str, Any] | None:
    """The findings document a report carries (None for a report without one), checked
    against the SHA-256 its metadata names."""
    found = _FINDINGS.search(report.decode("utf-8", errors="replace"))
    if found is None:
        return None
    try:
        document: dict[str, Any] = json.loads(found.group(1))
    except json.JSONDecodeError as exc:
        raise VerificationError(f"the report's findings are not JSON: {exc}") from None
    if hashlib.sha256(canonical_json(document)).hexdigest() != meta.get("findings_sha256"):
        raise VerificationError(
            "the findings the report shows do not hash to the SHA-256 it names: "
            "the report was altered after it was rendered"
        )
    return document


def _named(finding: dict[str, Any]) -> str:
    return " · ".join(str(finding.get(k)) for k in _KEY if finding.get(k))


def first_difference(published: dict[str, Any] | None, recomputed: dict[str, Any]) -> str | None:
    """The first finding that differs, in canonical order, in words; None if none does."""
    if published is None:
        return None
    ours: list[dict[str, Any]] = list(published.get("findings", []))
    theirs: list[dict[str, Any]] = list(recomputed.get("findings", []))
    for n, (a, b) in enumerate(zip(ours, theirs, strict=False), start=1):
        if a != b:
            if tuple(a.get(k) for k in _KEY) != tuple(b.get(k) for k in _KEY):
                return f"finding {n}: the report has {_named(a)}, the recomputation {_named(b)}"
            fields = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
            changes = "; ".join(
                f"{k} {json.dumps(a.get(k))} in the report, {json.dumps(b.get(k))} recomputed"
                for k in fields
            )
            return f"finding {n} ({_named(a)}): {changes}"
    if len(ours) != len(theirs):
        longer, side = (ours, "the report") if len(ours) > len(theirs) else (theirs, "recomputed")
        extra = longer[min(len(ours), len(theirs))]
        return (
            f"the report has {len(ours)} findings, the recomputation {len(theirs)}; "
            f"finding {min(len(ours), len(theirs)) + 1} ({_named(extra)}) is only {side}"
        )
    return None


def audit_report(report_path: Path, export_dir: Path, verifier: NoteVerifier) -> AuditResult:
    """Recompute ``report_path`` (HTML or PDF) from the tiles export in ``export_dir``."""
    raw = report_path.read_bytes()
    kind = "pdf" if raw.startswith(b"%PDF-") else "html"
    report = report_html(raw, report_path.name)
    meta = report_metadata(report)
    published = report_findings(report, meta)
    size = int(meta["checkpoint_size"])
    registry = default_registry()
    exported = verify_tiles(export_dir, verifier, registry)
    if size > exported.size:
        raise VerificationError(
            f"the report's checkpoint (size {size}) is beyond the export (size {exported.size})"
        )
    checkpoint = open_checkpoint(str(meta["checkpoint_note"]), verifier)
    if checkpoint.size != size:
        raise VerificationError("the report's signed checkpoint is not of the size it names")
    with tempfile.TemporaryDirectory(prefix="concord-audit-") as tmp:
        home = Path(tmp)
        if (export_dir / "blobs").exists():
            shutil.copytree(export_dir / "blobs", home / "blobs")
        settings = Settings(home=home, database_url=sqlite_url(home), log_origin=checkpoint.origin)
        ws = replica_workspace(settings)
        try:
            entries = list(TileReader(export_dir).entries(size))
            for start in range(0, size, 4096):
                ws.ledger.submit_many(entries[start : start + 4096])
            if ws.ledger.root(size) != checkpoint.root:
                raise VerificationError("the replayed log does not have the report's root")
            named = meta.get("as_of")
            day = date.fromisoformat(str(named)) if named else None
            evaluation = evaluate(ws, str(meta["period"]), as_of=day)
            with open_analytics(ws, size) as con:
                consolidated = report_input(
                    ws,
                    evaluation,
                    con,
                    note=str(meta["checkpoint_note"]),
                    verifier_key=verifier.vkey(),
                )
            scoped = consolidated.scoped(meta["scope"])
            document = scoped.findings_document()
            recomputed = hashlib.sha256(document).hexdigest()
            again = render_html(scoped)
        finally:
            ws.close()
    same = again == report and (kind == "html" or render_pdf(again) == raw)
    return AuditResult(
        period=str(meta["period"]),
        scope=meta["scope"],
        checkpoint_size=size,
        findings_sha256=str(meta["findings_sha256"]),
        recomputed_sha256=recomputed,
        report_matches=same,
        kind=kind,
        difference=first_difference(published, json.loads(document)),
    )

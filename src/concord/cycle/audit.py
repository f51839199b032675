"""``concord audit``: recompute a published report from a tiles export.

An auditor holds a report (its HTML names the period, the scope, the checkpoint and the
SHA-256 of its findings) and a tiles export of the log. The audit verifies the export
with the office's key, replays the log up to the report's checkpoint into a private
workspace, evaluates the period there, renders the report again, and compares: the
findings must match byte for byte, and so must the report itself.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from concord.compliance.engine import evaluate
from concord.config import Settings, sqlite_url
from concord.cycle.inputs import report_input
from concord.errors import VerificationError
from concord.evidence.analytics import refresh_analytics
from concord.ledger.export import verify_tiles
from concord.ledger.notes import NoteVerifier, open_checkpoint
from concord.ledger.tiles import TileReader
from concord.registry import default_registry
from concord.reports.render import render_html
from concord.workspace import replica_workspace

_META = re.compile(r'<meta name="concord-report" content="([^"]*)">')


@dataclass(frozen=True, slots=True)
class AuditResult:
    """What the audit recomputed and whether it matches the report."""

    period: str
    scope: str | None
    checkpoint_size: int
    findings_sha256: str
    recomputed_sha256: str
    report_matches: bool

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


def audit_report(report_path: Path, export_dir: Path, verifier: NoteVerifier) -> AuditResult:
    """Recompute ``report_path`` from the tiles export in ``export_dir``."""
    report = report_path.read_bytes()
    meta = report_metadata(report)
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
            evaluation = evaluate(ws, str(meta["period"]))
            refresh_analytics(ws, size)
            with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
                consolidated = report_input(
                    ws,
                    evaluation,
                    con,
                    note=str(meta["checkpoint_note"]),
                    verifier_key=verifier.vkey(),
                )
            scoped = consolidated.scoped(meta["scope"])
            recomputed = hashlib.sha256(scoped.findings_document()).hexdigest()
            again = render_html(scoped)
        finally:
            ws.close()
    return AuditResult(
        period=str(meta["period"]),
        scope=meta["scope"],
        checkpoint_size=size,
        findings_sha256=str(meta["findings_sha256"]),
        recomputed_sha256=recomputed,
        report_matches=again == report,
    )

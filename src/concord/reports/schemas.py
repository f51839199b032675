"""Statement bodies of the reports domain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from concord.evidence.schemas import PERIOD, SHA256_HEX
from concord.inputs import MAX_SAFE_INT, Identifier

REPORT_PUBLISHED = "reports.published"


class ReportPublished(BaseModel):
    """The office publishes a compliance report for a period (Article 53).

    The report names the checkpoint it was computed at (root in hex, as in
    ``compliance.findings_published``) and commits to the canonical findings JSON it
    shows and to the exact HTML and PDF bytes, so anyone who recomputes the report from
    that log prefix can compare hashes. ``scope`` is the party of a per-signatory
    report, or null for the consolidated report.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    period: str = Field(pattern=PERIOD)
    scope: Identifier | None = None
    checkpoint_size: int = Field(ge=1, le=MAX_SAFE_INT)
    checkpoint_root: str = Field(pattern=SHA256_HEX)
    findings_sha256: str = Field(pattern=SHA256_HEX)
    html_sha256: str = Field(pattern=SHA256_HEX)
    pdf_sha256: str = Field(pattern=SHA256_HEX)

    @property
    def report_id(self) -> str:
        """``2187-Q2/PA@1234``: one report per period, scope and checkpoint."""
        return f"{self.period}/{self.scope or 'consolidated'}@{self.checkpoint_size}"

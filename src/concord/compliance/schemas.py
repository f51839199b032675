"""Statement bodies of the compliance domain."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from concord.evidence.schemas import PERIOD, SHA256_HEX
from concord.inputs import MAX_SAFE_INT, Count, Identifier

FINDINGS_PUBLISHED = "compliance.findings_published"


class FindingsRef(BaseModel):
    """The findings document (canonical JSON) in the blob store."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    sha256: str = Field(pattern=SHA256_HEX)
    bytes: Count


class FindingsPublished(BaseModel):
    """The office publishes its findings for a period, computed at a checkpoint (Art. 53).

    It names both times of the findings: their valid time (the period's first and last
    days) and their record time (the checkpoint's size and root).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    period: str = Field(pattern=PERIOD)
    valid_from: date | None = Field(default=None, description="the period's first day (valid time)")
    valid_to: date | None = Field(default=None, description="the period's last day (valid time)")
    checkpoint_size: int = Field(
        ge=1, le=MAX_SAFE_INT, description="the log size evaluated (record time)"
    )
    checkpoint_root: str = Field(
        pattern=SHA256_HEX, description="the log's root at that size (record time)"
    )
    findings: FindingsRef
    counts: dict[Identifier, Count] = Field(max_length=100)

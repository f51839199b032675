"""Statement bodies of the compliance domain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from concord.evidence.schemas import PERIOD, SHA256_HEX

FINDINGS_PUBLISHED = "compliance.findings_published"


class FindingsRef(BaseModel):
    """The findings document (canonical JSON) in the blob store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: str = Field(pattern=SHA256_HEX)
    bytes: int = Field(ge=0)


class FindingsPublished(BaseModel):
    """The office publishes its findings for a period, computed at a checkpoint (Art. 53)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: str = Field(pattern=PERIOD)
    checkpoint_size: int = Field(ge=1)
    checkpoint_root: str = Field(pattern=SHA256_HEX)
    findings: FindingsRef
    counts: dict[str, int]

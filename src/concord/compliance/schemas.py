"""Statement bodies of the compliance domain."""

from __future__ import annotations

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
    """The office publishes its findings for a period, computed at a checkpoint (Art. 53)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    period: str = Field(pattern=PERIOD)
    checkpoint_size: int = Field(ge=1, le=MAX_SAFE_INT)
    checkpoint_root: str = Field(pattern=SHA256_HEX)
    findings: FindingsRef
    counts: dict[Identifier, Count] = Field(max_length=100)

"""Statement bodies of the disputes domain."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

IDENT = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"
CASE_OPENED = "disputes.case_opened"


class CaseOpened(BaseModel):
    """The office opens a case: for a violation found, or for contested claims.

    ``received`` is the day the request (or the office's own referral) was received;
    every time limit of the treaty's dispute procedure runs from the day after it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str = Field(pattern=IDENT)
    kind: Literal["violation", "contested_claim"]
    parties: list[str] = Field(min_length=1)
    received: dt.date
    summary: str = Field(min_length=1, max_length=4000)
    provisions: list[str] = Field(default_factory=list)
    requirement: str | None = None
    period: str | None = None
    subject: str = ""
    claims: list[str] = Field(default_factory=list)
    findings_statement: str | None = Field(
        default=None, description="id of the findings statement the violation comes from"
    )

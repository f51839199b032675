"""Statement bodies of the disputes domain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from concord.inputs import LINE, PROSE, Identifier, RecordId

_Reference = Annotated[str, StringConstraints(min_length=1, max_length=200), LINE]
CASE_OPENED = "disputes.case_opened"


class CaseOpened(BaseModel):
    """The office opens a case: for a violation found, or for contested claims.

    ``received`` is the day the request (or the office's own referral) was received;
    every time limit of the treaty's dispute procedure runs from the day after it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    case_id: RecordId
    kind: Literal["violation", "contested_claim"]
    parties: list[Identifier] = Field(min_length=1, max_length=100)
    received: dt.date
    summary: Annotated[str, StringConstraints(min_length=1, max_length=4000), PROSE]
    provisions: list[_Reference] = Field(default_factory=list, max_length=100)
    requirement: Identifier | None = None
    period: Identifier | None = None
    subject: Annotated[str, StringConstraints(max_length=200), LINE] = ""
    claims: list[Identifier] = Field(default_factory=list, max_length=100)
    findings_statement: RecordId | None = Field(
        default=None, description="id of the findings statement the violation comes from"
    )

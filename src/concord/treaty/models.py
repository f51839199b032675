"""The treaty format: Pydantic models of a treaty file and of an amendment file.

A treaty file is YAML that validates against :class:`Treaty` (published as JSON Schema in
``schema/treaty.schema.json``); cross-references (citations, party ids, precedence) are
checked by :mod:`concord.treaty.validation`. See ``docs/treaty-format.md``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from concord.treaty.fees import FeeSchedule, FeeScheduleVersion, Rate
from concord.treaty.geography import MapFrame, Point, Sector
from concord.treaty.priority import ClaimPriority, ContestedPair, Precedence, PriorityRule
from concord.treaty.procedure import DisputeProcedure, Stage
from concord.treaty.requirements import Requirement
from concord.treaty.types import Date, Effective, Identifier, PeriodKind, Strict, Text

TREATY_FORMAT = "concord-treaty/1"
AMENDMENT_FORMAT = "concord-amendment/1"

__all__ = [
    "AMENDMENT_FORMAT",
    "TREATY_FORMAT",
    "Amendment",
    "Change",
    "Chapter",
    "ClaimPriority",
    "ContestedPair",
    "DisputeProcedure",
    "DockingRefusalReason",
    "FeeSchedule",
    "FeeScheduleVersion",
    "MapFrame",
    "Party",
    "Point",
    "Precedence",
    "PriorityRule",
    "Provision",
    "Rate",
    "ReportingCalendar",
    "Requirement",
    "Sector",
    "Stage",
    "Treaty",
    "TreatyDates",
]


class TreatyDates(Strict):
    signed: Date
    ratified: Date
    entry_into_force: Date


class Party(Strict):
    """A signatory, a third party bound by the treaty, or the monitoring office."""

    id: Identifier
    name: Text
    kind: Literal["signatory", "third_party", "office"]
    signed: Date | None = None
    ratified: Date | None = None
    bound_from: Date | None = Field(default=None, description="default: entry into force")
    bound_to: Date | None = None


class Chapter(Strict):
    id: Identifier
    number: int = Field(ge=1, le=100_000)
    title: Text


class Provision(Effective):
    """One article of the treaty, cited by requirements and rules by its ``id``."""

    id: Identifier = Field(pattern=r"^P[1-9][0-9]*$")
    article: int = Field(ge=1, le=100_000)
    chapter: Identifier
    title: Text
    text: Text


class ReportingCalendar(Strict):
    """How reporting periods are cut and when reports fall due."""

    period: PeriodKind = "quarterly"
    first_period: Text = Field(description='e.g. "2187-Q2"')
    due_days_after_period_end: int = Field(ge=0, le=366)


class DockingRefusalReason(Strict):
    """One coded reason for which the office may refuse a docking request.

    The office's decision names the code (``reason_code``) and may add free text beside
    it; whether a refusal was for safety is read from ``safety`` here, never from text.
    """

    code: Identifier
    title: Text
    safety: bool = Field(description="whether a refusal for this reason is one for safety")
    cites: list[Identifier] = Field(default_factory=list)


class Treaty(Strict):
    format: Literal["concord-treaty/1"]
    id: Identifier
    title: Text
    dates: TreatyDates
    parties: list[Party] = Field(min_length=1)
    chapters: list[Chapter] = Field(min_length=1)
    provisions: list[Provision] = Field(min_length=1)
    map: MapFrame = Field(default_factory=MapFrame)
    sectors: list[Sector] = Field(default_factory=list)
    calendar: ReportingCalendar
    requirements: list[Requirement] = Field(default_factory=list)
    fee_schedules: list[FeeSchedule] = Field(default_factory=list)
    docking_refusal_reasons: list[DockingRefusalReason] = Field(
        default_factory=list,
        description="the closed list of coded reasons a docking refusal may give",
    )
    claim_priority: ClaimPriority = Field(default_factory=ClaimPriority)
    dispute_procedure: DisputeProcedure | None = None
    witness_quorum: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="how many of the parties' witnesses must cosign a checkpoint before "
        "a verifier accepts it (none: no cosignatures are required)",
    )


class Change(Strict):
    """One change: ``set`` a value, ``add`` an item to a list, or ``remove`` an item.

    ``path`` addresses list items by id where they have one:
    ``requirements[R5].params.materiality.percent``, ``provisions[P29].text``,
    ``fee_schedules[docking].versions``.
    """

    path: Text
    op: Literal["set", "add", "remove"] = "set"
    value: Any = None


class Amendment(Strict):
    format: Literal["concord-amendment/1"]
    id: Identifier
    treaty: Identifier
    title: Text
    adopted: Date
    effective_date: Date
    cites: list[Identifier] = Field(default_factory=list)
    changes: list[Change] = Field(min_length=1)

"""Claim priority rules: which of two overlapping claims prevails, and whether one lapses.

Rules are dated and cite their articles. Precedence between rules is stated explicitly as
``(higher, lower)`` pairs; the order of the list means nothing. Two rules that can decide
the same question, in the same sector, on the same day, with no precedence between them
are an error — unless the treaty marks the pair ``contested``, in which case the claims
registry opens a case instead of deciding (rules-as-code practice: Catala exceptions must
be explicit).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from concord.treaty.types import Effective, Identifier, Strict, Text

if TYPE_CHECKING:
    from concord.treaty.models import TreatyDates

#: The questions each rule kind can decide. ``priority``: which overlapping claim prevails;
#: ``standing``: whether a claim is (still) recognised at all.
DECIDES: dict[str, frozenset[str]] = {
    "grandfathered": frozenset({"priority", "standing"}),
    "first_filed": frozenset({"priority"}),
    "operational_presence": frozenset({"priority"}),
    "activity_lapse": frozenset({"standing"}),
}


class GrandfatheredParams(Strict):
    """Claims registered before the cutoff (a treaty date) prevail and keep standing."""

    cutoff: Literal["signed", "ratified", "entry_into_force"] = "ratified"

    def cutoff_date(self, dates: TreatyDates) -> date:
        """The treaty date that ``cutoff`` names (Art. 1: ratification, by default)."""
        named = {"signed": dates.signed, "ratified": dates.ratified}
        return named.get(self.cutoff, dates.entry_into_force)


class FirstFiledParams(Strict):
    """The claim filed earliest (by registration time in the record) prevails."""


class OperationalPresenceParams(Strict):
    """The claimant with continuous operations on the site for the minimum time prevails."""

    min_presence_days: int = Field(ge=1)
    evidence: Identifier = "activity_report"


class ActivityLapseParams(Strict):
    """A claim whose activity report is not filed ``due_days`` after its period lapses."""

    due_days: int = Field(ge=0)
    requirement: Identifier | None = Field(
        default=None, description="the report_due requirement for activity reports"
    )


class RuleBase(Effective):
    id: Identifier
    title: Text
    cites: list[Identifier] = Field(min_length=1)
    sectors: list[Identifier] = Field(default_factory=list, description="empty: every sector")


class Grandfathered(RuleBase):
    kind: Literal["grandfathered"]
    params: GrandfatheredParams = Field(default_factory=GrandfatheredParams)


class FirstFiled(RuleBase):
    kind: Literal["first_filed"]
    params: FirstFiledParams = Field(default_factory=FirstFiledParams)


class OperationalPresence(RuleBase):
    kind: Literal["operational_presence"]
    params: OperationalPresenceParams


class ActivityLapse(RuleBase):
    kind: Literal["activity_lapse"]
    params: ActivityLapseParams


PriorityRule = Annotated[
    Grandfathered | FirstFiled | OperationalPresence | ActivityLapse,
    Field(discriminator="kind"),
]


class Precedence(Strict):
    """Where both rules apply, ``higher`` prevails over ``lower``."""

    higher: Identifier
    lower: Identifier
    cites: list[Identifier] = Field(default_factory=list)


class ContestedPair(Strict):
    """Two rules the parties did not rank: a conflict between them opens a case."""

    rules: list[Identifier] = Field(min_length=2, max_length=2)
    cites: list[Identifier] = Field(default_factory=list)
    note: str = ""


class ClaimPriority(Strict):
    rules: list[PriorityRule] = Field(default_factory=list)
    precedence: list[Precedence] = Field(default_factory=list)
    contested: list[ContestedPair] = Field(default_factory=list)

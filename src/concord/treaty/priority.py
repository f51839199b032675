"""Claim priority rules: which of two overlapping claims prevails, and whether one lapses.

Rules are dated and cite their articles. Precedence between rules is stated explicitly as
``(higher, lower)`` pairs; the order of the list means nothing. Two rules that can decide
the same question, in the same sector, on the same day, with no precedence between them
are an error — unless the treaty marks the pair ``contested``, in which case the claims
registry opens a case instead of deciding (rules-as-code practice: Catala exceptions must
be explicit).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from concord.treaty.types import MAX_DAYS, Date, Effective, Identifier, Strict, Text

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


#: A day named by the treaty's dates, or a calendar date.
TreatyDateName = Literal["signed", "ratified", "entry_into_force"]
DateRef = TreatyDateName | Date


def resolve_date(ref: TreatyDateName | date, dates: TreatyDates) -> date:
    """The calendar day ``ref`` stands for."""
    if isinstance(ref, date):
        return ref
    named = {"signed": dates.signed, "ratified": dates.ratified}
    return named.get(ref, dates.entry_into_force)


class Window(Strict):
    """A dated window of days, bounded by treaty dates or calendar dates.

    * ``before: ratified`` — every day before ratification;
    * ``from: entry_into_force, within_days: 90`` — from entry into force to ninety days
      after it, both included (periods are counted from the day after, UNCITRAL art. 2(6),
      so the ninetieth day is the last);
    * ``from: 2187-04-01, to: 2187-06-30`` — between two days, both included.

    ``from`` alone is open-ended; ``before`` and ``to`` are alternatives for the end.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: DateRef | None = Field(default=None, alias="from", description="first day")
    to: DateRef | None = Field(default=None, description="last day (included)")
    before: DateRef | None = Field(default=None, description="the day after the last")
    within_days: int | None = Field(
        default=None, ge=0, le=MAX_DAYS, description="the last day is this many days after `from`"
    )

    @model_validator(mode="after")
    def _one_end(self) -> Window:
        ends = [name for name in ("to", "before", "within_days") if getattr(self, name) is not None]
        if len(ends) > 1:
            raise ValueError(f"a window has one end: give only one of {', '.join(ends)}")
        if self.within_days is not None and self.start is None:
            raise ValueError("within_days counts from a day: give `from` too")
        if self.start is None and not ends:
            raise ValueError("a window needs `from`, `to`, `before` or `within_days`")
        return self

    def bounds(self, dates: TreatyDates) -> tuple[date | None, date | None]:
        """``(first day, day after the last)``; None where the window is open."""
        first = resolve_date(self.start, dates) if self.start is not None else None
        end: date | None = None
        if self.before is not None:
            end = resolve_date(self.before, dates)
        elif self.to is not None:
            end = resolve_date(self.to, dates) + timedelta(days=1)
        elif self.within_days is not None and first is not None:
            end = first + timedelta(days=self.within_days + 1)
        return first, end


class GrandfatheredParams(Strict):
    """Claims registered (with a Party) in the ``registered`` window, and entered in the
    Claims Registry in the ``entered`` window if one is given, prevail and keep standing.

    ``cutoff`` is the short form of ``registered: {before: <cutoff>}``.
    """

    cutoff: TreatyDateName | None = None
    registered: Window | None = None
    entered: Window | None = None

    @model_validator(mode="after")
    def _one_registration_window(self) -> GrandfatheredParams:
        if self.cutoff is not None and self.registered is not None:
            raise ValueError("give either cutoff or registered, not both")
        return self

    def registration_window(self) -> Window:
        """The window registration with a Party must fall in (Art. 1: before ratification)."""
        if self.registered is not None:
            return self.registered
        return Window(before=self.cutoff or "ratified")

    def cutoff_date(self, dates: TreatyDates) -> date:
        """The day before which registration must fall (Art. 1: ratification, by default)."""
        return self.registration_window().bounds(dates)[1] or date.max


class FirstFiledParams(Strict):
    """The claim filed earliest (by registration time in the record) prevails."""


class OperationalPresenceParams(Strict):
    """The claimant with continuous operations on the site for the minimum time prevails."""

    min_presence_days: int = Field(ge=1, le=MAX_DAYS)
    evidence: Identifier = "activity_report"


class ActivityLapseParams(Strict):
    """A claim whose activity report is not filed ``due_days`` after its period lapses."""

    due_days: int = Field(ge=0, le=MAX_DAYS)
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

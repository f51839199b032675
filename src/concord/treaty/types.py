"""Building blocks shared by every part of the treaty format."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from concord.inputs import MAX_YAML_BYTES, PROSE, TREATY_IDENTIFIER_PATTERN

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date_from_text(value: Any) -> Any:
    """Accept ``YYYY-MM-DD`` text (or a date) only: no timestamps, no numbers."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        raise ValueError(f"expected a date (YYYY-MM-DD), got {shown}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f'expected a real date (YYYY-MM-DD), got "{value}": {exc}') from None


#: A calendar date written ``YYYY-MM-DD``.
Date = Annotated[date, BeforeValidator(_date_from_text)]

#: An identifier of the treaty format: a letter, then letters, digits, ``_``, ``-`` or
#: ``.`` (an :data:`concord.inputs.Identifier` that begins with a letter and has no ``:``).
Identifier = Annotated[
    str, StringConstraints(pattern=TREATY_IDENTIFIER_PATTERN, min_length=1, max_length=64)
]

#: Non-empty text, with line breaks but without control characters.
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_YAML_BYTES), PROSE]

#: A number of days in a treaty's limits: at most a century.
MAX_DAYS = 36_600

#: How a reporting period is cut.
PeriodKind = Literal["quarterly", "monthly", "annual"]


class Strict(BaseModel):
    """Base of every format model: unknown keys are errors; values do not change."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Effective(Strict):
    """Something in force over dated bounds (both inclusive).

    A missing ``effective_from`` means the treaty's entry into force; a missing
    ``effective_to`` means until changed. The version in force is chosen by date
    (rules-as-code practice: OpenFisca parameters, Catala scopes).
    """

    effective_from: Date | None = None
    effective_to: Date | None = None


class Duration(Strict):
    """A time limit in whole days or whole calendar months (exactly one of them)."""

    days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    months: int | None = Field(default=None, ge=1, le=MAX_DAYS // 30)

    @model_validator(mode="after")
    def _exactly_one(self) -> Duration:
        if (self.days is None) == (self.months is None):
            raise ValueError("give exactly one of days or months")
        return self

    def approx_days(self) -> int:
        """Length in days, counting a month as 31 days (for comparing limits only)."""
        return self.days if self.days is not None else 31 * (self.months or 0)

    def __str__(self) -> str:
        return f"{self.days} days" if self.days is not None else f"{self.months} months"

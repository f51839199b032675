"""Fee schedules: dated versions of rates per vessel class and berth."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from concord.inputs import MAX_FEE
from concord.treaty.types import Date, Identifier, Strict, Text

#: ISO 4217-style three-letter code (the scenario uses ``UCR``, Unity credits).
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Rate(Strict):
    vessel_class: Identifier
    berth: Identifier
    amount: Decimal = Field(ge=0, le=MAX_FEE, allow_inf_nan=False)
    per: Literal["day", "call", "tonne"] = "day"


class FeeScheduleVersion(Strict):
    """The rates in force from ``effective_from`` until the next version's date."""

    effective_from: Date
    rates: list[Rate] = Field(min_length=1)
    note: str = ""

    def rate(self, vessel_class: str, berth: str) -> Rate | None:
        """The rate for a vessel class at a berth, if the schedule has one."""
        for rate in self.rates:
            if rate.vessel_class == vessel_class and rate.berth == berth:
                return rate
        return None


class FeeSchedule(Strict):
    id: Identifier
    title: Text
    fee_kind: Identifier
    currency: Currency
    cites: list[Identifier] = Field(min_length=1)
    versions: list[FeeScheduleVersion] = Field(min_length=1)

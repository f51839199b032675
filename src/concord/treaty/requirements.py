"""Monitoring requirements: one model per kind, each with typed parameters.

A requirement names the provisions it gives effect to (``cites``), who must report
(``reporters``), what evidence it is checked against, and its kind's parameters. The
kinds form a union discriminated by ``kind``, so a wrong parameter is reported at its
own path (``requirements[4].params.k_sigma``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from concord.treaty.types import MAX_DAYS, Effective, Identifier, PeriodKind, Strict, Text

#: The largest limit or floor a requirement states (tonnes, currency units, km²).
MAX_QUANTITY = 1e12

#: Roles that ``reporters`` may name instead of party ids.
REPORTER_ROLES = ("signatories", "third_parties", "parties", "office")

#: Evidence type: dotted lower-case words, e.g. ``declaration.extraction``.
EvidenceType = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]


class ReportDueParams(Strict):
    """A declaration of ``declaration_type`` is due this many days after each period."""

    declaration_type: Identifier
    due_days_after_period_end: int = Field(ge=0, le=366)


class CapParams(Strict):
    """The ``aggregate`` of ``quantity`` per party, sector or site must not exceed ``limit``."""

    quantity: Identifier
    aggregate: Literal["sum"] = "sum"
    per: Literal["party", "sector", "site"]
    limit: float = Field(gt=0, le=MAX_QUANTITY)
    unit: Text
    sectors: list[Identifier] = Field(default_factory=list, description="empty: every sector")


class Materiality(Strict):
    """EITI margin of variance: material only above BOTH the percentage and the floor."""

    percent: float = Field(gt=0, le=100)
    absolute_floor: float = Field(ge=0, le=MAX_QUANTITY)
    unit: Text


class Cusum(Strict):
    """Page's CUSUM over successive periods, in standard deviations of the difference."""

    k: float = Field(ge=0, le=1000, description="reference value (allowance per period)")
    h: float = Field(gt=0, le=1000, description="decision interval")


class ReconciliationParams(Strict):
    """Declared against independently measured quantity (IAEA-style verification)."""

    declared: Identifier
    measured: Identifier
    per: Literal["site", "party", "sector"] = "site"
    k_sigma: float = Field(gt=0, le=1000, description="flag when |declared-measured| > k·σ")
    materiality: Materiality
    cusum: Cusum


class FeeScheduleParams(Strict):
    """Fees charged must equal the schedule, or must not differ between parties."""

    fee_kind: Identifier
    schedule: Identifier
    test: Literal["matches_schedule", "non_discrimination"]
    tolerance_percent: float = Field(default=0, ge=0, le=100)


class HolderShareParams(Strict):
    """No holder may hold more than ``max_share`` of a sector (no monopoly claims)."""

    sectors: list[Identifier] = Field(default_factory=list, description="empty: every sector")
    max_share: float = Field(gt=0, le=1)
    measure: Literal["area", "extraction"] = "area"


class ClaimRespectedParams(Strict):
    """No parameters: activity must respect the claim that prevails under the rules."""


class SqlParams(Strict):
    """A read-only query over the evidence tables; every row it returns is a violation."""

    query: Text
    description: Text


class RequirementBase(Effective):
    id: Identifier
    title: Text
    cites: list[Identifier] = Field(min_length=1)
    reporters: list[Identifier] = Field(min_length=1)
    evidence: EvidenceType
    period: PeriodKind | None = Field(default=None, description="default: the calendar's")
    deadline_days: int | None = Field(
        default=None,
        ge=0,
        le=MAX_DAYS,
        description="days after period end by which findings are due",
    )


class ReportDue(RequirementBase):
    kind: Literal["report_due"]
    params: ReportDueParams


class Cap(RequirementBase):
    kind: Literal["cap"]
    params: CapParams


class Reconciliation(RequirementBase):
    kind: Literal["reconciliation"]
    params: ReconciliationParams


class FeeScheduleCheck(RequirementBase):
    kind: Literal["fee_schedule"]
    params: FeeScheduleParams


class HolderShare(RequirementBase):
    kind: Literal["holder_share"]
    params: HolderShareParams


class ClaimRespected(RequirementBase):
    kind: Literal["claim_respected"]
    params: ClaimRespectedParams = Field(default_factory=ClaimRespectedParams)


class SqlCheck(RequirementBase):
    kind: Literal["sql"]
    params: SqlParams


Requirement = Annotated[
    ReportDue | Cap | Reconciliation | FeeScheduleCheck | HolderShare | ClaimRespected | SqlCheck,
    Field(discriminator="kind"),
]

REQUIREMENT_KINDS = (
    "report_due",
    "cap",
    "reconciliation",
    "fee_schedule",
    "holder_share",
    "claim_respected",
    "sql",
)

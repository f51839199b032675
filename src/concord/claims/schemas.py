"""Statement payloads of the claims registry (validated with Pydantic).

Each model is the JSON payload of one signed statement. Geometries are GeoJSON
Polygon/MultiPolygon objects (RFC 7946 §3.1.6, §3.1.7) in the sector's planar km grid,
marked by the ``crs`` foreign member ``"sector-km"`` (RFC 7946 §6.1). The structural
checks of RFC 7946 (closed rings, four positions, validity) run after field validation
and raise :class:`~concord.errors.ClaimError` naming the position at fault.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from concord.claims import tenure
from concord.claims.geometry import ClaimShape, parse_geometry
from concord.claims.priority import ActivityRecord
from concord.inputs import PROSE, Identifier, Km, Name

Position = tuple[Km, Km]  # [x_km, y_km]; RFC 7946 §3.1.1 without altitude
ClaimId = Identifier
Quarter = Annotated[str, Field(pattern=r"^\d{4}-Q[1-4]$")]


Reason = Annotated[str, StringConstraints(max_length=2000), PROSE]
Summary = Annotated[str, StringConstraints(min_length=1, max_length=5000), PROSE]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    statement_type: ClassVar[str] = ""


class _Geometry(_Payload):
    crs: Literal["sector-km"]

    @model_validator(mode="after")
    def _rfc7946_structure(self) -> _Geometry:
        parse_geometry(self.model_dump())
        return self

    def shape(self) -> ClaimShape:
        """The geometry as an oriented shapely Polygon or MultiPolygon."""
        return parse_geometry(self.model_dump())


class PolygonGeometry(_Geometry):
    type: Literal["Polygon"]
    coordinates: list[list[Position]]


class MultiPolygonGeometry(_Geometry):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[Position]]]


ClaimGeometry = Annotated[PolygonGeometry | MultiPolygonGeometry, Field(discriminator="type")]


class ClaimFiled(_Payload):
    """A holder files a claim over an area of a sector."""

    statement_type: ClassVar[str] = "claims.filed"
    claim_id: ClaimId
    holder: Name
    mineral: Name
    sector: Name
    geometry: ClaimGeometry
    filed_at: AwareDatetime

    def tenure_event(self) -> tenure.Filed:
        return tenure.Filed(self.filed_at, self.holder)


class ClaimAmended(_Payload):
    """The holder replaces the claim's geometry."""

    statement_type: ClassVar[str] = "claims.amended"
    claim_id: ClaimId
    holder: Name
    geometry: ClaimGeometry
    reason: Reason = ""
    amended_at: AwareDatetime

    def tenure_event(self) -> tenure.Amended:
        return tenure.Amended(self.amended_at, self.holder)


class ClaimTransferred(_Payload):
    """The holder transfers the claim to another holder."""

    statement_type: ClassVar[str] = "claims.transferred"
    claim_id: ClaimId
    from_holder: Name
    to_holder: Name
    transferred_at: AwareDatetime

    def tenure_event(self) -> tenure.Transferred:
        return tenure.Transferred(self.transferred_at, self.from_holder, self.to_holder)


class ClaimRelinquished(_Payload):
    """The holder gives the claim up."""

    statement_type: ClassVar[str] = "claims.relinquished"
    claim_id: ClaimId
    holder: Name
    reason: Reason = ""
    relinquished_at: AwareDatetime

    def tenure_event(self) -> tenure.Relinquished:
        return tenure.Relinquished(self.relinquished_at, self.holder)


class ActivityReported(_Payload):
    """The holder's activity report for one calendar quarter (use it or lose it)."""

    statement_type: ClassVar[str] = "claims.activity_reported"
    claim_id: ClaimId
    holder: Name
    period: Quarter  # "2031-Q2"
    operational: bool
    summary: Summary
    worked_area: ClaimGeometry | None = None  # None: the whole claim
    reported_at: AwareDatetime

    @property
    def period_start(self) -> date:
        year, quarter = int(self.period[:4]), int(self.period[-1])
        return date(year, 3 * quarter - 2, 1)

    @property
    def period_end(self) -> date:
        year, quarter = int(self.period[:4]), int(self.period[-1])
        if quarter == 4:
            return date(year, 12, 31)
        return date(year, 3 * quarter + 1, 1) - timedelta(days=1)

    def activity_record(self) -> ActivityRecord:
        """The report as the priority rules read it."""
        return ActivityRecord(
            period_start=self.period_start,
            period_end=self.period_end,
            reported_on=self.reported_at.date(),
            operational=self.operational,
            worked_area=self.worked_area.shape() if self.worked_area else None,
        )


class ClaimRegistered(_Payload):
    """The office's decision to register a filed claim, citing its grounds."""

    statement_type: ClassVar[str] = "claims.registered"
    claim_id: ClaimId
    registered_at: AwareDatetime
    cites: list[Name] = Field(min_length=1, max_length=100)  # provisions relied on
    note: Reason = ""

    def tenure_event(self) -> tenure.Registered:
        return tenure.Registered(self.registered_at)


class ClaimLapsed(_Payload):
    """The office's decision that a claim has lapsed for want of activity reports."""

    statement_type: ClassVar[str] = "claims.lapsed"
    claim_id: ClaimId
    lapsed_at: AwareDatetime
    cites: list[Name] = Field(min_length=1, max_length=100)
    reason: Reason = "no activity report by the due date"

    def tenure_event(self) -> tenure.Lapsed:
        return tenure.Lapsed(self.lapsed_at, self.reason)


class ClaimsContested(_Payload):
    """The office opens a case on overlapping claims that the priority rules leave open."""

    statement_type: ClassVar[str] = "claims.contested"
    case_id: ClaimId
    claim_ids: list[ClaimId] = Field(min_length=2, max_length=64)
    contested_at: AwareDatetime
    cites: list[Name] = Field(min_length=1, max_length=100)
    note: Reason = ""

    def tenure_event(self) -> tenure.Contested:
        return tenure.Contested(self.contested_at, self.case_id)


class ClaimsRuled(_Payload):
    """The ruling in a case: which of its claims are upheld and which are revoked."""

    statement_type: ClassVar[str] = "claims.ruled"
    case_id: ClaimId
    upheld: list[ClaimId] = Field(default_factory=list, max_length=64)
    revoked: list[ClaimId] = Field(default_factory=list, max_length=64)
    ruled_at: AwareDatetime
    cites: list[Name] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _each_claim_once(self) -> ClaimsRuled:
        named = [*self.upheld, *self.revoked]
        if not named:
            raise ValueError("a ruling must uphold or revoke at least one claim")
        if len(set(named)) != len(named):
            raise ValueError("a claim may be named only once in a ruling")
        return self

    def tenure_events(self) -> dict[str, tenure.Ruled]:
        """The tenure event of each claim the ruling names."""
        events = {c: tenure.Ruled(self.ruled_at, self.case_id, upheld=True) for c in self.upheld}
        events.update(
            {c: tenure.Ruled(self.ruled_at, self.case_id, upheld=False) for c in self.revoked}
        )
        return events


STATEMENT_MODELS: dict[str, type[_Payload]] = {
    model.statement_type: model
    for model in (
        ClaimFiled,
        ClaimAmended,
        ClaimTransferred,
        ClaimRelinquished,
        ActivityReported,
        ClaimRegistered,
        ClaimLapsed,
        ClaimsContested,
        ClaimsRuled,
    )
}

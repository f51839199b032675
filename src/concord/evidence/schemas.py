"""Statement bodies of the evidence domain, and the columns of the evidence tables.

Bulk evidence never goes into the log row by row: a statement commits to a
content-addressed table (SHA-256 of the exact CSV bytes) that the blob store keeps.
The log stays small; the evidence stays verifiable.

Declarations come from the party that owes them (extraction, activity reports,
compliance reports) or from the office as station operator (docking fees); measurements
come from inspectors. Their time of filing is the statement's ``issued_at``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from concord.inputs import (
    LINE,
    MAX_MASS,
    MAX_TABLE_BYTES,
    MAX_TABLE_ROWS,
    PROSE,
    Identifier,
    Km,
    Name,
)

SHA256_HEX = r"^[0-9a-f]{64}$"
PERIOD = r"^[0-9]{4}-(Q[1-4]|M(0[1-9]|1[0-2])|H[12]|Y)$"

DeclarationType = Literal["extraction", "docking_fees", "activity_report", "compliance_report"]
MeasurementType = Literal["extraction"]

#: The columns of each evidence table as filed (CSV header, in this order).
#: Units are explicit per row and converted on ingest (mass to tonnes).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    # declared extraction of one party in one period: one row per site and mineral
    "extraction": ("site", "mineral", "quantity", "unit", "uncertainty"),
    # an inspector's independent measurements: one row per party, site and mineral
    "extraction_measurement": ("party", "site", "mineral", "quantity", "unit", "method"),
    # docking events at the station in one period, with the fee actually charged
    "docking_fees": (
        "vessel",
        "party",
        "vessel_class",
        "berth",
        "arrived_at",
        "departed_at",
        "fee_charged",
        "currency",
    ),
    # activity on each claim held by the declaring party in one period
    "activity_report": ("claim_id", "activity", "days_present"),
}

#: Mass units accepted in evidence tables, with their factor to tonnes.
MASS_UNITS = {"t": 1.0, "kg": 0.001, "kt": 1000.0}
assert MASS_UNITS.keys() == MAX_MASS.keys()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TableRef(_Body):
    """A content-addressed evidence table in the blob store."""

    sha256: str = Field(pattern=SHA256_HEX)
    media_type: Literal["text/csv"] = "text/csv"
    rows: int = Field(ge=0, le=MAX_TABLE_ROWS)
    bytes: int = Field(ge=0, le=MAX_TABLE_BYTES)


class SiteRegistered(_Body):
    """The office registers an extraction site (a point in the sector's km frame)."""

    site_id: Identifier
    name: Name
    sector: Identifier
    location: tuple[Km, Km]
    operator: Identifier = Field(description="party id of the operating party")
    minerals: list[Name] = Field(default_factory=list, max_length=100)


class DeclarationFiled(_Body):
    """A party's (or the office's) periodic declaration, committing to its table."""

    declaration_type: DeclarationType
    party: Identifier
    period: str = Field(pattern=PERIOD)
    table: TableRef | None = Field(
        default=None, description="required for every type but compliance_report"
    )
    summary: Annotated[str, StringConstraints(max_length=4000), PROSE] | None = None


class MeasurementFiled(_Body):
    """An inspector's independent measurements for a period."""

    measurement_type: MeasurementType
    period: str = Field(pattern=PERIOD)
    table: TableRef


class InspectionRequested(_Body):
    """An inspector asks a party for access to a site (Article on inspections)."""

    request_id: Identifier
    party: Identifier
    site: Identifier
    requested_at: AwareDatetime


class InspectionGranted(_Body):
    """The inspected party records that access was given."""

    request_id: Identifier
    granted_at: AwareDatetime


class DockingDecided(_Body):
    """The office records its decision on a docking request."""

    request_id: Identifier
    party: Identifier
    vessel: Annotated[str, StringConstraints(min_length=1, max_length=100), LINE]
    requested_at: AwareDatetime
    decision: Literal["granted", "refused"]
    reason_code: Identifier | None = Field(
        default=None,
        description="for a refusal: one of the treaty's docking_refusal_reasons codes",
    )
    reason: Annotated[str, StringConstraints(max_length=500), PROSE] | None = Field(
        default=None, description="free text beside the coded reason"
    )

    @model_validator(mode="after")
    def _code_only_on_refusal(self) -> DockingDecided:
        if self.decision == "granted" and self.reason_code is not None:
            raise ValueError("reason_code: a granted request has no refusal reason")
        return self


#: Statement type names of the evidence domain.
SITE_REGISTERED = "evidence.site_registered"
DECLARATION_FILED = "evidence.declaration_filed"
MEASUREMENT_FILED = "evidence.measurement_filed"
INSPECTION_REQUESTED = "evidence.inspection_requested"
INSPECTION_GRANTED = "evidence.inspection_granted"
DOCKING_DECIDED = "evidence.docking_decided"

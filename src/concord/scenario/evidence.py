"""The office's and inspectors' evidence for a quarter: measurements, docking, inspections.

* Measurements (Article 23, R6): one table per inspector a quarter, filed 32–44 days
  after the quarter ends (due at 45). The first inspector measures Seven-Alpha and
  Seven-Beta, the second Four-Gamma; every site and mineral is measured, in tonnes.
* Docking: an office decision on every request when it is made, and the quarter's fee
  report (Article 31, R3) filed 10–25 days after the quarter ends (due at 30).
* Inspections: the inspector's request, and the operator's grant when access is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from concord.evidence.schemas import (
    DECLARATION_FILED,
    DOCKING_DECIDED,
    INSPECTION_GRANTED,
    INSPECTION_REQUESTED,
    MEASUREMENT_FILED,
    DeclarationFiled,
    DockingDecided,
    InspectionGranted,
    InspectionRequested,
    MeasurementFiled,
)
from concord.scenario.cast import OFFICE_PARTY, Cast
from concord.scenario.docking import DockingQuarter
from concord.scenario.extraction import ExtractionRow
from concord.scenario.inspections import InspectionQuarter
from concord.scenario.record import PlannedStatement, at, iso
from concord.scenario.tables import encode_table, mass
from concord.treaty.calendar import Period

#: Which inspector measures which sectors (by index into the cast's inspectors).
INSPECTOR_SECTORS = ({"seven-alpha", "seven-beta"}, {"four-gamma"})
MEASURED_UNIT = "t"


def measurements(
    period: Period, rows: Sequence[ExtractionRow], cast: Cast, rng: np.random.Generator
) -> list[PlannedStatement]:
    statements = []
    for inspector, sectors in zip(cast.inspectors, INSPECTOR_SECTORS, strict=True):
        mine = [r for r in rows if r.sector in sectors]
        table = encode_table(
            "extraction_measurement",
            [
                (
                    r.party,
                    r.site,
                    r.mineral,
                    mass(r.measured_t, MEASURED_UNIT),
                    MEASURED_UNIT,
                    r.method,
                )
                for r in mine
            ],
        )
        filed = at(period.end + timedelta(days=int(rng.integers(32, 45))), int(rng.integers(8, 18)))
        statements.append(
            PlannedStatement(
                filed,
                inspector.key,
                MEASUREMENT_FILED,
                f"measurement-extraction-{inspector.principal_id}-{period.id}",
                MeasurementFiled(measurement_type="extraction", period=period.id, table=table.ref),
                {table.sha256: table.data},
            )
        )
    return statements


def docking(
    period: Period, quarter: DockingQuarter, cast: Cast, currency: str, rng: np.random.Generator
) -> list[PlannedStatement]:
    office = cast.office.key
    statements = [
        PlannedStatement(
            call.requested_at + timedelta(hours=2),
            office,
            DOCKING_DECIDED,
            f"docking-{call.request_id}",
            DockingDecided(
                request_id=call.request_id,
                party=call.vessel.party,
                vessel=call.vessel.vessel_id,
                requested_at=call.requested_at,
                decision="granted",
            ),
        )
        for call in quarter.calls
    ]
    statements.extend(
        PlannedStatement(
            refusal.requested_at + timedelta(hours=2),
            office,
            DOCKING_DECIDED,
            f"docking-{refusal.request_id}",
            DockingDecided(
                request_id=refusal.request_id,
                party=refusal.vessel.party,
                vessel=refusal.vessel.vessel_id,
                requested_at=refusal.requested_at,
                decision="refused",
                reason_code=refusal.reason_code,
                reason=refusal.reason,
            ),
        )
        for refusal in quarter.refusals
    )
    table = encode_table(
        "docking_fees",
        [
            (
                c.vessel.vessel_id,
                c.vessel.party,
                c.vessel.vessel_class,
                c.berth,
                iso(c.arrived_at),
                iso(c.departed_at),
                f"{c.fee_charged:.2f}",
                currency,
            )
            for c in quarter.calls
        ],
    )
    filed = at(period.end + timedelta(days=int(rng.integers(10, 26))), int(rng.integers(8, 18)))
    statements.append(
        PlannedStatement(
            filed,
            office,
            DECLARATION_FILED,
            f"declaration-docking-fees-{period.id}",
            DeclarationFiled(
                declaration_type="docking_fees",
                party=OFFICE_PARTY,
                period=period.id,
                table=table.ref,
            ),
            {table.sha256: table.data},
        )
    )
    return statements


def inspections(quarter: InspectionQuarter, cast: Cast) -> list[PlannedStatement]:
    inspectors = {m.principal_id: m for m in cast.inspectors}
    statements = []
    for item in quarter.inspections:
        statements.append(
            PlannedStatement(
                item.requested_at,
                inspectors[item.inspector].key,
                INSPECTION_REQUESTED,
                f"inspection-request-{item.request_id}",
                InspectionRequested(
                    request_id=item.request_id,
                    party=item.site.operator,
                    site=item.site.site_id,
                    requested_at=item.requested_at,
                ),
            )
        )
        statements.append(
            PlannedStatement(
                item.granted_at,
                cast.party(item.site.operator).key,
                INSPECTION_GRANTED,
                f"inspection-grant-{item.request_id}",
                InspectionGranted(request_id=item.request_id, granted_at=item.granted_at),
            )
        )
    return statements

"""A workspace with the Station Unity treaty and a principal for each party, and helpers
that file claim statements the way holders and the Office do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from concord.claims.schemas import (
    ActivityReported,
    ClaimAmended,
    ClaimFiled,
    ClaimLapsed,
    ClaimRegistered,
    ClaimRelinquished,
    ClaimsContested,
    ClaimTransferred,
)
from concord.identity.keys import SigningKey
from concord.identity.schemas import PrincipalRegistered
from concord.ledger.receipts import Receipt
from concord.ledger.statements import format_time
from concord.scenario.treaty import station_unity_text
from concord.treaty.schemas import TREATY_REGISTERED, TreatyRegistered
from concord.treaty.service import registration_payload
from concord.workspace import Workspace, key_spec
from factories import T0, make_workspace, raw_envelope

#: The Claims Registry takes entries from the treaty's entry into force (Art. 8).
ENTRY = datetime(2187, 4, 1, 12, 0, tzinfo=UTC)
PARTIES = {
    "PA": "signatory",
    "EF": "signatory",
    "MI": "signatory",
    "HMC": "third_party",
    "TR": "third_party",
    "BMF": "third_party",
}

Rect = tuple[float, float, float, float]


def when(text: str) -> datetime:
    """``"2187-04-05"`` or ``"2187-04-05T10:00"`` as an aware UTC time."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def polygon(rect: Rect) -> dict[str, Any]:
    x0, y0, x1, y1 = rect
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "crs": "sector-km", "coordinates": [ring]}


@dataclass
class World:
    ws: Workspace
    keys: dict[str, SigningKey] = field(default_factory=dict)
    sequence: int = 0

    def submit(self, key: SigningKey, body: BaseModel, at: datetime) -> Receipt:
        """Enter a statement no earlier than the registry opens, nor than the act it records."""
        self.sequence += 1
        statement_type = body.statement_type
        issued = max(at, ENTRY) + timedelta(seconds=self.sequence)
        return self.ws.submit_as(key, statement_type, body, issued_at=issued)

    def add_principal(self, party: str, role: str) -> SigningKey:
        key = SigningKey.generate(f"{party.lower()}-registrar")
        body = PrincipalRegistered.model_validate(
            {
                "principal_id": key.principal,
                "name": f"{party} registrar",
                "roles": [role],
                "party": party,
                "key": key_spec(key, T0).model_dump(),
            }
        )
        self.ws.submit_as(self.ws.office_key, "identity.principal_registered", body, issued_at=T0)
        self.keys[party] = key
        return key

    def submit_raw(self, signer: str, statement_type: str, body: dict[str, Any]) -> Receipt:
        """Sign a body as the holder's client would, without checking it first."""
        self.sequence += 1
        payload = {
            "author": self.keys[signer].principal,
            "body": body,
            "id": f"raw-{self.sequence}",
            "issued_at": format_time(ENTRY + timedelta(days=30, seconds=self.sequence)),
            "type": statement_type,
        }
        return self.ws.ledger.submit(raw_envelope(self.keys[signer], payload))

    def file(
        self,
        claim_id: str,
        holder: str,
        rect: Rect,
        filed: str,
        *,
        sector: str = "seven-alpha",
        signer: str | None = None,
        geometry: dict[str, Any] | None = None,
    ) -> Receipt:
        body = ClaimFiled.model_validate(
            {
                "claim_id": claim_id,
                "holder": holder,
                "mineral": "platinum",
                "sector": sector,
                "geometry": geometry or polygon(rect),
                "filed_at": when(filed),
            }
        )
        return self.submit(self.keys[signer or holder], body, when(filed))

    def register(self, claim_id: str, registered: str, cites: list[str] | None = None) -> Receipt:
        body = ClaimRegistered(
            claim_id=claim_id, registered_at=when(registered), cites=cites or ["P8"]
        )
        return self.submit(self.ws.office_key, body, when(registered))

    def report(
        self, claim_id: str, holder: str, period: str, reported: str, *, operational: bool = True
    ) -> Receipt:
        body = ActivityReported(
            claim_id=claim_id,
            holder=holder,
            period=period,
            operational=operational,
            summary="extraction" if operational else "survey only",
            reported_at=when(reported),
        )
        return self.submit(self.keys[holder], body, when(reported))

    def amend(self, claim_id: str, holder: str, rect: Rect, amended: str) -> Receipt:
        body = ClaimAmended.model_validate(
            {
                "claim_id": claim_id,
                "holder": holder,
                "geometry": polygon(rect),
                "reason": "survey corrected",
                "amended_at": when(amended),
            }
        )
        return self.submit(self.keys[holder], body, when(amended))

    def transfer(
        self, claim_id: str, from_holder: str, to_holder: str, at: str, *, signer: str | None = None
    ) -> Receipt:
        body = ClaimTransferred(
            claim_id=claim_id,
            from_holder=from_holder,
            to_holder=to_holder,
            transferred_at=when(at),
        )
        return self.submit(self.keys[signer or from_holder], body, when(at))

    def relinquish(self, claim_id: str, holder: str, at: str) -> Receipt:
        body = ClaimRelinquished(claim_id=claim_id, holder=holder, relinquished_at=when(at))
        return self.submit(self.keys[holder], body, when(at))

    def lapse(self, claim_id: str, at: str) -> Receipt:
        body = ClaimLapsed(claim_id=claim_id, lapsed_at=when(at), cites=["P11"])
        return self.submit(self.ws.office_key, body, when(at))

    def contest(self, case_id: str, claim_ids: list[str], at: str) -> Receipt:
        body = ClaimsContested(
            case_id=case_id, claim_ids=claim_ids, contested_at=when(at), cites=["P10", "P17"]
        )
        return self.submit(self.ws.office_key, body, when(at))


@cache
def treaty_registration() -> TreatyRegistered:
    return registration_payload(station_unity_text())


def make_world(home: Path, database_url: str) -> World:
    """A workspace with the Station Unity treaty registered and a registrar per party."""
    ws = make_workspace(home, database_url)
    ws.submit_as(ws.office_key, TREATY_REGISTERED, treaty_registration(), issued_at=T0)
    world = World(ws)
    for party, role in PARTIES.items():
        world.add_principal(party, role)
    return world

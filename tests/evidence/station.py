"""A Station Unity workspace with the treaty, principals and sites registered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from concord.evidence.schemas import SITE_REGISTERED, SiteRegistered
from concord.identity.keys import SigningKey
from concord.identity.schemas import PrincipalRegistered
from concord.scenario.treaty import station_unity_text
from concord.treaty.schemas import TREATY_REGISTERED
from concord.treaty.service import registration_payload
from concord.workspace import Workspace, key_spec
from factories import T0, make_workspace

#: Sites: id → (sector, operator, location inside the sector's Annex I boundary).
SITES = {
    "SB-N-03": ("seven-beta-north", "PA", (150.0, 50.0)),
    "SB-N-07": ("seven-beta-north", "PA", (160.0, 62.5)),
    "SB-S-01": ("seven-beta-south", "EF", (160.0, 17.5)),
    "FG-02": ("four-gamma", "MI", (45.0, 160.0)),
}
#: 2187-Q2 ends on 30 June; reports are due 30 days later (Article 21).
Q2_FILED = datetime(2187, 7, 20, 9, 0, tzinfo=UTC)


@dataclass
class Station:
    ws: Workspace
    keys: dict[str, SigningKey]


def _register(ws: Workspace, pid: str, role: str, party: str | None) -> SigningKey:
    key = SigningKey.generate(pid)
    body = PrincipalRegistered(
        principal_id=pid, name=pid, roles=[role], party=party, key=key_spec(key, T0)
    )
    ws.submit_as(
        ws.office_key, "identity.principal_registered", body, issued_at=T0 + timedelta(minutes=1)
    )
    return key


def make_station(home: Path, database_url: str | None = None) -> Station:
    ws = make_workspace(home, database_url)
    ws.submit_as(
        ws.office_key, TREATY_REGISTERED, registration_payload(station_unity_text()), issued_at=T0
    )
    keys = {
        "PA": _register(ws, "pa-ministry", "signatory", "PA"),
        "EF": _register(ws, "ef-ministry", "signatory", "EF"),
        "MI": _register(ws, "mi-council", "signatory", "MI"),
        "inspector": _register(ws, "inspector-1", "inspector", None),
    }
    for site, (sector, operator, location) in SITES.items():
        body = SiteRegistered(
            site_id=site,
            name=site,
            sector=sector,
            location=location,
            operator=operator,
            minerals=["ore"],
        )
        ws.submit_as(
            ws.office_key, SITE_REGISTERED, body, issued_at=datetime(2187, 4, 2, tzinfo=UTC)
        )
    return Station(ws, keys)


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


EXTRACTION = "site,mineral,quantity,unit,uncertainty"
MEASUREMENT = "party,site,mineral,quantity,unit,method"
DOCKING = "vessel,party,vessel_class,berth,arrived_at,departed_at,fee_charged,currency"

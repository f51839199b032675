from __future__ import annotations

import shapely
from shapely.geometry import Point, Polygon, shape
from tests.scenario.reading import of_type

from concord.scenario.generator import Scenario
from concord.scenario.treaty import station_unity_text
from concord.treaty.service import load_treaty_text

TREATY = load_treaty_text(station_unity_text())
SECTORS = {s.id: Polygon(s.boundary) for s in TREATY.sectors}


def _claims(scenario: Scenario) -> dict[str, dict[str, object]]:
    return {p["body"]["claim_id"]: p["body"] for p in of_type(scenario, "claims.filed")}


def test_every_claim_lies_inside_its_sector(dirty: Scenario) -> None:
    for body in _claims(dirty).values():
        geometry = shape(body["geometry"])
        assert shapely.covers(SECTORS[str(body["sector"])], geometry), body["claim_id"]


def test_grandfathered_claims_are_registered_before_ratification(dirty: Scenario) -> None:
    registered = {p["body"]["claim_id"]: p["body"] for p in of_type(dirty, "claims.registered")}
    early = {c for c, b in registered.items() if str(b["registered_at"]) < "2187-03-01"}
    assert {"PA-7B-C1", "EF-7B-C1", "PA-7B-N1", "EF-7B-S1"} <= early
    assert all("P1" in registered[c]["cites"] for c in early)
    assert not any(c.startswith(("HMC", "TR", "BMF", "MC")) for c in early)


def test_seven_beta_pair_overlaps_ef_filed_first_pa_present_first(dirty: Scenario) -> None:
    claims = _claims(dirty)
    ef, pa = claims["EF-7B-C1"], claims["PA-7B-C1"]
    assert shape(ef["geometry"]).intersection(shape(pa["geometry"])).area > 100
    assert str(ef["filed_at"]) < str(pa["filed_at"])
    activity = [p["body"] for p in of_type(dirty, "claims.activity_reported")]
    pa_presence = sorted(
        a["period"] for a in activity if a["claim_id"] == "PA-7B-C1" and a["operational"]
    )
    ef_presence = [a for a in activity if a["claim_id"] == "EF-7B-C1" and a["operational"]]
    assert pa_presence[0] == "2187-Q1"
    assert ef_presence == []


def _shares(scenario: Scenario) -> dict[tuple[str, str], float]:
    held: dict[tuple[str, str], list[Polygon]] = {}
    for body in _claims(scenario).values():
        held.setdefault((str(body["holder"]), str(body["sector"])), []).append(
            shape(body["geometry"])
        )
    return {
        key: shapely.union_all(shapes).area / SECTORS[key[1]].area for key, shapes in held.items()
    }


def test_clean_holders_stay_under_the_cap_and_the_injected_one_is_over(
    clean: Scenario, dirty: Scenario
) -> None:
    assert max(_shares(clean).values()) < 0.35
    (breach,) = dirty.truth.of_kind("holder_share_cap")
    assert _shares(dirty)[(breach.party, breach.subject)] > 0.5


def _site_claim_holders(scenario: Scenario) -> dict[str, set[str]]:
    claims = _claims(scenario).values()
    out = {}
    for body in (p["body"] for p in of_type(scenario, "evidence.site_registered")):
        point = Point(body["location"])
        out[body["site_id"]] = {
            str(c["holder"])
            for c in claims
            if c["sector"] == body["sector"] and shape(c["geometry"]).contains(point)
        } | {"operator:" + body["operator"]}
    return out


def test_every_clean_site_is_inside_its_operators_claim(clean: Scenario) -> None:
    for site, holders in _site_claim_holders(clean).items():
        operator = next(h for h in holders if h.startswith("operator:")).split(":")[1]
        assert operator in holders, site


def test_the_trespassing_site_is_in_another_holders_claim(dirty: Scenario) -> None:
    subjects = {v.subject for v in dirty.truth.of_kind("extraction_outside_claims")}
    (site,) = subjects
    holders = _site_claim_holders(dirty)[site]
    assert "PA" not in holders
    assert "EF" in holders

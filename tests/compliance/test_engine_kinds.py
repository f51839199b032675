"""Each requirement kind on small hand-built evidence (figures worked out in comments)."""

from __future__ import annotations

import gc
from datetime import date

import pytest

from concord.errors import ComplianceError
from concord.scenario.treaty import station_unity_text
from concord.treaty.service import load_treaty_text

from .engine_cases import by_subject, findings, findings_in_turn


def _declared(party: str, site: str, sector: str, period: str, tonnes: float) -> dict[str, object]:
    return {
        "party": party,
        "site": site,
        "sector": sector,
        "mineral": "ore",
        "period": period,
        "declared_tonnes": tonnes,
    }


def _measured(
    party: str, site: str, sector: str, period: str, tonnes: float, method: str
) -> dict[str, object]:
    return {
        "party": party,
        "site": site,
        "sector": sector,
        "mineral": "ore",
        "period": period,
        "measured_tonnes": tonnes,
        "method": method,
    }


# -- report_due ---------------------------------------------------------------------------


def test_report_due_before_the_due_date_is_not_yet_applicable() -> None:
    # 2187-Q2 reports are due on 2187-07-30 (30 days after 30 June).
    found = findings(["R1"], "2187-Q2", as_of=date(2187, 7, 10))
    assert by_subject(found) == {
        "PA": "not_applicable",
        "EF": "not_applicable",
        "MI": "not_applicable",
    }


def test_report_due_reads_the_office_measurements_for_r6() -> None:
    # R6: measurements due 45 days after the period (2187-08-14); filed on 2187-08-20.
    statements = [
        {
            "type": "evidence.measurement_filed",
            "author": "inspector-1",
            "issued_at": "2187-08-20T10:00:00Z",
            "body": {"measurement_type": "extraction", "period": "2187-Q2"},
        }
    ]
    (finding,) = findings(["R6"], "2187-Q2", statements=statements)
    assert (finding.party, finding.status) == ("SU-PMO", "violation")
    assert "late by 6 days" in finding.explanation
    assert finding.evidence == (0,)


# -- cap ----------------------------------------------------------------------------------


def test_cap_counts_zones_towards_their_sector_and_needs_evidence() -> None:
    # Four-Gamma: 5,000 + 4,500 = 9,500 t > 9,000 t (Article 26). Seven-Beta sites do not count.
    rows = [
        _measured("MI", "FG-01", "four-gamma", "2187-Q3", 5000, "weighing"),
        _measured("MI", "FG-02", "four-gamma", "2187-Q3", 4500, "weighing"),
        _measured("PA", "SB-N-03", "seven-beta-north", "2187-Q3", 8000, "weighing"),
    ]
    (r11,) = findings(["R11"], "2187-Q3", evidence={"extraction_measurements": rows})
    assert (r11.subject, r11.status, r11.measured, r11.threshold) == (
        "four-gamma",
        "violation",
        9500.0,
        9000.0,
    )
    assert r11.evidence == (0, 1)
    (empty,) = findings(["R11"], "2187-Q3")
    assert empty.status == "insufficient_evidence"


# -- reconciliation -----------------------------------------------------------------------


def _two_tonnes_short_each_quarter() -> dict[str, list[dict[str, object]]]:
    """998 t declared, 1000 t weighed at one site, 2187-Q2 to 2188-Q1."""
    periods = ["2187-Q2", "2187-Q3", "2187-Q4", "2188-Q1"]
    return {
        "extraction_declarations": [
            _declared("PA", "SB-N-03", "seven-beta-north", p, 998) for p in periods
        ],
        "extraction_measurements": [
            _measured("PA", "SB-N-03", "seven-beta-north", p, 1000, "weighing") for p in periods
        ],
    }


def test_cusum_catches_protracted_small_under_reporting() -> None:
    # Weighing: σ = 1000 × √(0.001² + 0.0005²) = 1.118 t. D = M − 2 t each quarter, so
    # x = 2 / 1.118 = 1.789 and S grows by x − k = 1.289 a quarter: 1.29, 2.58, 3.87 and
    # 5.16 > h = 4 in the fourth quarter. The 2 t difference is never material (< 50 t).
    evidence = _two_tonnes_short_each_quarter()
    (third,) = findings(["R7"], "2187-Q4", evidence=evidence)
    assert third.status == "compliant"
    (fourth,) = findings(["R7"], "2188-Q1", as_of=date(2188, 6, 1), evidence=evidence)
    assert fourth.status == "violation"
    assert fourth.statistic is not None
    assert fourth.statistic.name == "cusum"
    assert fourth.statistic.value == pytest.approx(4 * (2 / 1000 / 0.001118034 - 0.5), abs=1e-3)
    assert "protracted under-reporting" in fourth.explanation


@pytest.mark.parametrize("requirement", ["R7", "R8"])
def test_periods_evaluated_in_turn_on_one_store_get_their_own_findings(requirement: str) -> None:
    # Sums shared by the requirements of one evaluation must not leak into the next one,
    # on the same store, for another period: here the fourth quarter's alarm (the CUSUM
    # above) must appear only when that quarter is evaluated.
    evidence = _two_tonnes_short_each_quarter()
    as_of = date(2188, 6, 1)
    order = ["2188-Q1", "2187-Q3", "2188-Q1", "2187-Q4"]
    in_turn = findings_in_turn([requirement], order, as_of=as_of, evidence=evidence)
    alone = [findings([requirement], p, as_of=as_of, evidence=evidence) for p in order]
    assert in_turn == alone
    assert [[f.status for f in found] for found in in_turn] == [
        ["violation"],
        ["compliant"],
        ["violation"],
        ["compliant"],
    ]


def test_the_cusum_starts_with_the_treatys_first_period() -> None:
    # Weighing 1000 t: σ = 1.118 t. A shortfall of 3.913 t (x − k = 3) in 2187-Q1, before the
    # treaty's first period, then 1.23 t (x − k = 0.6) in 2187-Q2 and Q3: counted from
    # 2187-Q1 the sum would reach 4.2 > h = 4; from 2187-Q2 it is 1.2.
    shortfall = {"2187-Q1": 3.913, "2187-Q2": 1.23, "2187-Q3": 1.23}
    evidence = {
        "extraction_declarations": [
            _declared("PA", "SB-N-03", "seven-beta-north", p, 1000 - t)
            for p, t in shortfall.items()
        ],
        "extraction_measurements": [
            _measured("PA", "SB-N-03", "seven-beta-north", p, 1000, "weighing") for p in shortfall
        ],
    }
    (site,) = findings(["R7"], "2187-Q3", as_of=date(2187, 12, 31), evidence=evidence)
    assert site.status == "compliant"


def test_systematic_uncertainty_adds_linearly_within_a_method() -> None:
    # Party PA, two sites measured by XRF (random 2 %, systematic 1 %):
    #   random σ² = (1000·0.02)² + (3000·0.02)² = 400 + 3600 = 4000
    #   systematic σ = (1000 + 3000)·0.01 = 40  →  σ² = 1600;  σ = √5600 = 74.833 t
    # D − M = 3782 − 4000 = −218 t, z = −2.913: within 3σ (in quadrature it would be
    # σ = 70.71 and z = −3.08, a violation).
    evidence = {
        "extraction_declarations": [
            _declared("PA", "SB-N-03", "seven-beta-north", "2187-Q2", 982),
            _declared("PA", "SB-N-07", "seven-beta-north", "2187-Q2", 2800),
        ],
        "extraction_measurements": [
            _measured("PA", "SB-N-03", "seven-beta-north", "2187-Q2", 1000, "xrf"),
            _measured("PA", "SB-N-07", "seven-beta-north", "2187-Q2", 3000, "xrf"),
        ],
    }
    (party,) = findings(["R8"], "2187-Q2", as_of=date(2187, 9, 30), evidence=evidence)
    assert party.status == "compliant"
    assert party.statistic is not None
    assert party.statistic.value == pytest.approx(-218 / 5600**0.5, abs=1e-6)


def test_the_declarations_own_uncertainty_adds_in_quadrature() -> None:
    # Weighing 1000 t: σ² = 1000²·(0.001² + 0.0005²) = 1.25; the declaration states ±1.5 t,
    # so σ² = 1.25 + 2.25 = 3.5 and D − M = −7 t gives z = −7 / √3.5 = −3.74.
    evidence = {
        "extraction_declarations": [
            {
                **_declared("PA", "SB-N-03", "seven-beta-north", "2187-Q2", 993),
                "declared_sigma_tonnes": 1.5,
            },
        ],
        "extraction_measurements": [
            _measured("PA", "SB-N-03", "seven-beta-north", "2187-Q2", 1000, "weighing"),
        ],
    }
    (site,) = findings(["R7"], "2187-Q2", as_of=date(2187, 9, 30), evidence=evidence)
    assert site.statistic is not None
    assert site.statistic.value == pytest.approx(-7 / 3.5**0.5, abs=1e-6)


@pytest.mark.parametrize("requirement", ["R7", "R8"])
def test_the_same_evidence_in_another_order_gives_the_same_findings(requirement: str) -> None:
    # Three minerals at one site: the total is exactly 18,514.7900025 t, published to six
    # decimals as 18,514.790003 t. Added as floating-point numbers, (a + b) + c gives
    # 18,514.7900024999… and (c + b) + a gives 18,514.7900025, which round apart; a store
    # rebuilt or refreshed from the same log may hold its rows in either order.
    tonnes = [("ore", 2617.4090007), ("ice", 6768.8420009), ("regolith", 9128.5390009)]

    def evidence(rows: list[tuple[str, float]]) -> dict[str, list[dict[str, object]]]:
        site = ("PA", "SB-N-03", "seven-beta-north", "2187-Q2")
        return {
            "extraction_declarations": [
                {**_declared(*site, t), "mineral": m, "statement_index": 1} for m, t in rows
            ],
            "extraction_measurements": [
                {**_measured(*site, t, "weighing"), "mineral": m, "statement_index": 2}
                for m, t in rows
            ],
        }

    as_of = date(2187, 9, 30)
    forward = findings([requirement], "2187-Q2", as_of=as_of, evidence=evidence(tonnes))
    backward = findings([requirement], "2187-Q2", as_of=as_of, evidence=evidence(tonnes[::-1]))
    assert [f.to_json() for f in forward] == [f.to_json() for f in backward]
    assert [f.measured for f in forward] == [18514.790003]


def test_reconciliation_per_sector_adds_zones_to_their_sector() -> None:
    # R8 made per sector. Seven-Beta's zones add up to one subject, Seven-Beta:
    #   D = 1000 + 2900 = 3900, M = 1000 + 3000 = 4000, by weighing (random 0.1 %, in
    #   quadrature; systematic 0.05 %, linear): σ² = (1000² + 3000²)·0.001² + (4000·0.0005)²
    #   = 10 + 4, z = −100 / √14 = −26.7, and −100 t is material (> 2 % of 4000, > 50 t).
    # Four-Gamma is declared but not measured; TR, measured in a zone of Seven-Beta, filed
    # nothing and is not reconciled.
    text = station_unity_text().replace(
        "      per: party\n      k_sigma: 3", "      per: sector\n      k_sigma: 3"
    )
    treaty = load_treaty_text(text, "station_unity.yaml")
    evidence = {
        "extraction_declarations": [
            _declared("PA", "SB-N-03", "seven-beta-north", "2187-Q2", 1000),
            _declared("EF", "SB-S-01", "seven-beta-south", "2187-Q2", 2900),
            _declared("MI", "FG-01", "four-gamma", "2187-Q2", 500),
        ],
        "extraction_measurements": [
            _measured("PA", "SB-N-03", "seven-beta-north", "2187-Q2", 1000, "weighing"),
            _measured("EF", "SB-S-01", "seven-beta-south", "2187-Q2", 3000, "weighing"),
            _measured("TR", "SB-C-01", "seven-beta-common", "2187-Q2", 400, "weighing"),
        ],
    }
    found = findings(["R8"], "2187-Q2", as_of=date(2187, 9, 30), evidence=evidence, treaty=treaty)
    subjects = {(f.party, f.subject): f for f in found}
    assert {key: f.status for key, f in subjects.items()} == {
        ("", "seven-beta"): "violation",
        ("", "four-gamma"): "insufficient_evidence",
        ("TR", "seven-beta"): "insufficient_evidence",
    }
    assert "filed no extraction declaration" in subjects["TR", "seven-beta"].explanation
    assert subjects["TR", "seven-beta"].evidence == (5,)
    beta = subjects["", "seven-beta"]
    assert beta.measured == 4000
    assert beta.statistic is not None
    assert beta.statistic.value == pytest.approx(-100 / 14**0.5, abs=1e-6)
    assert beta.evidence == (0, 1, 3, 4)
    assert subjects["", "four-gamma"].evidence == (2,)


def test_a_declaration_without_a_measurement_is_insufficient_evidence() -> None:
    evidence = {
        "extraction_declarations": [_declared("EF", "SB-S-01", "seven-beta-south", "2187-Q2", 3000)]
    }
    (finding,) = findings(["R7"], "2187-Q2", evidence=evidence)
    assert (finding.subject, finding.status) == ("SB-S-01", "insufficient_evidence")


@pytest.mark.parametrize("requirement", ["R7", "R8"])
def test_reconciliation_without_extraction_evidence_says_so(requirement: str) -> None:
    (finding,) = findings([requirement], "2187-Q2", as_of=date(2187, 9, 30))
    assert finding.status == "insufficient_evidence"
    assert finding.explanation.startswith("Neither declarations nor measurements")


# -- fee_schedule -------------------------------------------------------------------------


def test_a_call_without_a_rate_in_the_schedule_is_a_violation() -> None:
    rows = [
        {
            "vessel": "V-9",
            "party": "PA",
            "vessel_class": "giant",
            "berth": "standard",
            "arrived_at": "2187-05-01T00:00:00Z",
            "departed_at": "2187-05-01T05:00:00Z",
            "fee_charged": 100,
            "currency": "UCR",
        }
    ]
    (finding,) = findings(["R12"], "2187-Q2", evidence={"docking_fees": rows})
    assert finding.status == "violation"
    assert "no rate for a giant vessel" in finding.explanation


# -- holder_share and claim_respected ------------------------------------------------------


def test_holder_share_is_of_the_sector_area() -> None:
    # Seven-Beta is 120 km × 80 km = 9,600 km². The registry says PA's claims cover
    # 4,000 km² of it (41.7 % > 40 %) and EF's 3,000 km² (31.25 %); the North Zone row
    # is not a top-level sector, so R14 does not judge it.
    areas = [
        {"sector": "seven-beta", "holder": "PA", "area_km2": 4000, "claim_ids": "C1,C2"},
        {"sector": "seven-beta-north", "holder": "PA", "area_km2": 1500, "claim_ids": "C2"},
        {"sector": "seven-beta", "holder": "EF", "area_km2": 3000, "claim_ids": "C3"},
    ]
    claims = [{"claim_id": c, "holder": "PA", "sector": "seven-beta"} for c in ("C1", "C2")]
    found = findings(["R14"], "2187-Q2", evidence={"claims": claims, "holder_areas": areas})
    shares = {(f.party, f.subject): (f.status, f.measured) for f in found}
    assert shares == {
        ("PA", "seven-beta"): ("violation", pytest.approx(4000 / 9600, abs=1e-6)),
        ("EF", "seven-beta"): ("compliant", 0.3125),
    }
    pa = next(f for f in found if f.party == "PA")
    assert "(claims C1, C2)" in pa.explanation
    (empty,) = findings(["R14"], "2187-Q2")
    assert empty.status == "insufficient_evidence"


def test_holder_share_reads_only_the_evaluated_periods_registry() -> None:
    # The store holds the registry of every period; 2187-Q3's rows (PA at 50 %) must
    # not change 2187-Q2's finding (PA at 4,000 / 9,600 = 41.7 %).
    areas = [
        {"period": "2187-Q2", "sector": "seven-beta", "holder": "PA", "area_km2": 4000},
        {"period": "2187-Q3", "sector": "seven-beta", "holder": "PA", "area_km2": 4800},
    ]
    claims = [{"period": p, "claim_id": "C1", "holder": "PA"} for p in ("2187-Q2", "2187-Q3")]
    q2, q3 = findings_in_turn(
        ["R14"], ["2187-Q2", "2187-Q3"], evidence={"claims": claims, "holder_areas": areas}
    )
    assert [f.measured for f in q2] == [pytest.approx(4000 / 9600)]
    assert [f.measured for f in q3] == [pytest.approx(0.5)]


def test_extraction_must_be_under_a_prevailing_claim_in_an_allocated_zone() -> None:
    # SB-N-03 (North Zone, allocated to PA) is in PA's claim; SB-N-07 in EF's claim;
    # EF also extracts at SB-N-03, in PA's zone (Article 15).
    site_claims = [
        {"site": "SB-N-03", "claim_id": "C1", "holder": "PA"},
        {"site": "SB-N-07", "claim_id": "C2", "holder": "EF"},
    ]
    declared = [
        _declared("PA", "SB-N-03", "seven-beta-north", "2187-Q2", 100),
        _declared("PA", "SB-N-07", "seven-beta-north", "2187-Q2", 100),
        _declared("EF", "SB-N-03", "seven-beta-north", "2187-Q2", 100),
    ]
    found = findings(
        ["R15"],
        "2187-Q2",
        evidence={"site_claims": site_claims, "extraction_declarations": declared},
    )
    result = {(f.party, f.subject): f.status for f in found}
    assert result == {
        ("PA", "SB-N-03"): "compliant",
        ("PA", "SB-N-07"): "violation",
        ("EF", "SB-N-03"): "violation",
    }
    assert "allocated to PA (Article 15)" in next(f.explanation for f in found if f.party == "EF")
    (empty,) = findings(["R15"], "2187-Q2", evidence={"extraction_declarations": declared})
    assert empty.status == "insufficient_evidence"


# -- sql ----------------------------------------------------------------------------------


def test_sql_rows_are_violations_within_the_period() -> None:
    # R16: access within 72 hours. IR-1 waited 80 h; IR-2 24 h; IR-3 is in another quarter.
    rows = [
        {
            "request_id": "IR-1",
            "party": "EF",
            "site": "SB-S-01",
            "requested_at": "2187-05-01T00:00:00Z",
            "granted_at": "2187-05-04T08:00:00Z",
        },
        {
            "request_id": "IR-2",
            "party": "PA",
            "site": "SB-N-03",
            "requested_at": "2187-05-02T00:00:00Z",
            "granted_at": "2187-05-03T00:00:00Z",
        },
        {
            "request_id": "IR-3",
            "party": "MI",
            "site": "FG-02",
            "requested_at": "2187-08-01T00:00:00Z",
        },
    ]
    (finding,) = findings(["R16"], "2187-Q2", evidence={"inspection_requests": rows})
    assert (finding.party, finding.subject, finding.status) == ("EF", "IR-1", "violation")
    (quiet,) = findings(["R16"], "2187-Q4", evidence={"inspection_requests": rows})
    # No request at all in Q4: nothing was checked, which is not compliance.
    assert quiet.status == "no_evidence"
    assert "no inspection requests" in quiet.explanation
    (kept,) = findings(["R16"], "2187-Q2", evidence={"inspection_requests": rows[1:]})
    assert kept.status == "compliant"


def test_r17_reads_the_code_not_the_free_text() -> None:
    # Hand-worked, 2187-Q2, with the treaty's list: vessel_unsafe is for safety,
    # no_berth_free is not.
    #   DK-1 refused, vessel_unsafe, text without the word "safety"   -> lawful
    #   DK-2 refused, no_berth_free, text "safety"                     -> violation
    #   DK-3 refused, no code, text "for safety reasons"              -> violation
    #   DK-4 granted                                                   -> not a refusal
    #   DK-5 refused, vessel_unsafe, but in 2187-Q3                    -> another period
    def row(
        request_id: str, day: str, decision: str, code: str | None, text: str | None
    ) -> dict[str, object]:
        return {
            "request_id": request_id,
            "party": "EF",
            "vessel": "EF-V2",
            "requested_at": f"{day}T08:00:00Z",
            "decision": decision,
            "reason_code": code,
            "reason": text,
        }

    rows = [
        row("DK-1", "2187-04-10", "refused", "vessel_unsafe", "hull pressure check failed"),
        row("DK-2", "2187-05-11", "refused", "no_berth_free", "safety"),
        row("DK-3", "2187-06-12", "refused", None, "for safety reasons"),
        row("DK-4", "2187-06-13", "granted", None, None),
        row("DK-5", "2187-07-14", "refused", "no_berth_free", None),
    ]
    found = findings(["R17"], "2187-Q2", evidence={"docking_requests": rows})
    assert [(f.subject, f.status) for f in found] == [("DK-2", "violation"), ("DK-3", "violation")]
    assert "reason_code no_berth_free" in found[0].explanation
    (lawful,) = findings(["R17"], "2187-Q2", evidence={"docking_requests": rows[:1] + rows[3:4]})
    assert lawful.status == "compliant"


@pytest.mark.parametrize(
    "query",
    ["DELETE FROM sites", "SELECT 1; DROP TABLE sites", "COPY sites TO '/tmp/x.csv'"],
)
def test_sql_requirements_must_be_one_select(query: str) -> None:
    from concord.compliance.kinds.sql import check_read_only

    with pytest.raises(ComplianceError, match="one SELECT"):
        check_read_only(query, "R99")


def test_a_party_that_filed_no_declaration_is_not_reconciled_as_declaring_zero() -> None:
    # EF filed for 2187-Q2; PA filed nothing. PA's measured 1,000 t must not become an
    # "under-declaration of 1,000 t" (the missing report is R1's finding), while EF's
    # site measured but left out of its declaration still counts as declared 0.
    evidence = {
        "extraction_declarations": [
            _declared("EF", "SB-S-01", "seven-beta-south", "2187-Q2", 1000),
        ],
        "extraction_measurements": [
            _measured("PA", "SB-N-03", "seven-beta-north", "2187-Q2", 1000, "weighing"),
            _measured("EF", "SB-S-01", "seven-beta-south", "2187-Q2", 1000, "weighing"),
            _measured("EF", "SB-S-02", "seven-beta-south", "2187-Q2", 800, "weighing"),
        ],
    }
    found = findings(["R7"], "2187-Q2", as_of=date(2187, 9, 30), evidence=evidence)
    status = {(f.party, f.subject): f.status for f in found}
    assert status == {
        ("PA", "SB-N-03"): "insufficient_evidence",
        ("EF", "SB-S-01"): "compliant",
        ("EF", "SB-S-02"): "violation",
    }
    unfiled = next(f for f in found if f.party == "PA")
    assert "filed no extraction declaration" in unfiled.explanation


# -- the engine ---------------------------------------------------------------------------


@pytest.mark.parametrize("enabled", [True, False])
def test_evaluation_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    # The engine pauses the cyclic collector while it makes findings.
    evidence = {
        "extraction_declarations": [_declared("EF", "SB-S-01", "seven-beta-south", "2187-Q2", 30)]
    }
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        findings(["R7"], "2187-Q2", evidence=evidence)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()

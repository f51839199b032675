"""A small, hand-built report: the Station Unity treaty, a real Merkle tree and a few
findings, so that every test sees proofs that verify and every section filled."""

from __future__ import annotations

import base64
from datetime import date
from functools import cache

from shapely.geometry import box

from concord.claims.map import MapClaim, render_sector_map
from concord.compliance.findings import Finding, RecordTime, Statistic
from concord.ledger import merkle
from concord.ledger.notes import NoteSigner
from concord.reports.model import (
    CheckpointInfo,
    CusumSeries,
    EvidenceRef,
    FeeCharge,
    ReportInput,
    SiteReconciliation,
)
from concord.scenario.treaty import station_unity_text
from concord.treaty.service import load_treaty_text, treaty_at
from concord.treaty.versions import TreatyVersion

PERIOD = "2187-Q2"
LOG_SIZE = 37
ORIGIN = "unity.example/log"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@cache  # loading and checking the treaty takes a while; the version is immutable
def treaty() -> TreatyVersion:
    return treaty_at(
        load_treaty_text(station_unity_text(), "station_unity.yaml"), [], date(2187, 6, 30)
    )


def entries() -> list[bytes]:
    return [f'{{"statement": {i}}}'.encode() for i in range(LOG_SIZE)]


def leaves() -> list[bytes]:
    return [merkle.leaf_hash(e) for e in entries()]


def signer() -> NoteSigner:
    return NoteSigner(ORIGIN, bytes(range(32)))


def checkpoint() -> CheckpointInfo:
    root = merkle.root_from_leaf_hashes(leaves())
    note = signer().sign(f"{ORIGIN}\n{LOG_SIZE}\n{_b64(root)}\n")
    return CheckpointInfo(
        size=LOG_SIZE, root_b64=_b64(root), note=note, verifier_key=signer().verifier().vkey()
    )


def evidence_ref(index: int, statement_type: str = "evidence.declaration") -> EvidenceRef:
    hashes = leaves()
    proof = [
        merkle.root_from_leaf_hashes(hashes[start:end])
        for start, end in merkle.inclusion_proof_ranges(index, LOG_SIZE)
    ]
    return EvidenceRef(
        index=index,
        statement_id=f"declaration-{PERIOD}-{index:04d}",
        statement_type=statement_type,
        leaf_hash=_b64(hashes[index]),
        inclusion_proof=tuple(_b64(p) for p in proof),
        checkpoint_size=LOG_SIZE,
    )


def record_time() -> RecordTime:
    """The record time of every finding: the report's checkpoint."""
    return RecordTime(LOG_SIZE, checkpoint().root_hex)


def findings() -> list[Finding]:
    at = record_time()
    return [
        Finding(
            requirement="R7",
            provisions=("P24", "P25"),
            party="PA",
            subject="7B-N-01",
            period=PERIOD,
            record_time=at,
            status="violation",
            explanation="PA at 7B-N-01 declared 4,200.0 t for 2187-Q2 against 4,910.0 t "
            "measured (difference -710.0 t, z = -4.73): an under-declaration beyond 3 "
            "standard deviations and material.",
            measured=4910.0,
            threshold=450.0,
            statistic=Statistic("z", -4.7333),
            evidence=(12, 30),
        ),
        Finding(
            requirement="R7",
            provisions=("P24", "P25"),
            party="EF",
            subject="7B-S-02",
            period=PERIOD,
            record_time=at,
            status="compliant",
            explanation="EF at 7B-S-02 declared 3,010.0 t against 3,000.0 t measured: within "
            "3 standard deviations.",
            measured=3000.0,
            threshold=300.0,
            statistic=Statistic("z", 0.07),
            evidence=(13, 31),
        ),
        Finding(
            requirement="R7",
            provisions=("P24", "P25"),
            party="MI",
            subject="4G-03",
            period=PERIOD,
            record_time=at,
            status="violation",
            explanation="MI at 4G-03 declared 1,950.0 t against 2,040.0 t measured; protracted "
            "under-reporting: the cumulative sum over 2187-Q2–2187-Q2 is 4.61, above the "
            "decision interval 4.",
            measured=2040.0,
            threshold=4.0,
            statistic=Statistic("cusum", 4.61),
            evidence=(14, 32),
        ),
        Finding(
            requirement="R12",
            provisions=("P29",),
            party="EF",
            subject="EF-V-0042",
            period=PERIOD,
            record_time=at,
            status="violation",
            explanation="EF's vessel EF-V-0042 (heavy, standard berth, arrived 2187-05-03) was "
            "charged 2,900.00 UCR, but the schedule gives 2,700.00 UCR for 3 day(s).",
            measured=2900.0,
            threshold=2700.0,
            evidence=(20,),
        ),
        Finding(
            requirement="R1",
            provisions=("P21",),
            party="MI",
            subject="",
            period=PERIOD,
            record_time=at,
            status="insufficient_evidence",
            explanation="MI's extraction declaration for 2187-Q2 is not yet due.",
        ),
        Finding(
            requirement="R1",
            provisions=("P21",),
            party="PA",
            subject="",
            period=PERIOD,
            record_time=at,
            status="compliant",
            explanation="PA declared its extraction for 2187-Q2 on 2187-07-12, within 30 days.",
            evidence=(12,),
        ),
        Finding(
            requirement="R9",
            provisions=("P19",),
            party="",
            subject="seven-beta",
            period=PERIOD,
            record_time=at,
            status="compliant",
            explanation="Sector Seven-Beta: 9,910.0 t measured in 2187-Q2, within the limit of "
            "12,000 t.",
            measured=9910.0,
            threshold=12000.0,
        ),
    ]


def reconciliation() -> list[SiteReconciliation]:
    return [
        SiteReconciliation(party="PA", site="7B-N-01", declared=4200, measured=4910, sigma=150),
        SiteReconciliation(party="EF", site="7B-S-02", declared=3010, measured=3000, sigma=100),
        SiteReconciliation(party="MI", site="4G-03", declared=1950, measured=2040, sigma=60),
    ]


def cusum() -> list[CusumSeries]:
    return [
        CusumSeries(party="MI", subject="4G-03", points=(("2187-Q2", 4.61),), threshold=4),
        CusumSeries(party="PA", subject="7B-N-01", points=(("2187-Q2", 1.2),), threshold=4),
        CusumSeries(party="EF", subject="7B-S-02", points=(("2187-Q2", 0.0),), threshold=4),
    ]


def fees() -> list[FeeCharge]:
    return [
        FeeCharge(
            party="EF",
            vessel_class="heavy",
            berth="standard",
            charged_per_day=966.67,
            schedule_per_day=900,
        ),
        FeeCharge(
            party="PA",
            vessel_class="heavy",
            berth="standard",
            charged_per_day=900,
            schedule_per_day=900,
        ),
        FeeCharge(
            party="MI",
            vessel_class="light",
            berth="priority",
            charged_per_day=180,
            schedule_per_day=180,
        ),
        FeeCharge(
            party="PA",
            vessel_class="medium",
            berth="standard",
            charged_per_day=340,
            schedule_per_day=340,
        ),
    ]


def report_input(scope: str | None = None, **overrides: object) -> ReportInput:
    refs = {i: evidence_ref(i) for i in (12, 13, 14, 20, 30, 31, 32)}
    fields: dict[str, object] = {
        "treaty": treaty(),
        "period": PERIOD,
        "scope": scope,
        "checkpoint": checkpoint(),
        "findings": findings(),
        "evidence_refs": refs,
        "reconciliation_series": reconciliation(),
        "cusum_series": cusum(),
        "fee_series": fees(),
        "claims_maps": dict(_claims_maps()),
    }
    fields.update(overrides)
    return ReportInput(**fields)  # type: ignore[arg-type]


@cache  # a map takes a while to draw; the caller gets a read-only copy
def _claims_maps() -> dict[str, tuple[bytes, bytes]]:
    sector = box(100, 0, 220, 80)
    claims = [
        MapClaim("PA-7B-01", "PA", box(110, 50, 160, 75), "registered"),
        MapClaim("EF-7B-02", "EF", box(120, 5, 170, 30), "registered"),
        MapClaim("HMC-7B-03", "HMC", box(150, 20, 200, 60), "registered"),
    ]
    return {
        "seven-beta": render_sector_map(
            sector, claims, [box(150, 50, 160, 60)], "Sector Seven-Beta"
        )
    }

"""The engine on a real workspace (SQLite and PostgreSQL): evaluate, determinism, publish."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from concord.compliance.engine import evaluate, publish_findings
from concord.compliance.schemas import FINDINGS_PUBLISHED
from concord.evidence.blobs import BlobStore
from concord.evidence.filing import file_declaration, file_measurement
from evidence.station import (
    DOCKING,
    EXTRACTION,
    MEASUREMENT,
    Q2_FILED,
    Station,
    csv_bytes,
    make_station,
)


@pytest.fixture
def station(tmp_path: Path, database_url: str) -> Iterator[Station]:
    made = make_station(tmp_path, database_url)
    ws, keys = made.ws, made.keys
    file_declaration(
        ws,
        keys["PA"],
        "extraction",
        "PA",
        "2187-Q2",
        csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,0", "SB-N-07,ore,2100,t,0"),
        Q2_FILED,
    )
    file_declaration(
        ws,
        keys["EF"],
        "extraction",
        "EF",
        "2187-Q2",
        csv_bytes(EXTRACTION, "SB-S-01,ore,3000,t,0"),
        datetime(2187, 8, 5, 14, 30, tzinfo=UTC),
    )
    file_measurement(
        ws,
        keys["inspector"],
        "extraction",
        "2187-Q2",
        csv_bytes(
            MEASUREMENT,
            "PA,SB-N-03,ore,4300,t,sampling_assay",
            "PA,SB-N-07,ore,2100,t,sampling_assay",
            "EF,SB-S-01,ore,3040,t,sampling_assay",
        ),
        datetime(2187, 8, 10, tzinfo=UTC),
    )
    file_declaration(
        ws,
        ws.office_key,
        "docking_fees",
        "SU-PMO",
        "2187-Q2",
        csv_bytes(
            DOCKING,
            "D-1,PA,medium,standard,2187-05-01T08:00:00Z,2187-05-02T06:00:00Z,340,UCR",
            "D-2,TR,medium,standard,2187-05-03T08:00:00Z,2187-05-04T06:00:00Z,380,UCR",
        ),
        datetime(2187, 7, 15, tzinfo=UTC),
    )
    yield made
    ws.close()


def test_evaluation_finds_what_the_evidence_shows(station: Station) -> None:
    result = evaluate(station.ws, "2187-Q2")
    status = {(f.requirement, f.party, f.subject): f.status for f in result.findings}
    assert status[("R1", "PA", "")] == "compliant"
    assert status[("R1", "EF", "")] == "violation"  # six days late
    assert status[("R1", "MI", "")] == "violation"  # missing
    assert status[("R7", "PA", "SB-N-03")] == "violation"  # −200 t, z ≈ −8
    assert status[("R7", "EF", "SB-S-01")] == "compliant"  # −40 t, below the floor
    assert status[("R10", "PA", "")] == "violation"  # 6,400 t > 6,000 t
    assert status[("R12", "TR", "D-2")] == "violation"  # 380 instead of 340
    assert status[("R13", "TR", "")] == "violation"
    assert status[("R14", "", "")] == "insufficient_evidence"  # no claims registry yet
    assert result.checkpoint_size == station.ws.ledger.size()
    assert {f.requirement for f in result.findings} == {f"R{i}" for i in range(1, 18)}


def test_the_same_log_prefix_gives_byte_identical_findings(station: Station) -> None:
    first = evaluate(station.ws, "2187-Q2").to_json()
    station.ws.settings.analytics_path.unlink()
    second = evaluate(station.ws, "2187-Q2").to_json()
    assert first == second
    document = json.loads(first)
    keys = [(f["requirement"], f["party"], f["subject"]) for f in document["findings"]]
    assert keys == sorted(keys, key=lambda k: (int(k[0][1:]), k[1], k[2]))


def test_published_findings_name_their_checkpoint_and_blob(station: Station) -> None:
    ws = station.ws
    result = evaluate(ws, "2187-Q2")
    receipt = publish_findings(ws, result, issued_at=datetime(2187, 9, 30, tzinfo=UTC))
    assert receipt.index == result.checkpoint_size
    entry = ws.ledger.receipt(receipt.statement_id)
    assert entry.index == receipt.index
    sha = __import__("hashlib").sha256(result.to_json()).hexdigest()
    assert BlobStore(ws.settings.blobs_dir).get(sha) == result.to_json()
    assert FINDINGS_PUBLISHED == "compliance.findings_published"

"""The report's input contract: scoping, evidence and summaries."""

from __future__ import annotations

import base64
import hashlib

import pytest

from concord.compliance.findings import findings_json
from concord.errors import ComplianceError
from concord.ledger import merkle
from concord.ledger.receipts import Receipt
from concord.reports.model import CheckpointInfo, EvidenceRef, PartySummary, summarise
from reports.factories import LOG_SIZE, PERIOD, checkpoint, evidence_ref, findings, report_input


def test_a_per_signatory_report_keeps_only_that_party() -> None:
    report = report_input("PA")
    assert {f.party for f in report.findings} == {"PA"}
    assert {s.party for s in report.summary} == {"PA"}
    assert {s.party for s in report.reconciliation_series} == {"PA"}
    assert {s.party for s in report.cusum_series} == {"PA"}
    assert {s.party for s in report.fee_series} == {"PA"}
    assert report.scope_label == "PA"


def test_the_consolidated_report_keeps_every_finding_in_canonical_order() -> None:
    report = report_input()
    assert len(report.findings) == len(findings())
    assert [f.requirement for f in report.findings] == ["R1", "R1", "R7", "R7", "R7", "R9", "R12"]
    assert report.scope_label == "consolidated"
    assert report.scoped("MI").findings == tuple(f for f in report.findings if f.party == "MI")


def test_consolidated_findings_hash_is_that_of_the_published_findings_document() -> None:
    report = report_input()
    root_hex = base64.b64decode(checkpoint().root_b64).hex()
    published = findings_json(
        findings(), period=PERIOD, checkpoint_size=LOG_SIZE, checkpoint_root=root_hex
    )
    assert hashlib.sha256(report.findings_document()).digest() == hashlib.sha256(published).digest()


def test_summary_counts_requirements_met_violations_and_missing_evidence() -> None:
    by_party = {s.party: s for s in summarise(findings())}
    assert by_party["PA"] == PartySummary(
        party="PA", requirements_met=1, violations=1, insufficient_evidence=0
    )
    assert by_party["MI"] == PartySummary(
        party="MI", requirements_met=0, violations=1, insufficient_evidence=1
    )
    assert by_party[""].requirements_met == 1


def test_a_scope_that_is_not_a_party_is_refused() -> None:
    with pytest.raises(ComplianceError, match="not a party"):
        report_input("XX")


def test_a_violation_without_its_ledger_reference_is_refused() -> None:
    with pytest.raises(ComplianceError, match="lacks ledger references") as err:
        report_input(evidence_refs={12: evidence_ref(12)})
    assert "log index 14" in err.value.details


def test_a_checkpoint_root_must_be_a_base64_sha256() -> None:
    with pytest.raises(ComplianceError, match="not a base64 SHA-256"):
        CheckpointInfo(size=3, root_b64="not base64!", note="")


def test_evidence_refs_come_from_receipts_and_their_proofs_verify() -> None:
    ref = evidence_ref(14)
    receipt = Receipt(
        statement_id=ref.statement_id,
        index=ref.index,
        leaf_hash=base64.b64decode(ref.leaf_hash),
        inclusion_proof=tuple(base64.b64decode(h) for h in ref.inclusion_proof),
        checkpoint=checkpoint().note,
    )
    again = EvidenceRef.from_receipt(
        receipt, statement_type=ref.statement_type, checkpoint_size=LOG_SIZE
    )
    assert again == ref
    root = base64.b64decode(checkpoint().root_b64)
    assert merkle.verify_inclusion(
        receipt.leaf_hash, ref.index, LOG_SIZE, list(receipt.inclusion_proof), root
    )

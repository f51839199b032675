"""Findings as published: figures rounded, evidence listed once in order, canonical JSON."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.compliance.findings import (
    STATUSES,
    Finding,
    RecordTime,
    Row,
    Statistic,
    ValidTime,
    findings_json,
)
from concord.errors import ComplianceError

AT = RecordTime(1, "00" * 32)


def _finding(**changes: object) -> Finding:
    fields: dict[str, object] = {
        "requirement": "R7",
        "provisions": ("P24", "P25"),
        "party": "PA",
        "subject": "SB-N-03",
        "period": "2187-Q2",
        "record_time": AT,
        "status": "compliant",
        "explanation": "Within 3 standard deviations.",
    }
    return Finding(**{**fields, **changes})  # type: ignore[arg-type]


def test_figures_are_rounded_and_evidence_listed_once_in_order() -> None:
    finding = _finding(
        measured=1234.56789049,
        threshold=-0.0000001,
        statistic=Statistic("z", -2.0000004),
        evidence=[9, 3, 9, 5],
    )
    assert finding.measured == 1234.56789
    assert finding.threshold == 0.0
    assert math.copysign(1, finding.threshold) == 1  # never "-0" in the document
    assert finding.statistic == Statistic("z", -2.0)
    assert finding.evidence == (3, 5, 9)


def test_figures_that_are_not_finite_are_left_out() -> None:
    finding = _finding(
        measured=math.nan, threshold=math.inf, statistic=Statistic("cusum", math.nan)
    )
    assert (finding.measured, finding.threshold, finding.statistic) == (None, None, None)
    assert b'"measured":null' in findings_json(
        [finding], period="2187-Q2", checkpoint_size=1, checkpoint_root="00" * 32
    )


def test_a_finding_is_a_value() -> None:
    finding = _finding(measured=1.5, evidence=(2, 1))
    same = _finding(measured=1.5000000001, evidence=[1, 2])
    assert finding == same
    assert hash(finding) == hash(same)
    assert dataclasses.replace(finding, status="violation").evidence == (1, 2)


figures = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))
rows = st.tuples(
    st.text(max_size=4),
    st.text(max_size=4),
    st.sampled_from(STATUSES),
    st.text(max_size=20),
    figures,
    figures,
    st.one_of(st.none(), st.builds(Statistic, st.sampled_from(["z", "cusum"]), figures)),
    st.lists(st.integers(0, 50), max_size=5),
)


@given(st.lists(rows, max_size=10))
def test_many_findings_are_those_the_constructor_makes(made: list[Row]) -> None:
    common = {
        "requirement": "R7",
        "provisions": ("P24",),
        "period": "2187-Q2",
        "record_time": AT,
    }
    one_by_one = [
        Finding(
            **common,  # type: ignore[arg-type]
            party=party,
            subject=subject,
            status=status,
            explanation=explanation,
            measured=measured,
            threshold=threshold,
            statistic=statistic,
            evidence=evidence,
        )
        for party, subject, status, explanation, measured, threshold, statistic, evidence in made
    ]
    many = Finding.many(**common, rows=made)  # type: ignore[arg-type]
    assert [f.to_json() for f in many] == [f.to_json() for f in one_by_one]
    assert many == one_by_one


def test_a_finding_names_its_valid_time_and_its_record_time() -> None:
    document = json.loads(
        findings_json([_finding()], period="2187-Q2", checkpoint_size=1, checkpoint_root="00" * 32)
    )
    (finding,) = document["findings"]
    assert finding["valid_time"] == {"from": "2187-04-01", "to": "2187-06-30"}
    assert finding["record_time"] == {"checkpoint_size": 1, "checkpoint_root": "00" * 32}
    assert _finding().valid_time == ValidTime(date(2187, 4, 1), date(2187, 6, 30))


def test_a_document_holds_only_findings_of_its_checkpoint() -> None:
    later = _finding(record_time=RecordTime(2, "11" * 32))
    with pytest.raises(ComplianceError, match="another checkpoint"):
        findings_json([later], period="2187-Q2", checkpoint_size=1, checkpoint_root="00" * 32)

"""Findings: what the office concludes about one requirement, party and subject.

A finding cites the provisions and the monitoring requirement concerned and the
evidence considered (Article 55), and says in one sentence what was found. It names
both of its times (``docs/time.md``): its valid time, the dates of the period it
concerns, and its record time, the checkpoint (log size and root) of the record it was
computed from. Findings are serialised as RFC 8785 canonical JSON, sorted by
(requirement, party, subject), so the same log prefix always gives byte-identical
findings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Literal

from concord.errors import ComplianceError
from concord.identity.canonical import canonical_json
from concord.ledger.merkle import EMPTY_ROOT
from concord.treaty.calendar import parse_period

Status = Literal["compliant", "violation", "insufficient_evidence", "no_evidence", "not_applicable"]
STATUSES: tuple[Status, ...] = (
    "compliant",
    "violation",
    "insufficient_evidence",
    "no_evidence",
    "not_applicable",
)
FINDINGS_FORMAT = "concord-findings/1"
#: Figures are rounded to this many decimals before they are published, so results do
#: not depend on the order in which a parallel engine added floating-point numbers.
DECIMALS = 6


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    rounded = round(float(value), DECIMALS)
    if rounded - rounded != 0:  # NaN or infinite: not a figure
        return None
    return rounded + 0.0  # −0.0 becomes 0.0


@dataclass(frozen=True, slots=True)
class Statistic:
    """The test statistic behind a finding, e.g. ``z`` or ``cusum``."""

    name: str
    value: float


@dataclass(frozen=True, slots=True)
class ValidTime:
    """The dates a finding concerns, first and last included: its period's."""

    start: date
    end: date

    @classmethod
    def of_period(cls, period: str) -> ValidTime:
        return _valid_time(period)

    def to_json(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


@cache
def _valid_time(period: str) -> ValidTime:
    parsed = parse_period(period)
    return ValidTime(parsed.start, parsed.end)


@dataclass(frozen=True, slots=True)
class RecordTime:
    """The record a finding was computed from: the log's first ``checkpoint_size``
    entries, whose Merkle root (hex) is ``checkpoint_root``."""

    checkpoint_size: int
    checkpoint_root: str

    def to_json(self) -> dict[str, Any]:
        return {"checkpoint_size": self.checkpoint_size, "checkpoint_root": self.checkpoint_root}


#: The record time of an evaluation over a store that no log prefix built (a treaty
#: test case, a benchmark): the empty log (RFC 9162 §2.1.1: the root of no entries).
UNLOGGED = RecordTime(0, EMPTY_ROOT.hex())


def _statistic(statistic: Statistic | None) -> Statistic | None:
    if statistic is None:
        return None
    value = _round(statistic.value)
    return None if value is None else Statistic(statistic.name, value)


def _evidence(indexes: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(indexes)))


#: One finding of :meth:`Finding.many`: party, subject, status, explanation, measured,
#: threshold, statistic and evidence.
Row = tuple[str, str, Status, str, float | None, float | None, "Statistic | None", Iterable[int]]


# The constructor is written out (``init=False``) so that it normalises each field as it
# sets it: the engine makes tens of thousands of findings per evaluation.
@dataclass(frozen=True, slots=True, kw_only=True, init=False)
class Finding:
    """One conclusion of the office about a requirement, for one party and subject.

    Figures are rounded to ``DECIMALS`` places (a figure that is not finite becomes
    ``None``) and the evidence indexes are sorted, each listed once. ``valid_time`` is
    the period's dates unless given.
    """

    requirement: str
    provisions: tuple[str, ...]
    party: str
    subject: str
    period: str
    valid_time: ValidTime
    record_time: RecordTime
    status: Status
    explanation: str
    measured: float | None
    threshold: float | None
    statistic: Statistic | None
    evidence: tuple[int, ...]

    def __init__(
        self,
        *,
        requirement: str,
        provisions: tuple[str, ...],
        party: str,
        subject: str,
        period: str,
        record_time: RecordTime,
        status: Status,
        explanation: str,
        measured: float | None = None,
        threshold: float | None = None,
        statistic: Statistic | None = None,
        evidence: Iterable[int] = (),
        valid_time: ValidTime | None = None,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "requirement", requirement)
        set_(self, "provisions", provisions)
        set_(self, "party", party)
        set_(self, "subject", subject)
        set_(self, "period", period)
        set_(self, "valid_time", valid_time or ValidTime.of_period(period))
        set_(self, "record_time", record_time)
        set_(self, "status", status)
        set_(self, "explanation", explanation)
        set_(self, "measured", _round(measured))
        set_(self, "threshold", _round(threshold))
        set_(self, "statistic", _statistic(statistic))
        set_(self, "evidence", _evidence(evidence))

    @classmethod
    def many(
        cls,
        *,
        requirement: str,
        provisions: tuple[str, ...],
        period: str,
        record_time: RecordTime,
        rows: Iterable[Row],
    ) -> list[Finding]:
        """Findings of one requirement and period, one per row: the same as calling the
        constructor for each, with less overhead per finding (an evaluation makes tens of
        thousands)."""
        valid_time = ValidTime.of_period(period)
        # The fields' slot descriptors set them directly, as object.__setattr__ does.
        slot = cls.__dict__
        set_requirement, set_provisions = slot["requirement"].__set__, slot["provisions"].__set__
        set_party, set_subject = slot["party"].__set__, slot["subject"].__set__
        set_period, set_status = slot["period"].__set__, slot["status"].__set__
        set_valid, set_record = slot["valid_time"].__set__, slot["record_time"].__set__
        set_explanation, set_measured = slot["explanation"].__set__, slot["measured"].__set__
        set_threshold, set_statistic = slot["threshold"].__set__, slot["statistic"].__set__
        set_evidence = slot["evidence"].__set__
        new = object.__new__
        out: list[Finding] = []
        for party, subject, status, explanation, measured, threshold, statistic, evidence in rows:
            finding = new(cls)
            set_requirement(finding, requirement)
            set_provisions(finding, provisions)
            set_party(finding, party)
            set_subject(finding, subject)
            set_period(finding, period)
            set_valid(finding, valid_time)
            set_record(finding, record_time)
            set_status(finding, status)
            set_explanation(finding, explanation)
            set_measured(finding, _round(measured))
            set_threshold(finding, _round(threshold))
            set_statistic(finding, _statistic(statistic))
            set_evidence(finding, _evidence(evidence))
            out.append(finding)
        return out

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (_natural(self.requirement), self.party, self.subject, self.explanation)

    def to_json(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "provisions": list(self.provisions),
            "party": self.party,
            "subject": self.subject,
            "period": self.period,
            "valid_time": self.valid_time.to_json(),
            "record_time": self.record_time.to_json(),
            "status": self.status,
            "measured": self.measured,
            "threshold": self.threshold,
            "statistic": (
                None
                if self.statistic is None
                else {"name": self.statistic.name, "value": self.statistic.value}
            ),
            "evidence": list(self.evidence),
            "explanation": self.explanation,
        }


@cache
def _natural(text: str) -> tuple[Any, ...]:
    """R2 before R10: digits compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.sort_key)


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    """How many findings of each status (every status listed, zeros included)."""
    found = Counter(f.status for f in findings)
    return {status: found.get(status, 0) for status in STATUSES}


def findings_json(
    findings: Sequence[Finding],
    *,
    period: str,
    checkpoint_size: int,
    checkpoint_root: str,
    as_of: date | None = None,
) -> bytes:
    """The canonical JSON document of an evaluation's findings (``as_of``: the day the
    period was judged as of, which a recomputation needs).

    Every finding must have been computed at the document's checkpoint: a document
    names one record time.
    """
    ordered = sorted_findings(findings)
    day = {} if as_of is None else {"as_of": as_of.isoformat()}
    record = RecordTime(checkpoint_size, checkpoint_root)
    stale = [f for f in ordered if f.record_time != record]
    if stale:
        raise ComplianceError(
            f"{len(stale)} finding(s) were computed at another checkpoint than the "
            f"document's (size {checkpoint_size})",
            details=[
                f"{f.requirement} {f.party} {f.subject}: checkpoint {f.record_time.checkpoint_size}"
                for f in stale[:5]
            ],
        )
    return canonical_json(
        {
            "format": FINDINGS_FORMAT,
            "period": period,
            **day,
            "checkpoint": {"size": checkpoint_size, "root": checkpoint_root},
            "counts": counts(ordered),
            "findings": [f.to_json() for f in ordered],
        }
    )

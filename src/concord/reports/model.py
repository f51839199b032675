"""What a quarterly compliance report is made of: plain values, no database, no engine.

A :class:`ReportInput` holds everything the renderer shows — the treaty in force, the
findings, the ledger references of the evidence with their inclusion proofs, and the
chart series as plain numbers — so that the report depends only on this value and the
same value always gives the same bytes. Whoever builds it (the quarterly cycle, a test,
an auditor recomputing a report) decides where the numbers come from.

A per-signatory report (``scope`` = a party id) keeps only that party's findings and
series; the consolidated report (``scope`` = None) keeps everything.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType
from typing import Any

from concord.compliance.findings import Finding, findings_json, sorted_findings
from concord.errors import ComplianceError
from concord.ledger.receipts import Receipt
from concord.treaty.calendar import parse_period
from concord.treaty.versions import TreatyVersion

AREA_WIDE = ""  # the party of a finding about a sector or the Area as a whole


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointInfo:
    """The signed checkpoint the report was computed at, and the key that checks it."""

    size: int
    root_b64: str
    note: str
    verifier_key: str = ""

    def __post_init__(self) -> None:
        try:
            root = base64.b64decode(self.root_b64, validate=True)
        except binascii.Error:
            root = b""
        if len(root) != 32:
            raise ComplianceError(f"checkpoint root {self.root_b64!r} is not a base64 SHA-256")
        if self.size < 1:
            raise ComplianceError(f"checkpoint size must be at least 1, not {self.size}")

    @property
    def root_hex(self) -> str:
        """The root as the ``compliance.findings_published`` statement writes it."""
        return base64.b64decode(self.root_b64).hex()


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRef:
    """A statement in the log that a finding rests on, with its inclusion proof."""

    index: int
    statement_id: str
    statement_type: str
    leaf_hash: str
    inclusion_proof: tuple[str, ...]
    checkpoint_size: int

    @classmethod
    def from_receipt(
        cls, receipt: Receipt, *, statement_type: str, checkpoint_size: int
    ) -> EvidenceRef:
        """From a receipt whose proof is against the checkpoint of ``checkpoint_size``."""
        return cls(
            index=receipt.index,
            statement_id=receipt.statement_id,
            statement_type=statement_type,
            leaf_hash=base64.b64encode(receipt.leaf_hash).decode(),
            inclusion_proof=tuple(base64.b64encode(h).decode() for h in receipt.inclusion_proof),
            checkpoint_size=checkpoint_size,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteReconciliation:
    """Declared against measured extraction at one site in the period (tonnes)."""

    party: str
    site: str
    declared: float
    measured: float
    sigma: float  # combined standard uncertainty of the difference, tonnes


@dataclass(frozen=True, slots=True, kw_only=True)
class CusumSeries:
    """Page's CUSUM path S_t of one party (and site) over successive periods."""

    party: str
    subject: str
    #: (period id, S_t), oldest first; S_t before any restart, as the finding has it
    points: tuple[tuple[str, float], ...]
    threshold: float  # the decision interval h

    @property
    def alarmed(self) -> bool:
        return any(s > self.threshold for _, s in self.points)

    @property
    def restarts(self) -> int:
        """Alarms before the last period: after each, the path starts again from 0."""
        return sum(s > self.threshold for _, s in self.points[:-1])


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeCharge:
    """A docking fee charged per day, and what the schedule gives for it."""

    party: str
    vessel_class: str
    berth: str
    charged_per_day: float
    schedule_per_day: float | None  # None: the schedule has no rate for this class/berth


@dataclass(frozen=True, slots=True, kw_only=True)
class PartySummary:
    """How one party stands in the period."""

    party: str
    requirements_met: int
    violations: int
    insufficient_evidence: int


def summarise(findings: Iterable[Finding]) -> tuple[PartySummary, ...]:
    """Per party: requirements all of whose findings are compliant, and the bad counts."""
    statuses: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    violations: dict[str, int] = defaultdict(int)
    insufficient: dict[str, int] = defaultdict(int)
    for f in findings:
        statuses[f.party][f.requirement].add(f.status)
        violations[f.party] += f.status == "violation"
        # A requirement with no evidence at all is not met: it counts with the
        # requirements whose evidence does not suffice.
        insufficient[f.party] += f.status in ("insufficient_evidence", "no_evidence")
    return tuple(
        PartySummary(
            party=party,
            requirements_met=sum(1 for s in statuses[party].values() if s == {"compliant"}),
            violations=violations[party],
            insufficient_evidence=insufficient[party],
        )
        for party in sorted(statuses)
    )


def _frozen(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(sorted(mapping.items())))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportInput:
    """Everything a quarterly compliance report shows, for one scope."""

    treaty: TreatyVersion
    period: str
    scope: str | None
    checkpoint: CheckpointInfo
    findings: Sequence[Finding]
    #: The day the period was judged as of (None: not named, in documents made before).
    as_of: date | None = None
    evidence_refs: Mapping[int, EvidenceRef] = field(default_factory=dict)
    reconciliation_series: Sequence[SiteReconciliation] = ()
    cusum_series: Sequence[CusumSeries] = ()
    fee_series: Sequence[FeeCharge] = ()
    claims_maps: Mapping[str, tuple[bytes, bytes]] = field(default_factory=dict)  # svg, png
    summary: Sequence[PartySummary] = ()  # default: computed from the findings

    def __post_init__(self) -> None:
        parse_period(self.period, self.treaty.treaty.calendar.period)
        parties = {p.id for p in self.treaty.treaty.parties}
        if self.scope is not None and self.scope not in parties:
            raise ComplianceError(
                f"report scope {self.scope!r} is not a party to {self.treaty.treaty.id}",
                details=[f"parties: {', '.join(sorted(parties))}"],
            )
        mine = self._in_scope
        findings = tuple(sorted_findings(f for f in self.findings if mine(f.party)))
        summary = self.summary or summarise(findings)
        set_ = object.__setattr__
        set_(self, "findings", findings)
        set_(self, "summary", tuple(s for s in summary if mine(s.party)))
        set_(self, "reconciliation_series", _kept(self.reconciliation_series, mine))
        set_(self, "cusum_series", _kept(self.cusum_series, mine))
        set_(self, "fee_series", _kept(self.fee_series, mine))
        set_(self, "evidence_refs", _frozen(self.evidence_refs))
        set_(self, "claims_maps", _frozen(self.claims_maps))
        self._check_evidence()

    def _in_scope(self, party: str) -> bool:
        return self.scope is None or party == self.scope

    def _check_evidence(self) -> None:
        # Article 55: a finding cites the evidence considered; a violation the report
        # cannot back with a ledger reference and its proof must not be published.
        missing = sorted(
            {
                index
                for f in self.findings
                if f.status == "violation"
                for index in f.evidence
                if index not in self.evidence_refs
            }
        )
        if missing:
            raise ComplianceError(
                f"the report lacks ledger references for {len(missing)} evidence entries "
                "of violations",
                details=[f"log index {i}" for i in missing[:20]],
            )

    @property
    def scope_label(self) -> str:
        return "consolidated" if self.scope is None else self.scope

    def findings_document(self) -> bytes:
        """The canonical findings JSON of this report's findings (all of them when
        consolidated, so its SHA-256 equals the published findings document's)."""
        return findings_json(
            self.findings,
            period=self.period,
            checkpoint_size=self.checkpoint.size,
            checkpoint_root=self.checkpoint.root_hex,
            as_of=self.as_of,
        )

    def scoped(self, scope: str | None) -> ReportInput:
        """The same report for another scope (from a consolidated input)."""
        return replace(self, scope=scope)


def _kept(items: Sequence[Any], mine: Callable[[str], bool]) -> tuple[Any, ...]:
    return tuple(item for item in items if mine(item.party))

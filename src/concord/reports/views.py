"""What the report template shows, arranged from a :class:`ReportInput`.

The template only loops and prints; every choice about order and placement is made
here, in plain functions: a requirement is reported under the chapter of the first
provision it cites, and a chart sits beside the first requirement whose findings it
illustrates (reconciliation and CUSUM by the reconciliation requirements, fees by the
fee requirements, claims maps by the holder-share and claims requirements).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from concord.compliance.findings import Finding
from concord.reports import charts
from concord.reports.model import AREA_WIDE, EvidenceRef, ReportInput
from concord.treaty.models import Chapter, Provision, Requirement

STATUS_LABELS = {
    "compliant": "Compliant",
    "violation": "Violation",
    "insufficient_evidence": "Insufficient evidence",
    "no_evidence": "No evidence",
    "not_applicable": "Not applicable",
}


@dataclass(frozen=True, slots=True)
class Figure:
    caption: str
    data_uri: str


@dataclass(frozen=True, slots=True)
class FindingView:
    anchor: str
    finding: Finding
    party_name: str
    status_label: str
    measured: str
    threshold: str
    statistic: str
    evidence: tuple[EvidenceRef, ...]
    #: The finding's two times, compactly: the dates it concerns and the checkpoint.
    times: str = ""


@dataclass(frozen=True, slots=True)
class CompliantGroup:
    """The compliant findings of one party under a requirement, summarised."""

    party_name: str
    subjects: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RequirementView:
    requirement: Requirement
    articles: str
    #: The findings a reader must see: every one that is not compliant, in full.
    findings: tuple[FindingView, ...]
    figures: tuple[Figure, ...]
    #: The compliant findings, one line per party (their subjects named).
    compliant: tuple[CompliantGroup, ...] = ()

    @property
    def compliant_count(self) -> int:
        return sum(max(1, len(g.subjects)) for g in self.compliant)


@dataclass(frozen=True, slots=True)
class ChapterView:
    chapter: Chapter
    requirements: tuple[RequirementView, ...]


@dataclass(frozen=True, slots=True)
class SummaryRow:
    party: str
    name: str
    requirements_met: int
    violations: int
    insufficient_evidence: int


def data_uri(svg: str | bytes) -> str:
    """An SVG as a data: URI, so the HTML needs no other file (and ids cannot clash)."""
    raw = svg.encode() if isinstance(svg, str) else svg
    return "data:image/svg+xml;base64," + base64.b64encode(raw).decode()


def number(value: float | None) -> str:
    if value is None:
        return "—"
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def party_names(report: ReportInput) -> dict[str, str]:
    names = {p.id: p.name for p in report.treaty.treaty.parties}
    names[AREA_WIDE] = "Area-wide"
    return names


def summary_rows(report: ReportInput) -> list[SummaryRow]:
    names = party_names(report)
    return [
        SummaryRow(
            party=s.party,
            name=names.get(s.party, s.party),
            requirements_met=s.requirements_met,
            violations=s.violations,
            insufficient_evidence=s.insufficient_evidence,
        )
        for s in report.summary
    ]


def times(finding: Finding) -> str:
    """``valid 2187-04-01 – 2187-06-30 · record: checkpoint 1234``: the dates a finding
    concerns (valid time) and the log size it was computed at (record time)."""
    valid, record = finding.valid_time, finding.record_time
    return (
        f"valid {valid.start.isoformat()} – {valid.end.isoformat()} · "
        f"record: checkpoint {record.checkpoint_size:,}"
    )


def finding_views(report: ReportInput) -> dict[str, list[FindingView]]:
    """Findings per requirement id, each with an anchor the summary can link to."""
    names = party_names(report)
    out: dict[str, list[FindingView]] = defaultdict(list)
    for n, f in enumerate(report.findings, start=1):
        stat = "—" if f.statistic is None else f"{f.statistic.name} = {f.statistic.value:.2f}"
        refs = tuple(report.evidence_refs[i] for i in f.evidence if i in report.evidence_refs)
        out[f.requirement].append(
            FindingView(
                anchor=f"finding-{n}",
                finding=f,
                party_name=names.get(f.party, f.party),
                status_label=STATUS_LABELS[f.status],
                measured=number(f.measured),
                threshold=number(f.threshold),
                statistic=stat,
                evidence=refs if f.status == "violation" else (),
                times=times(f),
            )
        )
    return out


def compliant_groups(views: Sequence[FindingView]) -> tuple[CompliantGroup, ...]:
    """Compliant findings grouped by party, in the order of the findings."""
    subjects: dict[str, list[str]] = {}
    for view in views:
        if view.finding.status == "compliant":
            named = subjects.setdefault(view.party_name, [])
            if view.finding.subject:
                named.append(view.finding.subject)
    return tuple(CompliantGroup(name, tuple(found)) for name, found in subjects.items())


def _articles(provisions: dict[str, Provision], cites: Sequence[str]) -> str:
    numbers = [str(provisions[c].article) for c in cites if c in provisions]
    prefix = "Article" if len(numbers) == 1 else "Articles"
    return f"{prefix} {', '.join(numbers)}" if numbers else ""


FigureMaker = Callable[[ReportInput], list[Figure]]


def _statistics_figures(report: ReportInput) -> list[Figure]:
    drawn = [
        (
            "Declared and measured extraction per site in the period; the whiskers show ±2σ "
            "of the measurement, and sites declared below that band are named in red.",
            charts.reconciliation_chart(report.reconciliation_series),
        ),
        (
            "CUSUM paths over successive periods against the decision interval h; a cross "
            "marks an alarm (Article 25).",
            charts.cusum_chart(report.cusum_series),
        ),
    ]
    return [Figure(caption, data_uri(svg)) for caption, svg in drawn if svg]


def _fee_figures(report: ReportInput) -> list[Figure]:
    svg = charts.fee_chart(report.fee_series)
    caption = (
        "Fees charged per day, one point per docking call, against the schedule of "
        "Annex II (black bar) for each vessel class and berth."
    )
    return [Figure(caption, data_uri(svg))] if svg else []


def _map_figures(report: ReportInput) -> list[Figure]:
    names = {s.id: s.name for s in report.treaty.treaty.sectors}
    return [
        Figure(f"Claims map of {names.get(sector, sector)} (Article 14).", data_uri(svg))
        for sector, (svg, _png) in report.claims_maps.items()
    ]


#: Which figures sit beside which kind of requirement; a group is shown once.
FIGURES_BY_KIND: dict[str, tuple[str, FigureMaker]] = {
    "reconciliation": ("statistics", _statistics_figures),
    "fee_schedule": ("fees", _fee_figures),
    "holder_share": ("maps", _map_figures),
    "claim_respected": ("maps", _map_figures),
}


def chapter_views(report: ReportInput) -> list[ChapterView]:
    """Chapters in treaty order, each with the requirements that first cite it."""
    provisions = {p.id: p for p in report.treaty.treaty.provisions}
    in_force = {p.id: p for p in report.treaty.provisions()}
    provisions.update(in_force)
    findings = finding_views(report)
    placed: set[str] = set()
    by_chapter: dict[str, list[RequirementView]] = defaultdict(list)
    for requirement in report.treaty.requirements():
        first = provisions.get(requirement.cites[0])
        if first is None:
            continue
        figures: list[Figure] = []
        group = FIGURES_BY_KIND.get(requirement.kind)
        if group is not None and group[0] not in placed:
            placed.add(group[0])
            figures = group[1](report)
        views = findings.get(requirement.id, [])
        by_chapter[first.chapter].append(
            RequirementView(
                requirement=requirement,
                articles=_articles(provisions, requirement.cites),
                findings=tuple(v for v in views if v.finding.status != "compliant"),
                figures=tuple(figures),
                compliant=compliant_groups(views),
            )
        )
    chapters = sorted(report.treaty.treaty.chapters, key=lambda c: c.number)
    return [ChapterView(c, tuple(by_chapter[c.id])) for c in chapters if by_chapter[c.id]]


def violation_views(report: ReportInput) -> list[FindingView]:
    return [
        view
        for views in finding_views(report).values()
        for view in views
        if view.finding.status == "violation"
    ]

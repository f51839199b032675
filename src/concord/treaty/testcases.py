"""Treaty test cases: data files of given evidence and expected findings, and their runner.

A case names a treaty, a day, a reporting period, what is given (statements and evidence
rows) and the findings expected. The runner computes the treaty in force on that day,
hands everything to an *evaluator* (the compliance engine, or any callable with the same
shape) and compares what it finds with what the case expects. Format:
``docs/treaty-format.md`` (Test cases).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from concord.errors import ConcordError, TreatyError
from concord.treaty.calendar import Period, parse_period
from concord.treaty.loader import Locator, parse_yaml, read_yaml_file, validate_model
from concord.treaty.models import Amendment, Requirement, Treaty
from concord.treaty.problems import Problem
from concord.treaty.types import Date, Identifier, Strict, Text
from concord.treaty.versions import TreatyVersion, treaty_at

CASE_FORMAT = "concord-treaty-test/1"

FindingStatus = Literal[
    "compliant",
    "violation",
    "insufficient_evidence",
    "no_evidence",
    "not_applicable",
    "open_case",
]


class Given(Strict):
    """What the record holds: statements (type, author, issued_at, body) and evidence rows."""

    statements: list[dict[str, Any]] = Field(default_factory=list)
    evidence: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


class ExpectedFinding(Strict):
    """A finding the evaluator must produce; a missing subject or period matches any."""

    requirement: Identifier
    status: FindingStatus
    subject: str | None = None
    period: str | None = None


class Expectation(Strict):
    findings: list[ExpectedFinding] = Field(default_factory=list)
    complete: bool = Field(
        default=True, description="every finding other than compliant must be expected"
    )


class TreatyTestCase(Strict):
    format: Literal["concord-treaty-test/1"]
    id: Identifier
    treaty: Identifier
    description: Text
    as_of: Date
    period: Text
    requirements: list[Identifier] = Field(
        default_factory=list, description="empty: every requirement in force"
    )
    given: Given = Field(default_factory=Given)
    expect: Expectation


class ObservedFinding(BaseModel):
    """A finding as an evaluator reports it (keys beyond these are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    requirement: str
    status: str
    subject: str | None = None
    period: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRequest:
    """What an evaluator is given for one case."""

    case: TreatyTestCase
    treaty: TreatyVersion
    period: Period
    requirements: list[Requirement]


Evaluator = Callable[[CaseRequest], Iterable[ObservedFinding | Mapping[str, Any]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseResult:
    case_id: str
    source: str
    missing: list[ExpectedFinding] = field(default_factory=list)
    unexpected: list[ObservedFinding] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected and self.error is None


@dataclass(frozen=True, slots=True)
class LoadedCase:
    source: str
    case: TreatyTestCase


def case_files(path: Path) -> list[Path]:
    """The case file at ``path``, or every ``*.yaml``/``*.yml`` file under a directory."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
    if not path.exists():
        raise TreatyError(f"no such file or directory: {path}")
    return [path]


def check_case(case: TreatyTestCase, treaty: Treaty, locate: Locator) -> list[Problem]:
    """The case must name this treaty, a period of its calendar and its requirements."""
    out = []
    if case.treaty != treaty.id:
        out.append(locate(["treaty"], f'is "{case.treaty}", but the treaty is "{treaty.id}"'))
    try:
        parse_period(case.period, treaty.calendar.period)
    except TreatyError as exc:
        out.append(locate(["period"], exc.message))
    known = {r.id for r in treaty.requirements}
    out += [
        locate(["requirements", i], f'unknown requirement "{rid}"')
        for i, rid in enumerate(case.requirements)
        if rid not in known
    ]
    out += [
        locate(["expect", "findings", i, "requirement"], f'unknown requirement "{f.requirement}"')
        for i, f in enumerate(case.expect.findings)
        if f.requirement not in known
    ]
    return out


def load_cases(path: Path, treaty: Treaty) -> list[LoadedCase]:
    """Every case under ``path``; raise TreatyError listing every problem in every file."""
    loaded: list[LoadedCase] = []
    problems: list[Problem] = []
    for file in case_files(path):
        doc, found = parse_yaml(read_yaml_file(file, "test case file"), str(file))
        if doc is not None:
            case, more = validate_model(TreatyTestCase, doc)
            found += more
            if case is not None:
                found += check_case(case, treaty, doc.problem)
                loaded.append(LoadedCase(str(file), case))
        problems += found
    if problems:
        raise TreatyError(
            f"test cases under {path} are invalid: {len(problems)} problem(s)",
            details=[f"{p.source}: {p}" for p in problems],
        )
    return loaded


def _matches(expected: ExpectedFinding, observed: ObservedFinding) -> bool:
    return (
        expected.requirement == observed.requirement
        and expected.status == observed.status
        and expected.subject in (None, observed.subject)
        and expected.period in (None, observed.period)
    )


def compare(
    expected: Sequence[ExpectedFinding], observed: Sequence[ObservedFinding], *, complete: bool
) -> tuple[list[ExpectedFinding], list[ObservedFinding]]:
    """Expected findings not observed, and observed findings not expected (if ``complete``)."""
    unmatched = list(observed)
    missing = []
    for want in expected:
        hit = next((o for o in unmatched if _matches(want, o)), None)
        if hit is None:
            missing.append(want)
        else:
            unmatched.remove(hit)
    unexpected = [o for o in unmatched if complete and o.status != "compliant"]
    return missing, unexpected


def run_case(
    loaded: LoadedCase, treaty: Treaty, amendments: Sequence[Amendment], evaluator: Evaluator
) -> CaseResult:
    """Evaluate one case and compare the findings with the expected ones."""
    case = loaded.case
    try:
        version = treaty_at(treaty, amendments, case.as_of)
        period = parse_period(case.period, treaty.calendar.period)
        wanted = set(case.requirements)
        requirements = [r for r in version.requirements() if not wanted or r.id in wanted]
        request = CaseRequest(case=case, treaty=version, period=period, requirements=requirements)
        observed = [
            f if isinstance(f, ObservedFinding) else ObservedFinding.model_validate(f)
            for f in evaluator(request)
        ]
    except ConcordError as exc:
        return CaseResult(case_id=case.id, source=loaded.source, error=exc.diagnostics())
    missing, unexpected = compare(case.expect.findings, observed, complete=case.expect.complete)
    return CaseResult(case_id=case.id, source=loaded.source, missing=missing, unexpected=unexpected)


def run_cases(
    path: Path, treaty: Treaty, evaluator: Evaluator, amendments: Sequence[Amendment] = ()
) -> list[CaseResult]:
    """Load every case under ``path`` and run it."""
    return [run_case(c, treaty, amendments, evaluator) for c in load_cases(path, treaty)]

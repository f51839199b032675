"""The engine on generated Station Unity evidence: injected violations found, clean
data clean, and the statistical tests' detection and false-alarm rates as theory says.

Each seed's evidence goes through the real statement parser and the real analytic-store
loader, then the real requirement engine (the ledger is left out for speed; the cycle
tests run the whole pipeline).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from scipy.stats import binom, norm

from concord.compliance.engine import evaluate_requirements
from concord.compliance.findings import Finding
from concord.compliance.statistics import alarm_probability_within
from concord.evidence.analytics import load_statements
from concord.evidence.analytics_schema import create_tables
from concord.evidence.blobs import BlobStore
from concord.identity.keys import SigningKey
from concord.ledger.statements import parse_statement
from concord.registry import default_registry
from concord.scenario.generator import Scenario, generate
from concord.scenario.treaty import station_unity_text
from concord.treaty.calendar import parse_period
from concord.treaty.service import load_treaty_text, treaty_at

OFFICE = SigningKey("office", b"\x07" * 32)
TREATY = load_treaty_text(station_unity_text())
PERIODS = ["2187-Q2", "2187-Q3", "2187-Q4", "2188-Q1"]
SEEDS = range(100, 124)


def _r7(scenario: Scenario, tmp: Path, requirements: tuple[str, ...] = ("R7",)) -> list[Finding]:
    """The requirements (default R7, reconciliation per site) for every quarter."""
    registry = default_registry()
    blobs = BlobStore(tmp)
    items = []
    for index, generated in enumerate(scenario.statements):
        for data in generated.blobs.values():
            blobs.put(data)
        statement = parse_statement(generated.envelope, registry, max_entry_bytes=65_535)
        if statement.type.startswith("evidence."):
            items.append((index, statement))
    con = duckdb.connect()
    create_tables(con)
    load_statements(con, items, blobs)
    out: list[Finding] = []
    for period in PERIODS:
        as_of = date(2188, 12, 31)
        version = treaty_at(TREATY, [], as_of)
        wanted = [r for r in version.requirements() if r.id in requirements]
        out += evaluate_requirements(con, version, parse_period(period), wanted, as_of=as_of)
    con.close()
    return out


def test_injected_under_declarations_are_found_and_false_alarms_are_rare(tmp_path: Path) -> None:
    missed_gross: list[tuple[int, str, str]] = []
    protracted_caught = protracted_total = 0
    false_alarms = honest_site_quarters = 0
    for seed in SEEDS:
        scenario = generate(OFFICE, seed, quarters=4, size=1)
        findings = _r7(scenario, tmp_path / str(seed))
        flagged = {(f.period, f.subject) for f in findings if f.status == "violation"}
        truth = scenario.truth.violations
        for v in truth:
            if v.kind == "gross_under_declaration" and (v.period, v.subject) not in flagged:
                missed_gross.append((seed, str(v.period), v.subject))
        protracted = {v.subject for v in truth if v.kind == "protracted_under_declaration"}
        for site in protracted:
            protracted_total += 1
            protracted_caught += any((p, site) in flagged for p in PERIODS)
        dirty = {(v.period, v.subject) for v in truth if v.requirement == "R7"}
        dirty_sites = {v.subject for v in truth if v.requirement == "R7"}
        for f in findings:
            if f.status not in ("violation", "compliant") or f.subject in dirty_sites:
                continue
            honest_site_quarters += 1
            false_alarms += f.status == "violation" and (f.period, f.subject) not in dirty
    assert missed_gross == []
    # The generator makes the protracted 3 % under-reporting cross h = 4 by the fourth
    # quarter (scores ≈ 2.2 a quarter against k = 0.5): it must be caught every time.
    assert protracted_caught == protracted_total > 0
    # An honest site-quarter alarms through the item test (one-sided k = 3: Φ(−3)) or the
    # CUSUM (at most the probability of an alarm within 4 in-control periods). Over
    # every honest site-quarter the count must stay below the binomial 99.9 % quantile.
    rate = norm.cdf(-3) + alarm_probability_within(0.5, 4.0, 0.0, 4)
    bound = binom.ppf(0.999, honest_site_quarters, rate)
    assert honest_site_quarters > 600
    assert false_alarms <= bound, (false_alarms, honest_site_quarters, rate)


#: Requirements whose verdict involves no sampling error: on clean evidence, none may
#: find a violation. (R7/R8 have a stated false-alarm rate, tested above; R14/R15 need
#: the claims registry, exercised by the cycle tests.)
EXACT = ("R1", "R2", "R3", "R5", "R6", "R9", "R10", "R11", "R12", "R13", "R16", "R17")


def test_clean_evidence_gives_no_violation_where_no_statistics_are_involved(
    tmp_path: Path,
) -> None:
    for seed in (3, 4):
        scenario = generate(OFFICE, seed, quarters=4, size=1, violations=False)
        assert scenario.truth.violations == ()
        findings = _r7(scenario, tmp_path / str(seed), EXACT)
        assert [f for f in findings if f.status == "violation"] == []
        assert sum(f.status == "compliant" for f in findings) >= 100

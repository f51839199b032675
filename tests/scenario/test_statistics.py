"""The clean data is clean and the injected violations show, by Concord's own statistics."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from tests.scenario.reading import Pair, pairs

from concord.compliance.statistics import UncertaintyTable, cusum, item_test
from concord.scenario.generator import Scenario
from concord.scenario.sites import PROTRACTED_SITE

TABLE = UncertaintyTable.default()


def _z(rows: list[Pair]) -> tuple[np.ndarray, np.ndarray]:
    """z and the k = 3 flag of every row, each tested with its own method's uncertainty."""
    z = np.empty(len(rows))
    flagged = np.zeros(len(rows), dtype=bool)
    by_method: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_method[row.method].append(i)
    for method, index in by_method.items():
        batch = item_test(
            np.array([rows[i].declared for i in index]),
            np.array([rows[i].measured for i in index]),
            TABLE.get(method),
            declared_sigma=np.array([rows[i].declared_sigma for i in index]),
        )
        z[index], flagged[index] = batch.z, batch.flagged
    return z, flagged


def test_clean_differences_are_standard_normal_and_flag_at_the_theoretical_rate(
    clean_large: Scenario,
) -> None:
    rows = pairs(clean_large)
    assert len(rows) > 1800
    z, flagged = _z(rows)
    assert abs(float(z.mean())) < 0.15
    assert 0.85 < float(z.std()) < 1.15
    # Φ(−3) = 0.00135 per row: ≈ 2.6 expected among these rows; 10 would be 1-in-10⁴.
    assert int(flagged.sum()) <= 10


def test_gross_under_declarations_are_flagged_and_material(dirty: Scenario) -> None:
    rows = pairs(dirty)
    z, flagged = _z(rows)
    gross = {(v.subject, v.period) for v in dirty.truth.of_kind("gross_under_declaration")}
    assert gross
    for row, is_flagged, score in zip(rows, flagged, z, strict=True):
        if (row.site, row.period) in gross:
            assert is_flagged
            assert score < -6
            assert row.measured - row.declared > max(50.0, 0.02 * row.measured)
        elif row.site != PROTRACTED_SITE:
            assert score > -4


def test_protracted_under_declaration_escapes_the_item_test_but_not_cusum(
    dirty: Scenario, clean: Scenario
) -> None:
    for scenario, should_alarm in ((dirty, True), (clean, False)):
        rows = sorted(
            (r for r in pairs(scenario) if r.site == PROTRACTED_SITE), key=lambda r: r.period
        )
        assert len(rows) == 4
        z, flagged = _z(rows)
        assert not flagged.any()
        assert cusum(-z, k=0.5, h=4).alarmed is should_alarm
    recorded = dirty.truth.of_kind("protracted_under_declaration")
    assert [v.magnitude["cusum_alarm"] for v in recorded][-1] == "yes"


def _sector_totals(scenario: Scenario) -> dict[tuple[str, str, str], float]:
    from tests.scenario.reading import csv_rows, of_type, tonnes

    sector = {s.site_id: s.sector for s in scenario.sites}
    totals: dict[tuple[str, str, str], float] = defaultdict(float)
    for body in (p["body"] for p in of_type(scenario, "evidence.measurement_filed")):
        for row in csv_rows(scenario, body["table"]["sha256"])[1]:
            value = tonnes(row["quantity"], row["unit"])
            totals[(body["period"], sector[row["site"]], row["party"])] += value
            totals[(body["period"], sector[row["site"]], "*")] += value
    return totals


def test_clean_extraction_stays_within_the_sector_caps(clean_large: Scenario) -> None:
    limits = {("seven-beta", "*"): 12000, ("four-gamma", "*"): 9000}
    for (period, sector, party), total in _sector_totals(clean_large).items():
        limit = limits.get((sector, party), 6000 if sector == "seven-beta" else None)
        assert limit is None or total < 0.8 * limit, (period, sector, party, total)


def test_the_injected_cap_breach_is_over_the_limit(dirty: Scenario) -> None:
    (breach,) = dirty.truth.of_kind("sector_cap_exceeded")
    assert breach.period is not None
    total = _sector_totals(dirty)[(breach.period, "seven-beta", "PA")]
    assert total > 6500
    assert abs(total - float(breach.magnitude["measured_t"])) < 1

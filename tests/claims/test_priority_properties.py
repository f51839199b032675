"""resolve_all must give the same settlement whatever order claims and conflicts arrive in."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from tests.claims.factories import CONTESTED, PRECEDENCE, at, treaty_rules

from concord.claims.overlaps import detect_conflicts
from concord.claims.priority import ActivityRecord, ClaimFacts
from concord.claims.settlement import resolve_all

HOLDERS = ("Pacific Alliance", "European Federation", "Mars Independents", "Titan Resources")
DAY = date(2032, 3, 31)


@st.composite
def registries(draw: st.DrawFn) -> list[ClaimFacts]:
    count = draw(st.integers(1, 9))
    claims = []
    for i in range(count):
        x, y = draw(st.integers(0, 15)), draw(st.integers(0, 15))
        side = draw(st.integers(1, 6))
        # Few distinct filing days, so that equal filing times occur.
        filed = at("2029-01-01T00:00:00") + timedelta(days=draw(st.sampled_from([0, 400, 800])))
        registered = draw(st.sampled_from([None, date(2029, 6, 1), date(2031, 1, 15)]))
        reports = draw(
            st.lists(st.tuples(st.integers(0, 10), st.integers(0, 60), st.booleans()), max_size=4)
        )
        activity = tuple(
            ActivityRecord(
                period_start=date(2030, 1, 1) + timedelta(days=91 * q),
                period_end=date(2030, 1, 1) + timedelta(days=91 * q + 90),
                reported_on=date(2030, 1, 1) + timedelta(days=91 * q + 90 + late),
                operational=operational,
            )
            for q, late, operational in reports
        )
        claims.append(
            ClaimFacts(
                claim_id=f"C-{i:02d}",
                holder=draw(st.sampled_from(HOLDERS)),
                filed_at=filed,
                geometry=box(x, y, x + side, y + side),
                registered_on=registered,
                activity=activity,
            )
        )
    return claims


@settings(max_examples=40, deadline=None)
@given(registries(), st.integers(0, 2**32 - 1))
def test_settlement_does_not_depend_on_arrival_order(claims: list[ClaimFacts], seed: int) -> None:
    rng = random.Random(seed)
    table = detect_conflicts([c.claim_id for c in claims], [c.geometry for c in claims])
    pairs = table.pairs()
    expected = resolve_all(
        claims, pairs, treaty_rules(), precedence=PRECEDENCE, contested=CONTESTED, at=DAY
    )
    shuffled_claims = rng.sample(claims, len(claims))
    shuffled_pairs = [(b, a) if rng.random() < 0.5 else (a, b) for a, b in pairs]
    rng.shuffle(shuffled_pairs)
    rules = treaty_rules()
    rng.shuffle(rules)
    again = resolve_all(
        shuffled_claims,
        shuffled_pairs,
        rules,
        precedence=PRECEDENCE,
        contested=CONTESTED,
        at=DAY,
    )
    assert again == expected
    # Every live overlap is resolved exactly once; lapsed ones are released.
    assert len(expected.resolutions) + len(expected.released) == len(pairs)


@settings(max_examples=30, deadline=None)
@given(registries(), st.integers(0, 2**32 - 1))
def test_adding_a_far_away_claim_changes_nothing_else(claims: list[ClaimFacts], seed: int) -> None:
    far = ClaimFacts(
        "Z-99", "Belt Mining Federation", at("2031-05-05T00:00:00"), box(500, 500, 501, 501)
    )
    ids = [c.claim_id for c in claims]
    pairs = detect_conflicts(ids, [c.geometry for c in claims]).pairs()
    base = resolve_all(
        claims, pairs, treaty_rules(), precedence=PRECEDENCE, contested=CONTESTED, at=DAY
    )
    mixed = random.Random(seed).sample([*claims, far], len(claims) + 1)
    more = resolve_all(
        mixed, pairs, treaty_rules(), precedence=PRECEDENCE, contested=CONTESTED, at=DAY
    )
    assert more.resolutions == base.resolutions
    assert [s for s in more.standings if s.claim_id != "Z-99"] == list(base.standings)
    assert more.standing("Z-99").status == "clear"

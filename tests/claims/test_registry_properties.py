"""The registry's ground does not depend on the order in which filings arrive; priority
by first filing follows that order (the registry's receipt), whatever the filers wrote."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import box, union_all
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims import store
from concord.claims.models import ClaimOverlap
from concord.claims.service import claims_registry, settle
from concord.claims.shares import holder_shares

from .registry_world import make_world

HOLDERS = ("MI", "HMC", "TR", "EF")
DAY = date(2187, 9, 30)

Filing = tuple[str, str, tuple[float, float, float, float], str]


@st.composite
def filings(draw: st.DrawFn) -> list[Filing]:
    count = draw(st.integers(1, 5))
    days = draw(st.lists(st.integers(0, 60), min_size=count, max_size=count, unique=True))
    out = []
    for i, day in enumerate(days):
        x, y = draw(st.integers(0, 80)), draw(st.integers(0, 60))
        w, h = draw(st.integers(1, 20)), draw(st.integers(1, 20))
        filed = (date(2187, 4, 2) + timedelta(days=day)).isoformat()
        out.append((f"C-{i}", draw(st.sampled_from(HOLDERS)), (x, y, x + w, y + h), filed))
    return out


def outcome(order: list[Filing]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        world = make_world(Path(home), f"sqlite:///{Path(home) / 'concord.db'}")
        try:
            for claim_id, holder, rect, filed in order:
                world.file(claim_id, holder, rect, filed)
            with Session(world.ws.engine) as session:
                assert_shares_are_unions(session)
                overlaps = session.scalars(select(ClaimOverlap).order_by(ClaimOverlap.claim_a))
                return {
                    "registry": [
                        (c.claim_id, c.holder, c.status, c.area_km2, c.filed_at)
                        for c in claims_registry(session)
                    ],
                    "overlaps": sorted(
                        (o.claim_a, o.claim_b, o.area_km2, o.share_a, o.share_b) for o in overlaps
                    ),
                    "decided": first_filed_follows_receipt(session),
                    "shares": holder_shares(session, DAY),
                }
        finally:
            world.ws.close()


def first_filed_follows_receipt(session: Session) -> int:
    """Every pair decided by first filing goes to the claim the registry received first;
    the number of pairs decided (the same in any arrival order)."""
    received = {c.claim_id: c.log_index for c in claims_registry(session)}
    resolutions = settle(session, DAY).resolutions
    for r in resolutions:
        assert r.winner is not None
        assert r.loser is not None
        assert r.decided_by == ("first-filed",)
        assert received[r.winner] < received[r.loser]
    return len(resolutions)


def assert_shares_are_unions(session: Session) -> None:
    """Every holder's share is the area of the union of its claims, at most the sector."""
    claims = store.claims_on(session, DAY)
    sector = box(0, 0, 100, 80)  # Seven-Alpha (Annex I)
    for row in holder_shares(session, DAY):
        held = [store.shape_of(c.geometry) for c in claims if c.holder == row.holder]
        assert row.area_km2 == pytest.approx(union_all(held).intersection(sector).area)
        assert row.area_km2 <= sector.area
        assert 0.0 < row.share <= 1.0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filings(), st.randoms(use_true_random=False))
def test_arrival_order_does_not_change_the_registry(claims: list[Filing], rng: Any) -> None:
    shuffled = list(claims)
    rng.shuffle(shuffled)
    assert outcome(claims) == outcome(shuffled)

from __future__ import annotations

import pytest
from tests.claims.factories import at

from concord.claims.tenure import (
    Amended,
    Contested,
    Filed,
    Lapsed,
    Registered,
    Relinquished,
    Ruled,
    Tenure,
    Transferred,
    replay,
)
from concord.errors import ClaimError

PA = "Pacific Alliance"
HMC = "Helios Mining Consortium"


def registered() -> Tenure:
    return replay(
        "PA-7B-03",
        [Filed(at("2031-03-01T09:00:00"), PA), Registered(at("2031-03-15T00:00:00"))],
    )


def test_full_history_is_kept() -> None:
    tenure = registered()
    for event in (
        Amended(at("2031-04-01T00:00:00"), by=PA),
        Transferred(at("2031-05-01T00:00:00"), PA, HMC),
        Relinquished(at("2032-01-01T00:00:00"), by=HMC),
    ):
        tenure = tenure.apply(event)
    assert [(e.status, e.holder) for e in tenure.history] == [
        ("filed", PA),
        ("registered", PA),
        ("amended", PA),
        ("transferred", HMC),
        ("relinquished", HMC),
    ]
    assert tenure.status == "relinquished"
    assert tenure.history[3].at == at("2031-05-01T00:00:00")
    assert isinstance(tenure.history[3].event, Transferred)


def test_transfer_by_someone_who_is_not_the_holder_is_refused() -> None:
    with pytest.raises(ClaimError, match="by Titan Resources, who is not the holder"):
        registered().apply(Transferred(at("2031-05-01T00:00:00"), "Titan Resources", HMC))


def test_nothing_happens_after_relinquishment() -> None:
    gone = registered().apply(Relinquished(at("2031-06-01T00:00:00"), by=PA))
    for event in (
        Registered(at("2031-07-01T00:00:00")),
        Transferred(at("2031-07-01T00:00:00"), PA, HMC),
        Lapsed(at("2031-07-01T00:00:00")),
        Contested(at("2031-07-01T00:00:00"), "CASE-1"),
    ):
        with pytest.raises(ClaimError, match="no further changes"):
            gone.apply(event)


def test_contest_and_ruling_return_the_claim_to_registered() -> None:
    tenure = registered().apply(Contested(at("2031-07-01T00:00:00"), "CASE-1"))
    tenure = tenure.apply(Contested(at("2031-07-02T00:00:00"), "CASE-2"))
    assert tenure.open_cases == ("CASE-1", "CASE-2")
    with pytest.raises(ClaimError, match="not allowed while contested"):
        tenure.apply(Transferred(at("2031-08-01T00:00:00"), PA, HMC))
    tenure = tenure.apply(Ruled(at("2031-09-01T00:00:00"), "CASE-2", upheld=True))
    assert tenure.status == "contested"
    tenure = tenure.apply(Ruled(at("2031-10-01T00:00:00"), "CASE-1", upheld=True))
    assert tenure.status == "registered"
    assert tenure.open_cases == ()


def test_filed_claim_contested_and_upheld_is_still_only_filed() -> None:
    tenure = replay("X", [Filed(at("2031-01-01T00:00:00"), PA)])
    tenure = tenure.apply(Contested(at("2031-02-01T00:00:00"), "CASE-9"))
    assert tenure.apply(Ruled(at("2031-03-01T00:00:00"), "CASE-9", upheld=True)).status == "filed"


def test_ruling_against_the_claim_revokes_it() -> None:
    tenure = registered().apply(Contested(at("2031-07-01T00:00:00"), "CASE-1"))
    tenure = tenure.apply(Ruled(at("2031-09-01T00:00:00"), "CASE-1", upheld=False))
    assert tenure.status == "revoked"
    with pytest.raises(ClaimError, match="no further changes"):
        tenure.apply(Registered(at("2031-10-01T00:00:00")))


def test_lapse_applies_to_registered_claims_only() -> None:
    assert registered().apply(Lapsed(at("2031-08-01T00:00:00"))).status == "lapsed"
    filed = replay("X", [Filed(at("2031-01-01T00:00:00"), PA)])
    with pytest.raises(ClaimError, match="lapsed not allowed while filed"):
        filed.apply(Lapsed(at("2031-08-01T00:00:00")))


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([Registered(at("2031-01-01T00:00:00"))], "before the claim was filed"),
        (
            [Filed(at("2031-01-01T00:00:00"), PA), Filed(at("2031-01-02T00:00:00"), PA)],
            "filed twice",
        ),
        (
            [Filed(at("2031-01-02T00:00:00"), PA), Registered(at("2031-01-01T00:00:00"))],
            "before the last entry",
        ),
        (
            [
                Filed(at("2031-01-01T00:00:00"), PA),
                Transferred(at("2031-01-02T00:00:00"), PA, HMC),
            ],
            "transferred not allowed while filed",
        ),
        (
            [
                Filed(at("2031-01-01T00:00:00"), PA),
                Registered(at("2031-01-02T00:00:00")),
                Transferred(at("2031-01-03T00:00:00"), PA, PA),
            ],
            "to itself",
        ),
        (
            [Filed(at("2031-01-01T00:00:00"), PA), Amended(at("2031-01-02T00:00:00"), by=HMC)],
            "who is not the holder",
        ),
        (
            [
                Filed(at("2031-01-01T00:00:00"), PA),
                Ruled(at("2031-01-02T00:00:00"), "CASE-1", upheld=True),
            ],
            "not open on this claim",
        ),
    ],
)
def test_illegal_transitions(events: list, message: str) -> None:
    with pytest.raises(ClaimError, match=message):
        replay("X", events)


def test_amending_a_filing_keeps_it_filed() -> None:
    tenure = replay(
        "X", [Filed(at("2031-01-01T00:00:00"), PA), Amended(at("2031-01-02T00:00:00"), by=PA)]
    )
    assert tenure.status == "filed"

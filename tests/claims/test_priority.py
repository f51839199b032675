from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import box
from tests.claims.factories import (
    CONTESTED,
    PRECEDENCE,
    RATIFIED,
    claim,
    quarterly_reports,
    treaty_rules,
)

from concord.claims.overlaps import detect_conflicts
from concord.claims.priority import (
    ActivityRecord,
    PriorityRule,
    lapse_date,
    resolve,
    rules_in_force,
)
from concord.claims.settlement import resolve_all
from concord.errors import ClaimError, TreatyError

DAY = date(2031, 6, 30)
OVERLAP = box(40, 0, 50, 10)


def seven_beta() -> tuple:
    """The European Federation filed first; the Pacific Alliance was there first."""
    federation = claim(
        "EF-7B-01",
        "European Federation",
        "2031-01-10T09:00:00",
        box(0, 0, 50, 10),
        registered=date(2031, 2, 1),
    )
    alliance = claim(
        "PA-7B-03",
        "Pacific Alliance",
        "2031-03-01T09:00:00",
        box(40, 0, 90, 10),
        registered=date(2031, 3, 15),
        activity=(
            ActivityRecord(date(2030, 10, 1), date(2030, 12, 31), date(2031, 1, 15), True, OVERLAP),
        ),
    )
    return federation, alliance


def test_sector_seven_beta_is_contested() -> None:
    federation, alliance = seven_beta()
    result = resolve(
        federation, alliance, treaty_rules(), precedence=PRECEDENCE, contested=CONTESTED, at=DAY
    )
    assert result.contested
    assert result.winner is None
    assert result.disagreeing == ("first-filed", "presence")
    assert not result.undeclared_conflict
    favours = {f.rule_id: f.favours for f in result.findings}
    assert favours == {
        "use-it": None,
        "grandfathered": None,
        "first-filed": "EF-7B-01",
        "presence": "PA-7B-03",
    }
    assert set(result.cites) == {"Provision 12(1)", "Provision 12(2)"}
    reasons = {f.rule_id: f.reason for f in result.findings}
    assert "since 2030-10-01" in reasons["presence"]


def test_undeclared_disagreement_is_still_contested_but_flagged() -> None:
    federation, alliance = seven_beta()
    result = resolve(
        federation, alliance, treaty_rules(), precedence=PRECEDENCE, contested=set(), at=DAY
    )
    assert result.contested
    assert result.undeclared_conflict


def test_explicit_precedence_settles_the_disagreement() -> None:
    federation, alliance = seven_beta()
    precedence = {*PRECEDENCE, ("presence", "first-filed")}
    result = resolve(
        federation, alliance, treaty_rules(), precedence=precedence, contested=CONTESTED, at=DAY
    )
    assert (result.outcome, result.winner, result.loser) == ("decided", "PA-7B-03", "EF-7B-01")
    assert result.decided_by == ("presence",)


def test_outcome_does_not_depend_on_argument_order() -> None:
    federation, alliance = seven_beta()
    rules = treaty_rules()
    precedence = {*PRECEDENCE, ("presence", "first-filed")}
    one = resolve(federation, alliance, rules, precedence=precedence, contested=CONTESTED, at=DAY)
    two = resolve(alliance, federation, rules, precedence=precedence, contested=CONTESTED, at=DAY)
    assert (one.winner, one.decided_by) == (two.winner, two.decided_by)


def test_grandfathered_claim_prevails_over_later_overlapping_claim() -> None:
    # Registered before ratification; its reported work lies away from the overlap.
    prior = claim(
        "HMC-7B-02",
        "Helios Mining Consortium",
        "2028-05-02T12:00:00",
        box(0, 0, 50, 10),
        registered=date(2028, 7, 1),
        activity=quarterly_reports(date(2030, 7, 1), 4, worked_area=box(0, 0, 10, 10)),
    )
    later = claim(
        "TR-7B-09",
        "Titan Resources",
        "2031-02-01T08:00:00",
        box(40, 0, 90, 10),
        activity=(ActivityRecord(date(2030, 1, 1), date(2030, 3, 31), date(2031, 2, 1)),),
    )
    result = resolve(
        later, prior, treaty_rules(), precedence=PRECEDENCE, contested=CONTESTED, at=DAY
    )
    assert (result.winner, result.loser) == ("HMC-7B-02", "TR-7B-09")
    assert result.decided_by == ("grandfathered",)
    assert result.cites == ("Provision 1",)
    # Before the treaty was in force no rule applies: the pair goes to a case.
    before = resolve(
        later,
        prior,
        treaty_rules(),
        precedence=PRECEDENCE,
        contested=CONTESTED,
        at=date(2030, 1, 1),
    )
    assert before.contested
    assert before.findings == ()


def test_nothing_deciding_is_contested_and_flagged() -> None:
    a = claim("A", "Mars Collective", "2031-01-01T00:00:00")
    b = claim("B", "Belt Mining Federation", "2031-01-01T00:00:00")
    result = resolve(a, b, treaty_rules(), precedence=PRECEDENCE, contested=CONTESTED, at=DAY)
    assert result.contested
    assert result.disagreeing == ()
    assert result.undeclared_conflict


def test_lapse_date_follows_use_it_or_lose_it() -> None:
    rule = treaty_rules()[3]
    registered = date(2031, 2, 10)  # first full quarter: April–June, report due 30 July
    idle = claim("A", "Mars Collective", "2031-01-01T00:00:00", registered=registered)
    assert lapse_date(idle, rule, date(2031, 7, 30)) is None
    assert lapse_date(idle, rule, date(2031, 7, 31)) == date(2031, 7, 31)
    on_time = claim(
        "B",
        "Mars Collective",
        "2031-01-01T00:00:00",
        registered=registered,
        activity=quarterly_reports(date(2031, 4, 1), 2),
    )
    assert lapse_date(on_time, rule, date(2031, 12, 31)) is None
    assert lapse_date(on_time, rule, date(2032, 1, 31)) == date(2032, 1, 31)
    late = claim(
        "C",
        "Mars Collective",
        "2031-01-01T00:00:00",
        registered=registered,
        activity=(ActivityRecord(date(2031, 4, 1), date(2031, 6, 30), date(2031, 8, 15)),),
    )
    assert lapse_date(late, rule, date(2031, 9, 1)) == date(2031, 7, 31)
    pending = claim("D", "Mars Collective", "2031-01-01T00:00:00")
    assert lapse_date(pending, rule, date(2035, 1, 1)) is None


def test_lapsed_claim_no_longer_conflicts() -> None:
    federation, alliance = seven_beta()
    conflicts = detect_conflicts(
        [federation.claim_id, alliance.claim_id], [federation.geometry, alliance.geometry]
    )
    # A year on, the Federation has never reported activity: its claim has lapsed.
    later = date(2032, 3, 1)
    alliance = claim(
        alliance.claim_id,
        alliance.holder,
        "2031-03-01T09:00:00",
        alliance.geometry,
        registered=alliance.registered_on,
        activity=alliance.activity + quarterly_reports(date(2031, 4, 1), 3),
    )
    settlement = resolve_all(
        [federation, alliance],
        conflicts.pairs(),
        treaty_rules(),
        precedence=PRECEDENCE,
        contested=CONTESTED,
        at=later,
    )
    assert settlement.standing("EF-7B-01").status == "lapsed"
    assert settlement.standing("EF-7B-01").lapsed_on == date(2031, 7, 31)
    assert settlement.standing("PA-7B-03").status == "clear"
    assert settlement.resolutions == ()
    assert settlement.released == (("EF-7B-01", "PA-7B-03"),)
    assert settlement.contested == ()


def test_resolve_all_opens_seven_beta_as_a_case() -> None:
    federation, alliance = seven_beta()
    bystander = claim("MI-7B-05", "Mars Independents", "2031-01-05T00:00:00", box(200, 0, 210, 10))
    settlement = resolve_all(
        [alliance, bystander, federation],
        [("PA-7B-03", "EF-7B-01")],
        treaty_rules(),
        precedence=PRECEDENCE,
        contested=CONTESTED,
        at=DAY,
    )
    (case,) = settlement.contested
    assert (case.claim_a, case.claim_b) == ("EF-7B-01", "PA-7B-03")  # earlier filing first
    assert settlement.standing("EF-7B-01").contested_with == ("PA-7B-03",)
    assert settlement.standing("PA-7B-03").status == "contested"
    assert settlement.standing("MI-7B-05").status == "clear"


def test_winner_and_loser_standings() -> None:
    first = claim("A", "Mars Collective", "2031-01-01T00:00:00")
    second = claim("B", "Titan Resources", "2031-02-01T00:00:00")
    settlement = resolve_all(
        [first, second],
        [("A", "B")],
        treaty_rules(),
        precedence=PRECEDENCE,
        contested=CONTESTED,
        at=DAY,
    )
    assert settlement.standing("A").status == "prevails"
    assert settlement.standing("A").prevails_over == ("B",)
    assert settlement.standing("B").status == "yields"
    assert settlement.standing("B").yields_to == ("A",)


def test_rule_version_is_chosen_by_date() -> None:
    old = PriorityRule(
        "first-filed", "first_filed", date(2030, 1, 1), ("Provision 12",), {}, date(2032, 1, 1)
    )
    new = PriorityRule("first-filed", "first_filed", date(2032, 1, 1), ("Provision 12 as amended",))
    assert rules_in_force([old, new], date(2031, 12, 31)) == [old]
    assert rules_in_force([old, new], date(2032, 1, 1)) == [new]
    overlapping = PriorityRule("first-filed", "first_filed", date(2031, 6, 1), ("Provision 12a",))
    with pytest.raises(TreatyError, match="two versions in force"):
        rules_in_force([old, overlapping], date(2031, 7, 1))


def test_treaty_errors_in_rules_and_precedence() -> None:
    federation, alliance = seven_beta()
    with pytest.raises(TreatyError, match="circular"):
        resolve(
            federation,
            alliance,
            treaty_rules(),
            precedence={("first-filed", "presence"), ("presence", "first-filed")},
            contested=set(),
            at=DAY,
        )
    with pytest.raises(TreatyError, match="unknown priority rule nope"):
        resolve(
            federation,
            alliance,
            treaty_rules(),
            precedence={("nope", "presence")},
            contested=set(),
            at=DAY,
        )
    with pytest.raises(TreatyError, match="must cite"):
        PriorityRule("x", "first_filed", RATIFIED, ())
    with pytest.raises(TreatyError, match="missing params cutoff"):
        PriorityRule("x", "grandfathered", RATIFIED, ("P1",))
    with pytest.raises(TreatyError, match="period_months must divide 12"):
        PriorityRule("x", "activity_lapse", RATIFIED, ("P1",), {"due_days": 30, "period_months": 5})
    with pytest.raises(TreatyError, match="unknown kind"):
        PriorityRule("x", "finders_keepers", RATIFIED, ("P1",))  # type: ignore[arg-type]


def test_resolve_all_refuses_unknown_or_repeated_claims() -> None:
    federation, alliance = seven_beta()
    options = {"precedence": PRECEDENCE, "contested": CONTESTED, "at": DAY}
    with pytest.raises(ClaimError, match="listed twice"):
        resolve_all([federation, federation], [], treaty_rules(), **options)
    with pytest.raises(ClaimError, match="unknown claim XX-1"):
        resolve_all([federation, alliance], [("EF-7B-01", "XX-1")], treaty_rules(), **options)

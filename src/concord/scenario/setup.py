"""Statements before the first reporting period: principals, the treaty, claims, sites.

The record opens on the day of signature (15 January 2187, after a genesis at or
before 10:00 UTC): the office registers the cast and the treaty. On entry into force
(1 April) the holders enter their claims and the office registers them — the
grandfathered ones filed and registered with their Party before ratification on 1 March
— and the office then registers the extraction sites.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from concord.claims.schemas import ClaimFiled, ClaimRegistered
from concord.evidence.schemas import SITE_REGISTERED
from concord.identity.schemas import PrincipalRegistered
from concord.scenario.cast import Cast
from concord.scenario.claims import PlannedClaim
from concord.scenario.record import PlannedStatement, at
from concord.scenario.sites import PlannedSite
from concord.scenario.treaty import TREATY_ID, station_unity_text
from concord.treaty.models import Treaty
from concord.treaty.schemas import TREATY_REGISTERED
from concord.treaty.service import registration_payload
from concord.workspace import key_spec

#: When the office starts registering the cast; the workspace genesis must not be later.
RECORD_OPENS = datetime(2187, 1, 15, 10, 0, tzinfo=UTC)
PRINCIPAL_REGISTERED = "identity.principal_registered"


def principals(cast: Cast) -> list[PlannedStatement]:
    out = []
    for minute, member in enumerate(cast.registered):
        body = PrincipalRegistered.model_validate(
            {
                "principal_id": member.principal_id,
                "name": member.name,
                "roles": [member.role],
                "party": member.party,
                "key": key_spec(member.key, RECORD_OPENS),
            }
        )
        out.append(
            PlannedStatement(
                RECORD_OPENS + timedelta(minutes=minute),
                cast.office.key,
                PRINCIPAL_REGISTERED,
                f"register-{member.principal_id}",
                body,
            )
        )
    return out


def treaty_registration(cast: Cast) -> PlannedStatement:
    return PlannedStatement(
        RECORD_OPENS + timedelta(hours=1),
        cast.office.key,
        TREATY_REGISTERED,
        f"treaty-{TREATY_ID}",
        registration_payload(station_unity_text(), "station_unity.yaml"),
    )


def claims(planned: Sequence[PlannedClaim], cast: Cast, treaty: Treaty) -> list[PlannedStatement]:
    """Every claim entered on the day the treaty enters into force, in order of filing.

    The Claims Registry takes entries from entry into force (Article 8); a claim filed
    and registered with its Party before ratification is established if entered within
    ninety days of it (Article 1(2)), so the bodies keep their earlier ``filed_at`` and
    ``registered_at`` while the statements are issued on 1 April.
    """
    ratified = at(treaty.dates.ratified, 0)
    opens = at(treaty.dates.entry_into_force, 8)
    out = []
    for slot, claim in enumerate(sorted(planned, key=lambda c: (c.filed_at, c.claim_id))):
        entered = opens + timedelta(minutes=10 * slot)
        holder = cast.party(claim.holder).key
        out.append(
            PlannedStatement(
                entered,
                holder,
                ClaimFiled.statement_type,
                f"claim-filed-{claim.claim_id}",
                claim.filed(),
            )
        )
        out.append(
            PlannedStatement(
                entered + timedelta(minutes=5),
                cast.office.key,
                ClaimRegistered.statement_type,
                f"claim-registered-{claim.claim_id}",
                claim.registered(ratified),
            )
        )
        if claim.presence_from:
            # Operational presence before the first reporting period (Article 17: the
            # Pacific Alliance's basis of priority in Seven-Beta), reported in April.
            reported = at(treaty.dates.entry_into_force + timedelta(days=4), 11)
            report = claim.activity(claim.presence_from, reported)
            out.append(
                PlannedStatement(
                    reported,
                    holder,
                    report.statement_type,
                    f"claim-activity-{claim.claim_id}-{claim.presence_from}",
                    report,
                )
            )
    return out


def sites(planned: Sequence[PlannedSite], cast: Cast, treaty: Treaty) -> list[PlannedStatement]:
    # After the claims are entered, so that every site can be checked against them.
    opens = at(treaty.dates.entry_into_force, 12)
    return [
        PlannedStatement(
            opens + timedelta(minutes=index),
            cast.office.key,
            SITE_REGISTERED,
            f"site-{site.site_id}",
            site.registered(),
        )
        for index, site in enumerate(planned)
    ]

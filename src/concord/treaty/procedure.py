"""The dispute procedure: stages, the events that open and close them, and time limits.

Defaults follow the WTO Dispute Settlement Understanding (DSU) and the UNCITRAL
Arbitration Rules; a treaty states its own stages, and :func:`default_stages` gives the
defaults for a treaty that does not.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from concord.treaty.types import Duration, Identifier, Strict, Text

#: The event that opens every procedure.
FIRST_EVENT = "request_received"


class Stage(Strict):
    """A step that opens on ``starts`` and closes on ``ends``.

    ``within``: the closing event must happen within this time; ``not_before``: it may
    not happen earlier; ``at_most``: the outer limit when ``within`` may be extended.
    """

    id: Identifier
    title: Text
    starts: Identifier
    ends: Identifier
    within: Duration | None = None
    not_before: Duration | None = None
    at_most: Duration | None = None
    cites: list[Identifier] = Field(default_factory=list)


class DisputeProcedure(Strict):
    forum: Identifier = Field(description="party id of the office that administers disputes")
    # UNCITRAL Arbitration Rules (2021) art. 2(6): a period begins on the day following
    # the day when a notice is received.
    counting: Literal["day_after_receipt"] = "day_after_receipt"
    cites: list[Identifier] = Field(default_factory=list)
    stages: list[Stage] = Field(min_length=1)


def default_stages() -> list[Stage]:
    """The WTO DSU time limits, for a treaty that does not state its own."""
    return [
        # DSU art. 4.3: reply within 10 days, consultations within 30 days of receipt.
        Stage(id="reply", title="Reply to the request for consultations",
              starts=FIRST_EVENT, ends="reply_received", within=Duration(days=10)),
        Stage(id="consultations", title="Entry into consultations",
              starts=FIRST_EVENT, ends="consultations_held", within=Duration(days=30)),
        # DSU art. 4.7: a panel may be requested if consultations fail within 60 days.
        Stage(id="panel_request", title="Request for a panel",
              starts=FIRST_EVENT, ends="panel_requested", not_before=Duration(days=60)),
        # DSU art. 8.7: composition within 20 days of establishment.
        Stage(id="panel_composition", title="Composition of the panel",
              starts="panel_requested", ends="panel_composed", within=Duration(days=20)),
        # DSU art. 12.8-12.9: report within 6 months of composition, never beyond 9.
        Stage(id="panel_report", title="Panel report",
              starts="panel_composed", ends="panel_report_issued",
              within=Duration(months=6), at_most=Duration(months=9)),
        # DSU art. 16.4: adopted within 60 days of circulation unless a party appeals.
        Stage(id="appeal_notice", title="Notice of appeal",
              starts="panel_report_issued", ends="appeal_filed", within=Duration(days=60)),
        Stage(id="adoption", title="Adoption of the panel report",
              starts="panel_report_issued", ends="report_adopted", within=Duration(days=60)),
        # DSU art. 17.5: appellate proceedings within 60 days, in no case beyond 90.
        Stage(id="appeal", title="Appellate review",
              starts="appeal_filed", ends="appeal_report_issued",
              within=Duration(days=60), at_most=Duration(days=90)),
        # DSU art. 17.14: the appellate report is adopted within 30 days.
        Stage(id="appeal_adoption", title="Adoption of the appellate report",
              starts="appeal_report_issued", ends="report_adopted", within=Duration(days=30)),
        # DSU art. 21.3(c): the reasonable period of time should not exceed 15 months.
        Stage(id="compliance", title="Reasonable period of time for compliance",
              starts="report_adopted", ends="compliance_reported",
              within=Duration(months=15)),
    ]  # fmt: skip

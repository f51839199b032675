"""The tenure history of one claim: a small state machine over dated events.

Cadastre practice keeps the full tenure history of every title, never just its current
state. ``Tenure`` is an immutable value; ``apply`` returns the next one or raises
:class:`~concord.errors.ClaimError` when the event is not allowed::

    filed ──▶ registered ──▶ amended / transferred ──▶ relinquished | lapsed
      │            │                  │
      └────────────┴──▶ contested ◀───┘ ──(ruling upheld)──▶ registered (or filed)
                            └─────────(ruling against)──▶ revoked

Relinquished, lapsed and revoked are final. A contested claim may have several cases
open; it leaves ``contested`` when the last of them is ruled on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from concord.errors import ClaimError

TenureStatus = Literal[
    "filed",
    "registered",
    "amended",
    "transferred",
    "contested",
    "relinquished",
    "lapsed",
    "revoked",
]
FINAL: frozenset[TenureStatus] = frozenset({"relinquished", "lapsed", "revoked"})
TITLED: frozenset[TenureStatus] = frozenset({"registered", "amended", "transferred"})


@dataclass(frozen=True)
class Filed:
    at: datetime
    holder: str


@dataclass(frozen=True)
class Registered:
    at: datetime


@dataclass(frozen=True)
class Amended:
    at: datetime
    by: str


@dataclass(frozen=True)
class Transferred:
    at: datetime
    from_holder: str
    to_holder: str


@dataclass(frozen=True)
class Relinquished:
    at: datetime
    by: str


@dataclass(frozen=True)
class Lapsed:
    at: datetime
    reason: str = "no activity report by the due date"


@dataclass(frozen=True)
class Contested:
    at: datetime
    case_id: str


@dataclass(frozen=True)
class Ruled:
    at: datetime
    case_id: str
    upheld: bool


TenureEvent = Filed | Registered | Amended | Transferred | Relinquished | Lapsed | Contested | Ruled


@dataclass(frozen=True)
class TenureEntry:
    """One line of the history: the event and the state it left the claim in."""

    at: datetime
    event: TenureEvent
    status: TenureStatus
    holder: str


@dataclass(frozen=True)
class Tenure:
    """A claim's tenure: its full history and the cases still open against it."""

    claim_id: str
    history: tuple[TenureEntry, ...] = ()
    open_cases: tuple[str, ...] = ()
    status_before_contest: TenureStatus | None = None

    @property
    def status(self) -> TenureStatus | None:
        return self.history[-1].status if self.history else None

    @property
    def holder(self) -> str | None:
        return self.history[-1].holder if self.history else None

    def apply(self, event: TenureEvent) -> Tenure:
        """The tenure after ``event``; raises ClaimError if the event is not allowed."""
        self._check_can_change(event)
        match event:
            case Filed():
                after = _filed(self, event)
            case Registered():
                after = _registered(self, event)
            case Amended():
                after = _amended(self, event)
            case Transferred():
                after = _transferred(self, event)
            case Relinquished():
                after = _relinquished(self, event)
            case Lapsed():
                after = _lapsed(self, event)
            case Contested():
                after = _contested(self, event)
            case Ruled():
                after = _ruled(self, event)
        return after

    def _check_can_change(self, event: TenureEvent) -> None:
        if not self.history:
            if not isinstance(event, Filed):
                raise self._error(f"{_name(event)} before the claim was filed")
            return
        last = self.history[-1]
        if last.status in FINAL:
            raise self._error(
                f"{_name(event)} after the claim was {last.status} on {last.at.isoformat()}; "
                "no further changes are possible"
            )
        if event.at < last.at:
            raise self._error(
                f"{_name(event)} dated {event.at.isoformat()}, before the last entry "
                f"({last.at.isoformat()})"
            )

    def _error(self, reason: str) -> ClaimError:
        return ClaimError(f"claim {self.claim_id}: {reason}", details=[f"status: {self.status}"])

    def _require(self, event: TenureEvent, allowed: frozenset[TenureStatus]) -> None:
        if self.status not in allowed:
            wanted = ", ".join(sorted(allowed))
            raise self._error(f"{_name(event)} not allowed while {self.status} (only {wanted})")

    def _require_holder(self, who: str, event: TenureEvent) -> None:
        if who != self.holder:
            raise self._error(f"{_name(event)} by {who}, who is not the holder ({self.holder})")

    def _next(self, event: TenureEvent, status: TenureStatus, holder: str | None = None) -> Tenure:
        entry = TenureEntry(event.at, event, status, holder or self.holder or "")
        return replace(self, history=(*self.history, entry))


def _name(event: TenureEvent) -> str:
    return type(event).__name__.lower()


def _filed(tenure: Tenure, event: Filed) -> Tenure:
    if tenure.history:
        raise tenure._error("filed twice")
    return tenure._next(event, "filed", event.holder)


def _registered(tenure: Tenure, event: Registered) -> Tenure:
    tenure._require(event, frozenset({"filed"}))
    return tenure._next(event, "registered")


def _amended(tenure: Tenure, event: Amended) -> Tenure:
    # An amendment while contested would move the ground the case is about.
    tenure._require(event, TITLED | {"filed"})
    tenure._require_holder(event.by, event)
    return tenure._next(event, "filed" if tenure.status == "filed" else "amended")


def _transferred(tenure: Tenure, event: Transferred) -> Tenure:
    # Only a registered title can change hands, and not while a case is open on it.
    tenure._require(event, TITLED)
    tenure._require_holder(event.from_holder, event)
    if event.to_holder == event.from_holder:
        raise tenure._error(f"transfer from {event.from_holder} to itself")
    return tenure._next(event, "transferred", event.to_holder)


def _relinquished(tenure: Tenure, event: Relinquished) -> Tenure:
    tenure._require_holder(event.by, event)
    return replace(tenure._next(event, "relinquished"), open_cases=())


def _lapsed(tenure: Tenure, event: Lapsed) -> Tenure:
    # Use it or lose it applies to registered titles, contested or not.
    tenure._require(event, TITLED | {"contested"})
    return replace(tenure._next(event, "lapsed"), open_cases=())


def _contested(tenure: Tenure, event: Contested) -> Tenure:
    tenure._require(event, TITLED | {"filed", "contested"})
    if event.case_id in tenure.open_cases:
        raise tenure._error(f"case {event.case_id} is already open")
    before = tenure.status_before_contest if tenure.status == "contested" else tenure.status
    return replace(
        tenure._next(event, "contested"),
        open_cases=tuple(sorted((*tenure.open_cases, event.case_id))),
        status_before_contest=before,
    )


def _ruled(tenure: Tenure, event: Ruled) -> Tenure:
    if event.case_id not in tenure.open_cases:
        raise tenure._error(f"ruling in case {event.case_id}, which is not open on this claim")
    if not event.upheld:
        return replace(tenure._next(event, "revoked"), open_cases=())
    still_open = tuple(c for c in tenure.open_cases if c != event.case_id)
    if still_open:
        return replace(tenure._next(event, "contested"), open_cases=still_open)
    back: TenureStatus = "filed" if tenure.status_before_contest == "filed" else "registered"
    return replace(tenure._next(event, back), open_cases=(), status_before_contest=None)


def replay(claim_id: str, events: Iterable[TenureEvent]) -> Tenure:
    """The tenure reached by applying ``events`` in order to a new claim."""
    tenure = Tenure(claim_id)
    for event in events:
        tenure = tenure.apply(event)
    return tenure

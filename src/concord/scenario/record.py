"""A statement the generator means to sign, before it is put in ledger order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel

from concord.identity.keys import SigningKey


@dataclass(frozen=True, slots=True)
class PlannedStatement:
    """Who signs what, when, with which blobs (SHA-256 hex → bytes) it commits to."""

    issued_at: datetime
    signer: SigningKey
    statement_type: str
    statement_id: str
    body: BaseModel
    blobs: Mapping[str, bytes] = field(default_factory=dict, hash=False)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute`` UTC (statements carry second-precision UTC times)."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def days_after(day: date, days: int) -> date:
    return day + timedelta(days=days)

"""Projection tables of the claims registry, rebuilt by replaying claim statements.

Station Unity Art. 8: the registry records each claim's holder, boundary and filing
time; entries are never erased and a change is a new entry, so ``claim`` holds the
current state and ``claim_event`` the full tenure history (Art. 12).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.storage.base import Base


class Claim(Base):
    """A claim as it stands now: its holder, ground and tenure status."""

    __tablename__ = "claim"

    claim_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64), index=True, doc="treaty party id")
    mineral: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), doc="tenure status")
    geometry: Mapped[str] = mapped_column(Text, doc="GeoJSON, sector-km grid")
    area_km2: Mapped[float] = mapped_column(Float)
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    log_index: Mapped[int] = mapped_column(BigInteger, doc="log index of the filing")


class ClaimEvent(Base):
    """One line of a claim's tenure history."""

    __tablename__ = "claim_event"

    claim_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), doc="status after the event")
    holder: Mapped[str] = mapped_column(String(64), doc="holder after the event")
    case_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    statement_id: Mapped[str] = mapped_column(String(128))
    log_index: Mapped[int] = mapped_column(BigInteger, index=True)


class ClaimActivity(Base):
    """A holder's activity report for one period (Art. 11: use it or lose it)."""

    __tablename__ = "claim_activity"

    claim_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True, doc='e.g. "2187-Q2"')
    operational: Mapped[bool] = mapped_column(Boolean)
    worked_area: Mapped[str | None] = mapped_column(Text, nullable=True, doc="GeoJSON or none")
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    log_index: Mapped[int] = mapped_column(BigInteger)


class ClaimOverlap(Base):
    """Two live claims that share ground, found when either was filed or amended (Art. 10)."""

    __tablename__ = "claim_overlap"

    claim_a: Mapped[str] = mapped_column(String(64), primary_key=True)
    claim_b: Mapped[str] = mapped_column(String(64), primary_key=True)
    area_km2: Mapped[float] = mapped_column(Float)
    share_a: Mapped[float] = mapped_column(Float)
    share_b: Mapped[float] = mapped_column(Float)
    log_index: Mapped[int] = mapped_column(BigInteger)

"""Projection tables of the evidence domain: what the statement checks need to look up.

The bulk evidence itself is never copied into these tables; it stays in the blob store
and is loaded into the analytic store (:mod:`concord.evidence.analytics`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from concord.storage.base import Base


class EvidenceSite(Base):
    """An extraction site registered by the office."""

    __tablename__ = "evidence_site"

    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(64), index=True)
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    operator: Mapped[str] = mapped_column(String(64))
    minerals: Mapped[str] = mapped_column(String(500), doc="comma-separated")
    log_index: Mapped[int] = mapped_column(BigInteger)


class EvidenceFiling(Base):
    """A declaration or measurement as filed: who, for what period, which table."""

    __tablename__ = "evidence_filing"

    statement_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(16), doc="declaration or measurement")
    filing_type: Mapped[str] = mapped_column(String(32), doc="declaration/measurement type")
    party: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    period: Mapped[str] = mapped_column(String(16), index=True)
    author: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class EvidenceInspection(Base):
    """An inspector's request for access to a site, and when access was granted."""

    __tablename__ = "evidence_inspection"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(64))
    site: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    granted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    log_index: Mapped[int] = mapped_column(BigInteger)


class EvidenceDocking(Base):
    """The office's decision on a docking request."""

    __tablename__ = "evidence_docking"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(64))
    vessel: Mapped[str] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(String(16))
    log_index: Mapped[int] = mapped_column(BigInteger)

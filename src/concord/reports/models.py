"""Projection table of the reports domain: the reports the office has published."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from concord.storage.base import Base


class PublishedReport(Base):
    """One ``reports.published`` statement: which report, at which checkpoint, which bytes."""

    __tablename__ = "report"

    report_id: Mapped[str] = mapped_column(String(128), primary_key=True, doc="period/scope@size")
    period: Mapped[str] = mapped_column(String(16), index=True, doc='e.g. "2187-Q2"')
    scope: Mapped[str] = mapped_column(String(64), doc='party id, or "" when consolidated')
    checkpoint_size: Mapped[int] = mapped_column(BigInteger)
    checkpoint_root: Mapped[str] = mapped_column(String(64), doc="hex")
    findings_sha256: Mapped[str] = mapped_column(String(64))
    html_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    statement_id: Mapped[str] = mapped_column(String(128))
    log_index: Mapped[int] = mapped_column(BigInteger)

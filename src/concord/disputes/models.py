"""Projection table of dispute cases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.storage.base import Base


class DisputeCase(Base):
    __tablename__ = "dispute_case"

    case_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    parties: Mapped[str] = mapped_column(String(400), doc="comma-separated party ids")
    status: Mapped[str] = mapped_column(String(32))
    received: Mapped[dt.date] = mapped_column(Date)
    requirement: Mapped[str | None] = mapped_column(String(64), nullable=True)
    period: Mapped[str | None] = mapped_column(String(16), nullable=True)
    subject: Mapped[str] = mapped_column(String(200))
    claims: Mapped[str] = mapped_column(String(400), doc="comma-separated claim ids")
    provisions: Mapped[str] = mapped_column(String(400))
    summary: Mapped[str] = mapped_column(Text)
    log_index: Mapped[int] = mapped_column(BigInteger)
    statement_id: Mapped[str] = mapped_column(String(128))

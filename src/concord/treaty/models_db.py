"""Projection table of registered treaty documents (treaties and their amendments)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concord.storage.base import Base


class TreatyDocument(Base):
    """A treaty or amendment file as registered: its exact text and where it is logged."""

    __tablename__ = "treaty_document"

    document_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    treaty_id: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16), doc="treaty or amendment")
    sha256: Mapped[str] = mapped_column(String(64))
    effective_date: Mapped[date] = mapped_column(Date)
    log_index: Mapped[int] = mapped_column(BigInteger)
    statement_id: Mapped[str] = mapped_column(String(128))
    document: Mapped[str] = mapped_column(Text)

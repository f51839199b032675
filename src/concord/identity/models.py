"""Projection tables of the identity domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from concord.storage.base import Base


class Principal(Base):
    __tablename__ = "identity_principal"

    principal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(200), doc="comma-separated, sorted")
    party: Mapped[str | None] = mapped_column(String(64), nullable=True)
    registered_at: Mapped[int] = mapped_column(BigInteger, doc="log index")


class PrincipalKey(Base):
    __tablename__ = "identity_key"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    principal_id: Mapped[str] = mapped_column(
        ForeignKey("identity_principal.principal_id"), index=True
    )
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_from: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, doc="statements issued from then on refused"
    )

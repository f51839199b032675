"""What request authentication keeps between requests: nonces already seen, login
challenges handed out, and browser sessions.

These rows are shared by every worker process of the server (so that a nonce replayed
to another worker is still refused). They say nothing about who holds which key or
role: that comes from the signed log alone. Times are seconds since the epoch, by the
server's clock.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import BigInteger, Engine, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from concord.storage.base import Base
from concord.storage.db import APPEND


class RequestNonce(Base):
    """A nonce a signed request used, kept until its ``created`` leaves the window."""

    __tablename__ = "identity_request_nonce"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class LoginChallenge(Base):
    """A challenge a browser may sign once, before it expires, to open a session."""

    __tablename__ = "identity_login_challenge"

    challenge: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class BrowserSession(Base):
    """A browser session: only the SHA-256 of its cookie's token is stored."""

    __tablename__ = "identity_browser_session"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def remember_nonce(engine: Engine, key_id: str, nonce: str, expires_at: int, now: int) -> bool:
    """Record ``nonce`` as used by ``key_id``; False if it was already (a replay)."""
    try:
        with Session(engine.execution_options(**APPEND)) as session, session.begin():
            session.execute(delete(RequestNonce).where(RequestNonce.expires_at < now))
            session.add(RequestNonce(key_id=key_id, nonce=nonce, expires_at=expires_at))
    except IntegrityError:
        return False
    return True


def add_challenge(engine: Engine, challenge: str, expires_at: int, now: int) -> None:
    with Session(engine.execution_options(**APPEND)) as session, session.begin():
        session.execute(delete(LoginChallenge).where(LoginChallenge.expires_at < now))
        session.add(LoginChallenge(challenge=challenge, expires_at=expires_at))


def take_challenge(engine: Engine, challenge: str, now: int) -> bool:
    """Use up ``challenge``: True if it was handed out and has not expired nor been used."""
    with Session(engine.execution_options(**APPEND)) as session, session.begin():
        found = session.get(LoginChallenge, challenge)
        if found is None:
            return False
        session.delete(found)
        return found.expires_at >= now


def open_session(
    engine: Engine,
    token: str,
    principal_id: str,
    key_id: str,
    csrf_token: str,
    expires_at: int,
    now: int,
) -> None:
    with Session(engine.execution_options(**APPEND)) as session, session.begin():
        session.execute(delete(BrowserSession).where(BrowserSession.expires_at < now))
        session.add(
            BrowserSession(
                token_sha256=_token_hash(token),
                principal_id=principal_id,
                key_id=key_id,
                csrf_token=csrf_token,
                expires_at=expires_at,
            )
        )


def find_session(engine: Engine, token: str, now: int) -> BrowserSession | None:
    """The unexpired session of a cookie's ``token``, or None."""
    with Session(engine) as session:
        found = session.scalars(
            select(BrowserSession).where(BrowserSession.token_sha256 == _token_hash(token))
        ).first()
        if found is None or found.expires_at < now:
            return None
        session.expunge(found)
        return found


def close_session(engine: Engine, token: str) -> None:
    with Session(engine.execution_options(**APPEND)) as session, session.begin():
        session.execute(
            delete(BrowserSession).where(BrowserSession.token_sha256 == _token_hash(token))
        )

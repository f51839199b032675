"""What every route is handed: the workspace, and who is calling.

:func:`caller` is the boundary where request authentication (RFC 9421 HTTP message
signatures) and role-scoped reads will go: today every request is the public caller,
and every route answers only what the public record holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from concord.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a request: a registered principal, or the public (``principal`` None).

    ``roles`` and ``party`` are the principal's as replayed from the signed log."""

    principal: str | None = None
    roles: frozenset[str] = frozenset()
    party: str | None = None
    #: How the request was authenticated: "public", "signature" or "session".
    via: str = "public"

    @property
    def is_public(self) -> bool:
        return self.principal is None


PUBLIC = Caller()


async def caller(request: Request) -> Caller:
    """The caller of ``request`` (refused with 401 when its credentials do not hold)."""
    from concord.api.auth import authenticate

    return await authenticate(request, office(request))


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthSettings:
    """How long credentials hold, in seconds, and the clock they are judged by (the
    machine's: freshness is about the network, not the record's time)."""

    #: A signed request's ``created`` must be within this of the server's clock.
    window: int = 300
    challenge_lifetime: int = 120
    session_lifetime: int = 900
    clock: Callable[[], float] = time.time


@dataclass(slots=True)
class Office:
    """The app's open workspace, and the lock that lets one request append at a time
    in this process (the database orders appends across processes)."""

    workspace: Workspace
    append_lock: threading.Lock
    auth: AuthSettings = field(default_factory=AuthSettings)


def office(request: Request) -> Office:
    found = request.app.state.office
    assert isinstance(found, Office)
    return found


def workspace(request: Request) -> Workspace:
    return office(request).workspace


WorkspaceDep = Annotated[Workspace, Depends(workspace)]
OfficeDep = Annotated[Office, Depends(office)]
CallerDep = Annotated[Caller, Depends(caller)]

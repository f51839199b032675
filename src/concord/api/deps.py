"""What every route is handed: the workspace, and who is calling.

:func:`caller` is the boundary where request authentication (RFC 9421 HTTP message
signatures) and role-scoped reads will go: today every request is the public caller,
and every route answers only what the public record holds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from concord.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a request: a registered principal, or the public (``principal`` None)."""

    principal: str | None = None

    @property
    def is_public(self) -> bool:
        return self.principal is None


PUBLIC = Caller()


def caller(request: Request) -> Caller:
    """The caller of ``request``. Requests are not authenticated yet: the public."""
    del request
    return PUBLIC


@dataclass(slots=True)
class Office:
    """The app's open workspace, and the lock that lets one request append at a time
    in this process (the database orders appends across processes)."""

    workspace: Workspace
    append_lock: threading.Lock


def office(request: Request) -> Office:
    found = request.app.state.office
    assert isinstance(found, Office)
    return found


def workspace(request: Request) -> Workspace:
    return office(request).workspace


WorkspaceDep = Annotated[Workspace, Depends(workspace)]
OfficeDep = Annotated[Office, Depends(office)]
CallerDep = Annotated[Caller, Depends(caller)]

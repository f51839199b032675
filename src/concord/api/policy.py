"""Authorisation as data: one table of which role may do what to which resource.

Each :class:`Rule` names a resource (a group of routes), an action (``read``,
``submit`` or ``act``) and, per role, a scope: ``all`` (anything of the resource),
``own`` (only material of the caller's own party, or of the caller itself), or no
access. ``public`` is the role of every caller, signed in or not. A party's non-public
material is its own, the office's and the arbiter's.

Routes enforce the table through one dependency, :func:`permit`. A caller with no
access is refused with 401 when it is the public (it may sign in) and 403 otherwise;
a caller with ``own`` access asking for another party's material is answered 404, as
if it did not exist, when the rule is ``hidden`` (the existence of a party's table is
itself confidential).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from fastapi import Depends

from concord.api.deps import Caller, CallerDep
from concord.errors import AuthenticationError, AuthorizationError, NotFoundError

Scope = Literal["all", "own"]
ALL: Scope = "all"
OWN: Scope = "own"
PUBLIC = "public"
#: Every role of the table, in its column order.
ROLES = ("public", "signatory", "third_party", "inspector", "arbiter", "office")
PRINCIPALS = ROLES[1:]


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may do ``action`` to ``resource``, and the routes that do it."""

    resource: str
    action: str
    grants: Mapping[str, Scope]
    routes: tuple[str, ...]
    #: Deny material that is not the caller's own with 404 rather than 403.
    hidden: bool = False

    def scope(self, roles: Iterable[str]) -> Scope | None:
        """The widest scope any of ``roles`` has."""
        scopes = {self.grants.get(role) for role in roles}
        return ALL if ALL in scopes else OWN if OWN in scopes else None


def _to(roles: Iterable[str], scope: Scope = ALL) -> dict[str, Scope]:
    return dict.fromkeys(roles, scope)


EVERYONE = _to(ROLES)

RULES: tuple[Rule, ...] = (
    Rule("statements", "submit", _to(PRINCIPALS), ("POST /statements",)),
    Rule("receipts", "read", EVERYONE, ("GET /receipts/{statement_id}",)),
    Rule(
        "log",
        "read",
        EVERYONE,
        (
            "GET /log/checkpoint",
            "GET /log/tile/entries/{path}",
            "GET /log/tile/{level}/{path}",
            "GET /log/proof/inclusion",
            "GET /log/proof/consistency",
            "GET /log/entries",
        ),
    ),
    Rule("treaty", "read", EVERYONE, ("GET /treaty",)),
    Rule("principals", "read", EVERYONE, ("GET /principals",)),
    Rule("claims", "read", EVERYONE, ("GET /claims",)),
    Rule("sites", "read", EVERYONE, ("GET /sites",)),
    Rule("findings", "read", EVERYONE, ("GET /findings",)),
    Rule("cases", "read", EVERYONE, ("GET /cases",)),
    Rule("reports", "read", EVERYONE, ("GET /reports/{period}.html", "GET /reports/{period}.pdf")),
    Rule(
        "tables",
        "read",
        {**_to(("signatory", "third_party", "inspector"), OWN), **_to(("arbiter", "office"))},
        ("GET /tables/{sha256}",),
        hidden=True,
    ),
)

#: Routes outside the table: signing in and out, and the API's own description.
EXEMPT = (
    "GET /session/challenge",
    "POST /session",
    "DELETE /session",
    "GET /openapi.json",
    "GET /docs",
)


def rule(resource: str, action: str) -> Rule:
    for found in RULES:
        if (found.resource, found.action) == (resource, action):
            return found
    raise KeyError(f"no rule for {action} {resource}")


def caller_roles(who: Caller) -> frozenset[str]:
    """The roles a caller acts with: its principal's, and the public's."""
    return who.roles | {PUBLIC}


@dataclass(frozen=True, slots=True)
class Grant:
    """What :func:`permit` let a caller do: its scope, for routes that narrow by owner."""

    caller: Caller
    rule: Rule
    scope: Scope

    def owns(self, principals: Iterable[str], parties: Iterable[str | None]) -> bool:
        who = self.caller
        return who.principal in set(principals) or (
            who.party is not None and who.party in set(parties)
        )

    def require_own(
        self, what: str, principals: Iterable[str], parties: Iterable[str | None]
    ) -> None:
        """Raise unless the grant covers ``what``, owned by ``principals`` or ``parties``."""
        if self.scope == ALL or self.owns(principals, parties):
            return
        if self.rule.hidden:
            raise NotFoundError(f"{what} is not found")
        raise AuthorizationError(f"{what} is not {self.caller.principal}'s own")


def denial(found: Rule, who: Caller) -> AuthenticationError | AuthorizationError:
    action = f"{found.action} {found.resource}"
    if who.is_public:
        return AuthenticationError(
            f"to {action}, sign the request with a registered key or open a session",
            details=[f"{action} is open to: {', '.join(sorted(found.grants))}"],
        )
    return AuthorizationError(
        f"{who.principal} (roles: {', '.join(sorted(who.roles))}) may not {action}",
        details=[f"{action} is open to: {', '.join(sorted(found.grants))}"],
    )


@cache
def permit(resource: str, action: str) -> Callable[[Caller], Grant]:
    """The dependency that lets a route do ``action`` to ``resource`` for callers the
    table allows, and refuses the others."""
    found = rule(resource, action)

    def permitted(who: CallerDep) -> Grant:
        scope = found.scope(caller_roles(who))
        if scope is None:
            raise denial(found, who)
        return Grant(who, found, scope)

    permitted.rule = found  # type: ignore[attr-defined]  # read by the OpenAPI builder
    return permitted


def allowed(resource: str, action: str) -> Any:
    """``Depends`` of :func:`permit`, for a router's or route's ``dependencies``."""
    return Depends(permit(resource, action))


def markdown_table() -> str:
    """The table as Markdown, as docs/reference.md shows it."""
    header = "| resource | action | " + " | ".join(ROLES) + " | routes |"
    lines = [header, "|" + "---|" * (len(ROLES) + 3)]
    for found in RULES:
        cells = [found.grants.get(role, "—") for role in ROLES]
        hidden = " (else 404)" if found.hidden else ""
        routes = ", ".join(f"`{r}`" for r in found.routes)
        lines.append(
            f"| {found.resource} | {found.action} | {' | '.join(cells)} | {routes}{hidden} |"
        )
    return "\n".join(lines)

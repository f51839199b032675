"""Who is calling: a request signed with a registered key (RFC 9421), a browser
session's cookie, or the public.

Who holds which key and role is read from the identity state the office replays from
its signed log (``ws.ledger.identity``), never from the identity tables; a key is
usable as it is for signing statements (not revoked, valid from before the office's
time). Refusals are 401 problem documents whose detail names the reason.

A signed request is refused when ``created`` is more than the window from the
server's clock, when its ``expires`` has passed, and when its nonce was used before by
the same key within the window (nonces are kept in the database, so every worker of
the server agrees).

Browsers: ``GET /session/challenge`` hands out a challenge; ``POST /session`` with the
challenge signed by the principal's key (see :func:`concord.api.client.login_message`)
sets a short-lived ``HttpOnly; SameSite=Strict`` cookie and answers a CSRF token. A
request authenticated by the cookie that changes anything (any method but GET, HEAD
and OPTIONS) must carry that token in ``X-CSRF-Token``, and an ``Origin``, when sent,
must be the server's own.
"""

from __future__ import annotations

import binascii
import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from concord.api import bodies, signatures
from concord.api.client import login_message
from concord.api.deps import PUBLIC, Caller, Office, OfficeDep
from concord.api.problems import responses
from concord.errors import AuthenticationError, AuthorizationError, SignatureError
from concord.identity import sessions
from concord.identity.keys import verify_signature
from concord.identity.state import IdentityState, PrincipalRecord

COOKIE = "concord_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

router = APIRouter(prefix="/session", tags=["session"])


def _office_time(office: Office) -> datetime:
    """The office's time, by which keys are judged (as statements are)."""
    ledger = office.workspace.ledger
    now = ledger.clock()
    recorded = ledger.office_time()
    return recorded if recorded is not None and recorded > now else now


def _holder(office: Office, key_id: str) -> PrincipalRecord:
    """The principal that may use ``key_id`` now, as the signed log says."""
    identity: IdentityState = office.workspace.ledger.identity
    try:
        principal, _key = identity.key_holder(key_id, _office_time(office))
    except SignatureError as exc:
        raise AuthenticationError(exc.message.replace("the request: ", "")) from None
    return principal


def _caller(principal: PrincipalRecord, via: str) -> Caller:
    return Caller(principal.principal_id, principal.roles, principal.party, via)


def _parts(request: Request) -> signatures.RequestParts:
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    fields = {name: ", ".join(request.headers.getlist(name)) for name in request.headers}
    return signatures.RequestParts(
        method=request.method,
        authority=request.headers.get("host", ""),
        path=bytes(raw_path).decode("latin-1"),
        query=bytes(request.scope.get("query_string", b"")).decode("latin-1"),
        target_uri=str(request.url),
        fields=fields,
    )


def _check_times(signed: signatures.SignatureInput, now: int, window: int) -> None:
    if signed.created is None:
        raise AuthenticationError("the signature has no created parameter")
    if abs(now - signed.created) > window:
        raise AuthenticationError(
            f"the signature was created at {signed.created}, more than {window} s from "
            f"the server's clock ({now}): expired or not yet valid"
        )
    if signed.expires is not None and signed.expires < now:
        raise AuthenticationError(f"the signature expired at {signed.expires}")


def _check_form(signed: signatures.SignatureInput) -> tuple[str, str]:
    if signed.alg is not None and signed.alg != signatures.ALGORITHM:
        raise AuthenticationError(f"the signature algorithm {signed.alg!r} is not ed25519")
    missing = signatures.missing_coverage(signed.components)
    if missing:
        raise AuthenticationError(f"the signature does not cover {', '.join(missing)}")
    if signed.keyid is None:
        raise AuthenticationError("the signature has no keyid parameter")
    if not signed.nonce or len(signed.nonce) > 128:
        raise AuthenticationError("the signature has no nonce parameter (of at most 128 chars)")
    return signed.keyid, signed.nonce


async def signed_caller(request: Request, office: Office) -> Caller:
    """The principal whose registered key signed ``request`` (RFC 9421)."""
    try:
        signed = signatures.parse_signature(
            request.headers.get("signature-input", ""), request.headers.get("signature", "")
        )
    except ValueError as exc:
        raise AuthenticationError(
            f"the Signature-Input or Signature field is malformed: {exc}"
        ) from None
    key_id, nonce = _check_form(signed)
    now = int(office.auth.clock())
    _check_times(signed, now, office.auth.window)
    body = await bodies.read_body(request)
    try:
        if not signatures.digest_matches(request.headers.get("content-digest", ""), body):
            raise AuthenticationError("Content-Digest does not match the body (digest mismatch)")
        base = signatures.signature_base(signed.components, signed.params_value, _parts(request))
    except ValueError as exc:
        raise AuthenticationError(f"the signed request is malformed: {exc}") from None
    principal = await run_in_threadpool(_holder, office, key_id)
    key = principal.keys[key_id]
    if not verify_signature(key.public_key, base, signed.signature):
        raise AuthenticationError(f"the signature does not verify with key {key_id}")
    fresh = await run_in_threadpool(
        sessions.remember_nonce,
        office.workspace.engine,
        key_id,
        nonce,
        (signed.created or now) + office.auth.window,
        now,
    )
    if not fresh:
        raise AuthenticationError(f"the nonce was already used by key {key_id} (a replay)")
    return _caller(principal, "signature")


def _check_csrf(request: Request, csrf_token: str) -> None:
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin != own:
        raise AuthorizationError(f"the request comes from {origin}, not from {own} (CSRF)")
    sent = request.headers.get(CSRF_HEADER, "")
    if not secrets.compare_digest(sent.encode(), csrf_token.encode()):
        raise AuthorizationError(
            f"a request by session that changes anything needs the session's {CSRF_HEADER} "
            "header (CSRF)"
        )


def _session_caller(request: Request, office: Office, token: str) -> Caller:
    found = sessions.find_session(office.workspace.engine, token, int(office.auth.clock()))
    if found is None:
        return PUBLIC  # an expired or unknown cookie: the public, as with no cookie
    principal = _holder(office, found.key_id)
    if principal.principal_id != found.principal_id:
        raise AuthenticationError("the session's key is no longer its principal's")
    if request.method not in SAFE_METHODS:
        _check_csrf(request, found.csrf_token)
    return _caller(principal, "session")


async def authenticate(request: Request, office: Office) -> Caller:
    """The caller of ``request``: signed, by session cookie, or the public."""
    if "signature-input" in request.headers or "signature" in request.headers:
        return await signed_caller(request, office)
    token = request.cookies.get(COOKIE)
    if token:
        return await run_in_threadpool(_session_caller, request, office, token)
    return PUBLIC


@router.get("/challenge", summary="A challenge to sign to open a browser session")
def challenge(office: OfficeDep) -> dict[str, Any]:
    now = int(office.auth.clock())
    value = secrets.token_urlsafe(32)
    expires = now + office.auth.challenge_lifetime
    sessions.add_challenge(office.workspace.engine, value, expires, now)
    return {"challenge": value, "expires": expires, "sign": login_message("").decode()}


def _decode_signature(text: str) -> bytes:
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except ValueError:
        raise AuthenticationError("signature is not base64") from None


@router.post(
    "",
    summary="Open a browser session with a signed challenge",
    responses={200: {"description": "the session's principal and CSRF token"}, **responses(401)},
)
def open_session(
    office: OfficeDep,
    request: Request,
    key_id: Annotated[str, Body(max_length=64)],
    challenge: Annotated[str, Body(max_length=64)],
    signature: Annotated[str, Body(max_length=128)],
) -> JSONResponse:
    now = int(office.auth.clock())
    principal = _holder(office, key_id)
    message = login_message(challenge)
    if not verify_signature(
        principal.keys[key_id].public_key, message, _decode_signature(signature)
    ):
        raise AuthenticationError(f"the challenge's signature does not verify with key {key_id}")
    if not sessions.take_challenge(office.workspace.engine, challenge, now):
        raise AuthenticationError("the challenge is unknown, expired or already used")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + office.auth.session_lifetime
    sessions.open_session(
        office.workspace.engine, token, principal.principal_id, key_id, csrf, expires, now
    )
    answer = JSONResponse(
        {"principal": principal.principal_id, "csrf_token": csrf, "expires": expires}
    )
    answer.set_cookie(
        COOKIE,
        token,
        max_age=office.auth.session_lifetime,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return answer


@router.delete("", status_code=204, summary="Close the browser session")
def close_session(office: OfficeDep, request: Request) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        sessions.close_session(office.workspace.engine, token)
    answer = Response(status_code=204)
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return answer

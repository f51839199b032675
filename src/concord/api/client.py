"""Signing requests to a Concord server with a principal's registered key.

::

    headers = signed_headers(key, "POST", "https://office.example/statements", body)
    httpx.post(url, content=body, headers=headers)

    # or, for every request of a client:
    client = httpx.Client(base_url=url, auth=SignatureAuth(key))

Each request carries ``Content-Digest`` (RFC 9530, sha-256 of the body) and an RFC 9421
signature over ``@method``, ``@authority``, ``@path``, ``@query`` and
``content-digest``, with ``created`` (now), a fresh random ``nonce`` and ``keyid`` the
key's registered id. The server refuses a request whose ``created`` is more than a few
minutes from its clock, or whose nonce it has seen, so a signed request is sent once.

A browser opens a session instead: it signs :func:`login_message` of a challenge
(``GET /session/challenge``) and posts the signature to ``POST /session``.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Generator

import httpx

from concord.api.signatures import (
    COVERED,
    LABEL,
    RequestParts,
    content_digest,
    signature_base,
    signature_params,
)
from concord.identity.keys import SigningKey

#: What a browser signs to open a session: this prefix, then the challenge. The prefix
#: keeps a login signature from being read as any other signed message.
LOGIN_PREFIX = b"concord browser session v1\n"


def signed_headers(
    key: SigningKey,
    method: str,
    url: str,
    body: bytes = b"",
    *,
    created: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The ``Content-Digest``, ``Signature-Input`` and ``Signature`` headers that sign
    a request of ``method`` to ``url`` with ``body`` by ``key``."""
    target = httpx.URL(url)
    digest = content_digest(body)
    parts = RequestParts(
        method=method.upper(),
        authority=target.netloc.decode("ascii"),
        path=target.raw_path.split(b"?", 1)[0].decode("ascii"),
        query=target.query.decode("ascii"),
        target_uri=str(target),
        fields={"content-digest": digest},
    )
    params = signature_params(
        COVERED,
        created=int(time.time()) if created is None else created,
        keyid=key.key_id,
        nonce=secrets.token_urlsafe(24) if nonce is None else nonce,
    )
    signature = key.sign(signature_base(COVERED, params, parts))
    return {
        "Content-Digest": digest,
        "Signature-Input": f"{LABEL}={params}",
        "Signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:",
    }


class SignatureAuth(httpx.Auth):
    """Sign every request of an ``httpx`` client with ``key`` (see :func:`signed_headers`)."""

    requires_request_body = True

    def __init__(self, key: SigningKey) -> None:
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield self(request)

    def __call__(self, request: httpx.Request) -> httpx.Request:
        """Sign ``request`` in place (so the signer also serves as a plain callable
        auth, for clients of the same interface that are not ``httpx`` itself)."""
        request.headers.update(
            signed_headers(self.key, request.method, str(request.url), request.content)
        )
        return request


def login_message(challenge: str) -> bytes:
    """The bytes a browser signs with its key to answer a login ``challenge``."""
    return LOGIN_PREFIX + challenge.encode("ascii")


def login_signature(key: SigningKey, challenge: str) -> str:
    """The base64 signature of ``challenge`` by ``key``, as ``POST /session`` takes it."""
    return base64.b64encode(key.sign(login_message(challenge))).decode()

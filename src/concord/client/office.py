"""``OfficeClient``: the office's HTTP API (``concord serve``) seen from outside.

Every request goes through one :class:`httpx.Client`, so a request-signing scheme is an
:class:`httpx.Auth` handed in as ``auth`` (it sees each request, body included, before it
is sent). A ``429`` is retried after the server's ``Retry-After``, a few times; any other
problem document becomes a :class:`~concord.errors.RefusedByServer` with its detail.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx

from concord.errors import RefusedByServer, RemoteError
from concord.ledger.receipts import Receipt
from concord.submission import Submission

#: Seconds to wait for the server to connect, answer or accept a request body.
DEFAULT_TIMEOUT = 30.0
#: How many times a ``429 Too Many Requests`` is waited out before giving up.
RATE_LIMIT_RETRIES = 5
#: The longest ``Retry-After`` waited for; a longer one is reported at once.
MAX_RETRY_AFTER = 60.0


def _problem_lines(response: httpx.Response) -> tuple[str, list[str]]:
    """The detail and detail lines of a problem document (RFC 9457), or the raw text."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        lines = body.get("errors")
        details = [str(x) for x in lines] if isinstance(lines, list) else []
        return body["detail"], [d for d in details if d != body["detail"]]
    text = response.text.strip()[:500]
    return text or response.reason_phrase, []


class OfficeClient:
    """The office's API at ``base_url``; use as a context manager, or :meth:`close`."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": "concord-client"},
        )
        self._sleep = sleep

    @classmethod
    def over(
        cls, http: httpx.Client, *, sleep: Callable[[float], None] = time.sleep
    ) -> OfficeClient:
        """A client over an existing :class:`httpx.Client` (its base URL, auth and hooks)."""
        client = cls.__new__(cls)
        client.base_url = str(http.base_url).rstrip("/")
        client._http = http
        client._sleep = sleep
        return client

    def __enter__(self) -> OfficeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- requests ----------------------------------------------------------------------

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """Send one request; a 2xx answer is returned, anything else raised as an error."""
        for _attempt in range(RATE_LIMIT_RETRIES + 1):
            try:
                response = self._http.request(method, path, **options)
            except httpx.TimeoutException as exc:
                raise RemoteError(
                    f"{self.base_url}{path}: no answer in time ({type(exc).__name__})"
                ) from None
            except httpx.TransportError as exc:
                raise RemoteError(
                    f"{self.base_url}{path}: cannot reach the server ({exc})"
                ) from None
            if response.status_code != 429:
                break
            wait = self._retry_after(response)
            if wait is None:
                break
            self._sleep(wait)
        if response.is_success:
            return response
        detail, lines = _problem_lines(response)
        raise RefusedByServer(
            f"{method} {path}: the server answered {response.status_code}: {detail}",
            status=response.status_code,
            details=lines,
        )

    @staticmethod
    def _retry_after(response: httpx.Response) -> float | None:
        text = response.headers.get("retry-after", "1")
        try:
            wait = float(text)
        except ValueError:
            return None
        return wait if 0 <= wait <= MAX_RETRY_AFTER else None

    # --- the API -------------------------------------------------------------------------

    def submit(self, submission: Submission) -> tuple[Receipt, bool]:
        """``POST /statements``: the receipt, and whether the statement was appended now
        (``False``: it was in the log already, and this is its receipt)."""
        response = self.request(
            "POST",
            "/statements",
            content=submission.dumps().encode(),
            headers={"Content-Type": "application/json"},
        )
        return Receipt.from_json(self._json(response)), response.status_code == 201

    def checkpoint(self) -> str:
        """``GET /log/checkpoint``: the latest signed checkpoint, unverified."""
        return self.request("GET", "/log/checkpoint").text

    def tile(self, path: str) -> bytes:
        """``GET /log/<path>``: a hash tile or entry bundle (``tile/0/000.p/5``), unverified."""
        return self.request("GET", f"/log/{path}").content

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        """``GET /log/proof/consistency``: the proof from tree size ``old`` to ``new``."""
        import base64

        body = self._json(
            self.request("GET", "/log/proof/consistency", params={"old": old, "new": new})
        )
        try:
            return [base64.b64decode(h, validate=True) for h in body["proof"]]
        except (KeyError, TypeError, ValueError):
            raise RemoteError(
                "the server's consistency proof is not a list of base64 hashes"
            ) from None

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise RemoteError(f"{response.request.url}: the server's answer is not a JSON object")
        return body

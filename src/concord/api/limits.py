"""Limits on what one client can ask of the server: a per-address rate, a body timeout.

The rate limit is a token bucket per client address (RFC 6585 §4: 429 with
``Retry-After``), kept in memory by each worker process, so with ``--workers N`` an
address may send up to N times the rate. It applies to unauthenticated requests (today:
every request, see :mod:`concord.api.deps`); an authenticated caller is not counted.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import AsyncIterator, Callable

from fastapi import Request

from concord.api.deps import CallerDep
from concord.errors import RateLimited

#: Past this many addresses, the buckets of addresses that are full again are dropped.
MAX_TRACKED = 10_000


class TokenBucket:
    """``rate`` tokens a second up to ``burst`` for each key; a request takes one."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0 if granted, else the seconds until one is there."""
        now = self._clock()
        with self._lock:
            tokens, when = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - when) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > MAX_TRACKED:
                self._forget_full(now)
            return 0.0

    def _forget_full(self, now: float) -> None:
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}


def rate_limit(request: Request, caller: CallerDep) -> None:
    """Refuse a public caller over its address's rate (the app's ``rate_bucket``)."""
    bucket: TokenBucket | None = request.app.state.rate_bucket
    if bucket is None or not caller.is_public:
        return
    address = request.client.host if request.client else "unknown"
    wait = bucket.take(address)
    if wait:
        retry = max(1, math.ceil(wait))
        raise RateLimited(
            f"too many requests from {address}: at most {bucket.rate:g} a second "
            f"(bursts of {bucket.burst}); retry after {retry} s",
            retry_after=retry,
        )


async def body_chunks(request: Request, timeout: float) -> AsyncIterator[bytes]:
    """The request body's chunks; a client that sends nothing for ``timeout`` seconds
    gets a 408 (``RequestTimeout``) instead of holding the worker."""
    import asyncio

    from concord.errors import RequestTimeout

    stream = request.stream().__aiter__()
    while True:
        try:
            async with asyncio.timeout(timeout or None):
                chunk = await stream.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise RequestTimeout(
                f"the request body stalled: nothing arrived for {timeout:g} s"
            ) from None
        yield chunk

"""Reading a request body up to a limit, refusing a larger one before it is read."""

from __future__ import annotations

from fastapi import Request

from concord.api.limits import body_chunks
from concord.errors import SubmissionTooLarge
from concord.inputs import MAX_TABLE_BYTES

#: The largest request body taken: one table of the largest size, in base64, with its
#: envelope. A larger body is refused before it is read to the end.
MAX_BODY_BYTES = MAX_TABLE_BYTES * 4 // 3 + 1024 * 1024


async def read_body(
    request: Request, limit: int | None = None, timeout: float | None = None
) -> bytes:
    """The body of ``request`` (read once; later calls get the same bytes); a body that
    stalls for ``timeout`` seconds is cut off with 408 (default: the workspace's
    ``body_timeout`` setting)."""
    limit = MAX_BODY_BYTES if limit is None else limit
    cached = getattr(request, "_body", None)
    if isinstance(cached, bytes):
        return cached
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise SubmissionTooLarge(f"the submission is {declared} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    received = 0
    if timeout is None:
        office = getattr(request.app.state, "office", None)
        settings = getattr(getattr(office, "workspace", None), "settings", None)
        timeout = float(getattr(settings, "body_timeout", 30.0))
    async for chunk in body_chunks(request, timeout):
        received += len(chunk)
        if received > limit:
            raise SubmissionTooLarge(f"the submission is over the limit of {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette's own cache: request.body() and stream() reuse it
    return body

"""What one client can ask of the server: a rate per address, a stalled body cut off, an
idle connection closed."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.conftest import office_settings
from api.helpers import PROBLEM
from concord.api import create_app
from concord.api.limits import TokenBucket
from concord.config import load_settings
from concord.errors import ConfigurationError
from server_run import serving


def test_a_bucket_grants_its_burst_then_says_how_long_to_wait() -> None:
    now = [0.0]
    bucket = TokenBucket(2.0, 3, clock=lambda: now[0])
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == pytest.approx(0.5)
    assert bucket.take("b") == 0.0  # another address has its own bucket
    now[0] += 0.5
    assert bucket.take("a") == 0.0


def test_a_public_caller_over_the_rate_gets_429_with_retry_after(
    office: tuple[Path, Path],
) -> None:
    home, _ = office
    settings = replace(office_settings(home), rate_limit=0.5, rate_burst=3)
    with TestClient(create_app(settings)) as client:
        answers = [client.get("/log/checkpoint") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == PROBLEM
    assert refused.headers["retry-after"] == "2"
    assert refused.json()["type"] == "urn:concord:problem:rate-limited"
    assert "at most 0.5 a second" in refused.json()["detail"]


def test_limits_are_settings_and_a_bad_one_is_named() -> None:
    settings = load_settings({"CONCORD_RATE_LIMIT": "0", "CONCORD_BODY_TIMEOUT": "2.5"})
    assert (settings.rate_limit, settings.body_timeout, settings.keep_alive) == (0, 2.5, 5)
    with pytest.raises(ConfigurationError, match="CONCORD_KEEP_ALIVE"):
        load_settings({"CONCORD_KEEP_ALIVE": "soon"})
    with pytest.raises(ConfigurationError, match="CONCORD_RATE_LIMIT"):
        load_settings({"CONCORD_RATE_LIMIT": "-1"})


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_stalled_body_gets_408_and_an_idle_connection_is_closed(
    office: tuple[Path, Path], tmp_path: Path
) -> None:
    from concord.api.client import signed_headers
    from concord.identity.keys import SigningKey

    home, party = office
    limits = {"CONCORD_BODY_TIMEOUT": "1", "CONCORD_KEEP_ALIVE": "1"}
    with serving(home, tmp_path, env=limits) as base:
        # A request signed by a registered party (an unsigned one is refused at once,
        # before its body is read), whose body stops arriving.
        body = b'{"format":' + b" " * 990
        key = SigningKey.load(party / "pa.json")
        headers = signed_headers(key, "POST", f"{base}/statements", body)
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        host = base.removeprefix("http://")
        with _connect(base) as stalled:
            stalled.sendall(
                f"POST /statements HTTP/1.1\r\nHost: {host}\r\n".encode()
                + b"Content-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n{lines}\r\n".encode()
                + body[:10]
            )
            head = _read_all(stalled)
        assert head.startswith(b"HTTP/1.1 408"), head
        assert b"the request body stalled" in head
        with _connect(base) as idle:
            idle.sendall(b"GET /log/checkpoint HTTP/1.1\r\nHost: office\r\n\r\n")
            started = time.monotonic()
            answered = _read_all(idle)  # ends when the server closes the connection
        assert answered.startswith(b"HTTP/1.1 200")
        assert time.monotonic() - started < 15

"""Running ``concord serve`` in tests as a real server process on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from cli_run import ENV


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"concord serve exited with {server.returncode}")
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"concord serve did not answer {url} within 60 s")


@contextmanager
def serving(
    home: Path,
    folder: Path,
    workers: int = 1,
    *,
    database_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """``concord serve`` on ``home`` as a process; yields its base URL, stops it after.

    The server's output is kept in ``folder/server.log``.
    """
    port = free_port()
    environment = {**os.environ, **ENV, **(env or {})}
    environment.pop("CONCORD_DATABASE_URL")
    if database_url is not None:
        environment["CONCORD_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "concord", "--home", str(home), "serve", "--port", str(port)]
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "--workers", str(workers)], env=environment, stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/log/checkpoint", server)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, log.read_text()

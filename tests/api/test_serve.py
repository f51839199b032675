"""``concord serve`` runs the API on a workspace as a real server process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cli_run import ENV, concord


def _free_port() -> int:
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


@pytest.mark.parametrize("workers", [1, 2])
def test_concord_serve_answers_the_checkpoint_the_cli_prints(
    office: tuple[Path, Path], workers: int, tmp_path: Path
) -> None:
    home, _ = office
    port = _free_port()
    env = {**os.environ, **ENV}
    env.pop("CONCORD_DATABASE_URL")
    command = [sys.executable, "-m", "concord", "--home", str(home), "serve", "--port", str(port)]
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "--workers", str(workers)], env=env, stdout=output, stderr=output
        )
    try:
        answer = _wait_for(f"http://127.0.0.1:{port}/log/checkpoint", server)
        assert answer.status_code == 200
        assert answer.text == concord(home, "checkpoint").stdout
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, log.read_text()


def test_concord_serve_refuses_a_folder_without_a_workspace(tmp_path: Path) -> None:
    run = concord(tmp_path / "none", "serve", "--port", str(_free_port()), ok=False)
    assert run.returncode == 78
    assert "no Concord workspace" in run.stderr

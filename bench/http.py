"""Submissions over HTTP: statements per second and request latency through a real
``concord serve`` (SQLite; PostgreSQL with 1, 2 and 4 workers), each beside the direct
append rate on the same database measured in the same run.

Sixteen clients post at once, one signed statement per request (``POST /statements``),
each on its own keep-alive connection. The rate limit is off (CONCORD_RATE_LIMIT=0): the
office's capacity is measured, not what one address is allowed.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.ledger import _fresh_postgres, _workspace, append_rate
from concord.identity.dsse import Envelope
from factories import registration

Row = dict[str, Any]
CLIENTS = 16


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serving(home: Path, url: str | None, workers: int) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "CONCORD_RATE_LIMIT": "0", "CONCORD_LOG_ORIGIN": "test.concord/log"}
    env["CONCORD_DATABASE_URL"] = url or f"sqlite:///{home / 'concord.db'}"
    command = [sys.executable, "-m", "concord", "--home", str(home), "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/log/checkpoint", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("concord serve did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


def _post_all(base: str, envelopes: list[Envelope]) -> tuple[float, list[float]]:
    """Post every envelope from CLIENTS threads; (seconds, each request's latency)."""
    pending = list(reversed(envelopes))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            while True:
                with lock:
                    if not pending:
                        return
                    envelope = pending.pop()
                start = time.perf_counter()
                answer = http.post("/statements", content=envelope.canonical_bytes())
                took = time.perf_counter() - start
                with lock:
                    latencies.append(took)
                    if answer.status_code != 201:
                        failures.append(f"{answer.status_code} {answer.text[:200]}")

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} submissions refused, e.g. {failures[0]}")
    return seconds, latencies


def _per_call_rate(home: Path, url: str | None, n: int) -> float:
    """Direct appends, one statement per call: the transaction and checkpoint each
    request pays, without HTTP."""
    ws = _workspace(home, url, 0)
    try:
        envelopes = [registration(ws, i) for i in range(n)]
        ws.ledger.submit_many(envelopes[:50])
        start = time.perf_counter()
        for envelope in envelopes[50:]:
            ws.ledger.submit_many([envelope])
        return (n - 50) / (time.perf_counter() - start)
    finally:
        ws.close()


def http_rate(home: Path, url: str | None, n: int, workers: int) -> tuple[float, float, float]:
    """(statements/s, p50 s, p99 s) of ``n`` submissions over HTTP."""
    ws = _workspace(home, url, 0)
    try:
        envelopes = [registration(ws, i) for i in range(n + 200)]
    finally:
        ws.close()
    with _serving(home, url, workers) as base:
        _post_all(base, envelopes[:200])  # warm up: connections, caches
        seconds, latencies = _post_all(base, envelopes[200:])
    cuts = statistics.quantiles(latencies, n=100)
    return n / seconds, statistics.median(latencies), cuts[98]


def _row(name: str, value: float, direct: float, p50: float, p99: float) -> Row:
    return {
        "name": f"{name} (p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms)",
        "value": value,
        "unit": "/s",
        "comparison": "direct appends, one call",
        "baseline": direct,
        "ratio": value / direct,
    }


def run(n_http: int = 3_000, n_direct: int = 12_000) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="concord-bench-http-") as tmp:
        home = Path(tmp)
        databases: list[tuple[str, str | None, tuple[int, ...]]] = [("SQLite", None, (1, 2))]
        url = _fresh_postgres()
        if url is not None:
            databases.append(("PostgreSQL", url, (1, 2, 4)))
        for label, database, worker_counts in databases:
            direct = append_rate(home / "direct", _fresh(database), n_direct, 1)
            rows.append(
                {"name": f"direct appends/s, {label}, one call", "value": direct, "unit": "/s"}
            )
            per_call = _per_call_rate(home / "per-call", _fresh(database), 1_000)
            rows.append(
                {
                    "name": f"direct appends/s, {label}, one statement per call",
                    "value": per_call,
                    "unit": "/s",
                    "comparison": "direct appends, one call",
                    "baseline": direct,
                    "ratio": per_call / direct,
                }
            )
            for workers in worker_counts:
                rate, p50, p99 = http_rate(home / "http", _fresh(database), n_http, workers)
                name = f"over HTTP, statements/s, {label}, {workers} worker(s), {CLIENTS} clients"
                rows.append(_row(name, rate, direct, p50, p99))
    return rows


def _fresh(url: str | None) -> str | None:
    """The database again, empty (PostgreSQL is dropped and created; SQLite is a new file)."""
    return _fresh_postgres() if url is not None else None

"""Ledger benchmarks: durable appends, proofs and full verification.

Each figure is measured next to its comparison in the same run: the append rate next
to this machine's Ed25519 verification rate (the ceiling of an append path that
verifies every signature), proof generation next to a proof recomputed from scratch.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from concord.identity.dsse import pae
from concord.identity.keys import SigningKey, verify_signature
from concord.ledger import merkle
from concord.workspace import Workspace, init_workspace
from factories import T0, make_settings, registration

Row = dict[str, Any]
POSTGRES = os.environ.get(
    "CONCORD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _libsodium_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    import nacl.exceptions
    import nacl.signing

    try:
        nacl.signing.VerifyKey(public).verify(message, signature)
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def ed25519_verify_rate(
    n: int = 20_000, verify: Callable[[bytes, bytes, bytes], bool] = verify_signature
) -> float:
    """Signatures verified per second on one core, by Concord's verifier (ed25519-zebra,
    ZIP 215 rules) unless another ``verify`` is given."""
    key = SigningKey.generate("bench")
    public = key.public_key
    messages = [pae("t", os.urandom(500)) for _ in range(n)]
    sigs = [key.sign(m) for m in messages]
    start = time.perf_counter()
    for m, s in zip(messages, sigs, strict=True):
        if not verify(public, m, s):
            raise RuntimeError("a good signature did not verify")
    return n / (time.perf_counter() - start)


def _fresh_postgres() -> str | None:
    admin_url = POSTGRES.rsplit("/", 1)[0] + "/postgres"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "concord_bench" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "concord_bench"'))
        admin.dispose()
    except Exception:
        return None
    return POSTGRES.rsplit("/", 1)[0] + "/concord_bench"


def _workspace(home: Path, url: str | None, workers: int) -> Workspace:
    if home.exists():
        shutil.rmtree(home)
    settings = replace(make_settings(home, url), verify_workers=workers)
    return init_workspace(settings, established_at=T0)


def append_rate(home: Path, url: str | None, n: int, workers: int) -> float:
    """Sustained durable appends per second of signed statements, signatures verified."""
    ws = _workspace(home, url, workers)
    try:
        envelopes = [registration(ws, i) for i in range(n)]
        ws.ledger.submit_many(envelopes[:2048])  # warm up: pool start, caches
        start = time.perf_counter()
        ws.ledger.submit_many(envelopes[2048:])
        return (n - 2048) / (time.perf_counter() - start)
    finally:
        ws.close()


def run(n_append: int = 40_000, log_size: int = 1_000_000) -> list[Row]:
    rows: list[Row] = []
    ceiling = ed25519_verify_rate()
    libsodium = ed25519_verify_rate(verify=_libsodium_verify)
    rows.append({"name": "Ed25519 verifications/s, one core", "value": ceiling, "unit": "/s"})
    rows.append(
        {
            "name": "Ed25519 verifications/s, one core, PyNaCl (libsodium)",
            "value": libsodium,
            "unit": "/s",
            "ratio": libsodium / ceiling,
            "comparison": "ed25519-zebra, as Concord verifies",
        }
    )
    with tempfile.TemporaryDirectory(prefix="concord-bench-") as tmp:
        home = Path(tmp)
        for workers in (0, 1):
            rate = append_rate(home / "sqlite", None, n_append, workers)
            rows.append(
                {
                    "name": f"durable appends/s, SQLite, {workers} verify worker(s)",
                    "value": rate,
                    "unit": "/s",
                    "ratio": rate / ceiling,
                    "comparison": "Ed25519 verification rate (one core)",
                }
            )
        url = _fresh_postgres()
        if url is not None:
            rate = append_rate(home / "pg", url, n_append, 1)
            rows.append(
                {
                    "name": "durable appends/s, PostgreSQL, 1 verify worker",
                    "value": rate,
                    "unit": "/s",
                    "ratio": rate / ceiling,
                    "comparison": "Ed25519 verification rate (one core)",
                }
            )
        rows.extend(big_log(home / "big", log_size, ceiling))
    return rows


def _cli_verify(home: Path, root: bytes) -> tuple[float, float]:
    """Time the ``concord verify`` command itself, start-up included, on a workspace:
    (wall seconds, CPU seconds of the command and its workers)."""
    import base64
    import resource
    import subprocess

    env = {
        **os.environ,
        "CONCORD_HOME": str(home),
        "CONCORD_DATABASE_URL": f"sqlite:///{home / 'concord.db'}",
        "CONCORD_LOG_ORIGIN": "test.concord/log",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "concord", "verify", "--no-replay"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"concord verify failed ({done.returncode}): {done.stdout}{done.stderr}")
    assert base64.b64encode(root).decode() in done.stdout, done.stdout
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


#: ``concord verify`` runs on the large log: the median is reported.
VERIFY_RUNS = 3


def big_log(home: Path, size: int, ceiling: float) -> list[Row]:
    """Inclusion proofs and full verification in a log of ``size`` entries."""
    ws = _workspace(home, None, 1)
    try:
        start = time.perf_counter()
        step = 50_000
        for first in range(1, size, step):
            count = min(step, size - first)
            ws.ledger.submit_many([registration(ws, first + i, prefix="b") for i in range(count)])
        build = time.perf_counter() - start
        n = ws.ledger.size()
        import random

        rng = random.Random(7)
        indexes = [rng.randrange(n) for _ in range(2000)]
        times = []
        for index in indexes:
            t0 = time.perf_counter()
            ws.ledger.inclusion_proof(index, n)
            times.append(time.perf_counter() - t0)
        proof_median = statistics.median(times)
        root = ws.ledger.root(n)
        leaves = []  # recomputing a proof from every leaf: what stored tree hashes save
        from sqlalchemy.orm import Session

        from concord.ledger import store

        with Session(ws.engine) as session:
            for _i, entry in store.iter_entries(session):
                leaves.append(merkle.leaf_hash(entry))
        t0 = time.perf_counter()
        merkle.root_from_leaf_hashes(leaves)
        from_scratch = time.perf_counter() - t0
        runs = [_cli_verify(home, root) for _ in range(VERIFY_RUNS)]
        verify_s = statistics.median(wall for wall, _ in runs)
        verify_cpu = statistics.median(cpu for _, cpu in runs)
        return [
            {"name": f"build a log of {n:,} entries (bulk appends)", "value": build, "unit": "s"},
            {
                "name": f"inclusion proof, log of {n:,}, median of 2,000",
                "value": proof_median * 1000,
                "unit": "ms",
                "comparison": "root recomputed from all leaf hashes",
                "ratio": from_scratch / proof_median,
                "baseline": from_scratch * 1000,
            },
            {
                "name": f"`concord verify --no-replay`, log of {n:,} entries, whole command, "
                f"median of {VERIFY_RUNS} ({n / verify_s:,.0f} entries/s)",
                "value": verify_s,
                "unit": "s",
                "comparison": "the Ed25519 checks alone at the one-core rate",
                "baseline": n / ceiling,
                "ratio": verify_s / (n / ceiling),
            },
            {
                "name": f"`concord verify --no-replay`, CPU time of the command and its workers, "
                f"median ({verify_cpu / n * 1e6:,.0f} µs per entry)",
                "value": verify_cpu,
                "unit": "s",
                "comparison": "the Ed25519 checks alone at the one-core rate",
                "baseline": n / ceiling,
                "ratio": verify_cpu / (n / ceiling),
            },
        ]
    finally:
        ws.close()

"""Two ``concord evaluate`` at once on one workspace: the second waits for the first.

Real processes, a real DuckDB file: DuckDB lets one process write a file or several read
it, never both, so without the store's lock the second command fails on DuckDB's lock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from concord.evidence.store_lock import store_lock

from .test_store_seal import make_case

WAITING = "waiting for another Concord command to finish with the analytic store"


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "CONCORD_LOG_ORIGIN": "test.concord/log",
        "CONCORD_VERIFY_WORKERS": "0",
        "CONCORD_DATABASE_URL": "",
        "COLUMNS": "200",
    }


def _start(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "concord", "--home", str(home), *args],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("locked") / "ws"
    make_case(folder)
    return folder


def test_concurrent_evaluations_queue_and_agree(home: Path) -> None:
    # No store yet: every process wants to build it, and to evaluate on it.
    (home / "evidence.duckdb").unlink(missing_ok=True)
    runs = [_start(home, "evaluate", "--period", "2187-Q2", "--json") for _ in range(3)]
    runs.append(_start(home, "quarter", "run", "--period", "2187-Q2", "--json"))
    results = [(p.wait(timeout=300), *p.communicate()) for p in runs]
    for code, _out, err in results:
        assert code == 0, err
    outputs = {out for _code, out, _err in results[:3]}
    assert len(outputs) == 1  # byte-identical findings


def test_a_command_waits_for_the_store_and_says_so(home: Path) -> None:
    store = home / "evidence.duckdb"
    with store_lock(store):
        run = _start(home, "evaluate", "--period", "2187-Q2", "--json")
        deadline = time.monotonic() + 60
        while run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            if (home / "evidence.duckdb.lock").exists():
                break
        time.sleep(3)
        assert run.poll() is None  # still waiting while the lock is held
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert WAITING in " ".join(err.split())
    assert '"findings"' in out

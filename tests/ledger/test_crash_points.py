"""SIGKILL during export and evaluate, and a refused statement late in a long
submission: the next run finishes, and nothing is half-written."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from concord.errors import ConcordError
from concord.identity.dsse import Envelope, sign_envelope
from concord.identity.keys import SigningKey
from concord.submission import Submission, submit
from concord.workspace import open_workspace
from factories import make_workspace, registration


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, CONCORD_HOME=str(home), CONCORD_VERIFY_WORKERS="0")
    env.pop("CONCORD_DATABASE_URL", None)
    env.pop("CONCORD_LOG_ORIGIN", None)
    return env


def _concord(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "concord", *args],
        env=_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _kill_after(home: Path, delay: float, *args: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "concord", *args],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_a_long_submission_refused_late_appends_nothing(tmp_path: Path) -> None:
    """Statements are appended in batches; one submission is all or nothing even when
    it is longer than a batch (a refusal in its last batch used to leave the first
    batches appended, and their tables deleted)."""
    ws = make_workspace(tmp_path)
    small = open_workspace(replace(ws.settings, batch_size=10))
    stranger = SigningKey.generate("office")  # claims to be the office; not its key
    good = [Submission(registration(ws, n)) for n in range(25)]
    bad = Submission(_resigned(registration(ws, 99), stranger))
    size = small.ledger.size()
    with pytest.raises(ConcordError):
        submit(small, [*good, bad])
    assert small.ledger.size() == size
    submit(small, good)  # the good ones alone go in
    assert small.ledger.size() == size + 25
    small.close()
    ws.close()


def _resigned(envelope: Envelope, key: SigningKey) -> Envelope:
    """The same statement signed by another key."""
    return sign_envelope(envelope.payload, key)


def test_kill_during_export_then_export_again_verifies(tmp_path: Path) -> None:
    home = tmp_path / "office"
    ws = make_workspace(home)
    for start in range(0, 12_000, 2_000):
        ws.ledger.submit_many([registration(ws, n) for n in range(start, start + 2_000)])
    ws.close()
    out = tmp_path / "tiles"
    rng = random.Random(7)
    for _ in range(2):
        _kill_after(home, rng.uniform(0.8, 2.0), "export", str(out))
    again = _concord(home, "export", str(out))
    assert again.returncode == 0, again.stderr
    verified = _concord(home, "verify", "--tiles", str(out), "--vkey", str(home / "log.vkey"))
    assert verified.returncode == 0, verified.stderr
    assert "verified: 12001 entries" in verified.stdout


def test_kill_during_evaluate_then_evaluate_again(tmp_path: Path) -> None:
    from concord.evidence.filing import file_declaration
    from evidence.station import EXTRACTION, Q2_FILED, csv_bytes, make_station

    station = make_station(tmp_path / "office")
    good = csv_bytes(EXTRACTION, "SB-N-03,ore,4100,t,40")
    file_declaration(station.ws, station.keys["PA"], "extraction", "PA", "2187-Q2", good, Q2_FILED)
    home = station.ws.settings.home
    station.ws.close()
    rng = random.Random(11)
    for _ in range(3):
        _kill_after(home, rng.uniform(0.8, 2.5), "evaluate", "--period", "2187-Q2", "--json")
    first = _concord(home, "evaluate", "--period", "2187-Q2", "--json")
    assert first.returncode == 0, first.stderr
    second = _concord(home, "evaluate", "--period", "2187-Q2", "--json")
    assert second.stdout == first.stdout  # the same findings, byte for byte
    verified = _concord(home, "verify")
    assert verified.returncode == 0, verified.stderr

"""`init` never leaves keys without a log, resumes when stopped, and fixes the origin."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from concord.config import Settings
from concord.errors import ConfigurationError
from concord.ledger.audit import verify_database
from concord.workspace import PENDING_KEYS, init_workspace, open_workspace
from factories import T0, make_settings


def test_a_stopped_init_is_resumed_with_its_pending_keys(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    # As if init was stopped after writing its keys and before the genesis entry.
    first = init_workspace(settings, established_at=T0)
    vkey = (tmp_path / "log.vkey").read_text()
    first.close()
    os.replace(settings.keys_dir, tmp_path / PENDING_KEYS)
    (tmp_path / "concord.db").unlink()
    resumed = init_workspace(settings, established_at=T0)
    assert (tmp_path / "log.vkey").read_text() == vkey  # the same keys were taken up
    assert not (tmp_path / PENDING_KEYS).exists()
    assert verify_database(resumed.ledger, resumed.verifier).size == 1
    resumed.close()


def test_an_init_stopped_after_its_genesis_is_finished(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = init_workspace(settings, established_at=T0)
    first.close()
    os.replace(settings.keys_dir, tmp_path / PENDING_KEYS)  # stopped just before the rename
    resumed = init_workspace(settings, established_at=T0)
    assert resumed.ledger.size() == 1
    resumed.close()
    assert open_workspace(settings).ledger.size() == 1


def test_init_over_another_offices_log_refuses_and_changes_nothing(
    tmp_path: Path, database_url: str
) -> None:
    a = tmp_path / "a"
    first = init_workspace(make_settings(a, database_url), established_at=T0)
    size = first.ledger.size()
    first.close()
    other = make_settings(tmp_path / "b", first.settings.database_url)
    with pytest.raises(ConfigurationError, match="already holds another office's log"):
        init_workspace(other, established_at=T0)
    again = open_workspace(first.settings)
    assert again.ledger.size() == size
    again.close()


def test_init_killed_at_any_point_leaves_a_workspace_init_can_finish(tmp_path: Path) -> None:
    """SIGKILL at several moments of a real `concord init`; a second init always ends
    with a workspace that verifies."""
    env = dict(os.environ, CONCORD_VERIFY_WORKERS="0")
    env.pop("CONCORD_DATABASE_URL", None)
    command = [sys.executable, "-m", "concord", "init", "--established", "2187-01-15T09:00:00Z"]
    for n, delay in enumerate((0.5, 1.0, 1.5)):
        home = tmp_path / f"ws{n}"
        proc = subprocess.Popen(
            command,
            env=dict(env, CONCORD_HOME=str(home)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finish = subprocess.run(
            command,
            env=dict(env, CONCORD_HOME=str(home)),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if (home / "keys" / "office.json").exists() and finish.returncode != 0:
            assert "already exists" in finish.stderr  # the first init had finished
        else:
            assert finish.returncode == 0, finish.stderr
        check = subprocess.run(
            [sys.executable, "-m", "concord", "verify", "--json"],
            env=dict(env, CONCORD_HOME=str(home)),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert check.returncode == 0, check.stderr
        assert '"size": 1' in check.stdout


def test_a_workspace_refuses_another_origin_before_writing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    init_workspace(settings, established_at=T0).close()
    wrong = Settings(
        home=tmp_path,
        database_url=settings.database_url,
        log_origin="elsewhere.example/log",
        log_origin_given=True,
    )
    with pytest.raises(ConfigurationError, match=r"this workspace's log is 'test\.concord/log'"):
        open_workspace(wrong)
    unset = Settings(home=tmp_path, database_url=settings.database_url)
    ws = open_workspace(unset)  # no origin given: the workspace's own
    assert ws.ledger.origin == "test.concord/log"
    ws.close()

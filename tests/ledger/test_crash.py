"""kill -9 in the middle of a bulk append: every receipted statement survives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.ledger.audit import verify_database
from concord.ledger.models import LedgerEntry
from concord.workspace import open_workspace
from factories import make_settings, make_workspace, registration

WRITER = Path(__file__).with_name("crash_writer.py")


def _receipted(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    lines = path.read_text().splitlines()
    return {sid: int(idx) for sid, idx in (line.split() for line in lines if line.count(" ") == 1)}


def test_kill_during_bulk_append_keeps_every_receipted_statement(
    tmp_path: Path, database_url: str
) -> None:
    make_workspace(tmp_path, database_url).close()
    receipts = tmp_path / "receipts.txt"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1]))
    for round_ in range(2):
        proc = subprocess.Popen(
            [
                sys.executable,
                str(WRITER),
                str(tmp_path),
                database_url,
                str(receipts),
                str(round_ * 1000),
            ],
            env=env,
        )
        deadline = time.monotonic() + 60
        target = len(_receipted(receipts)) + 600
        while len(_receipted(receipts)) < target and time.monotonic() < deadline:
            assert proc.poll() is None, "the writer stopped on its own"
            time.sleep(0.05)
        time.sleep(0.03)  # land the kill inside a later batch's transaction, most likely
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    promised = _receipted(receipts)
    assert len(promised) >= 1200
    ws = open_workspace(make_settings(tmp_path, database_url))
    try:
        with Session(ws.engine) as session:
            stored = dict(
                session.execute(
                    select(LedgerEntry.statement_id, LedgerEntry.idx).where(
                        LedgerEntry.statement_id.in_(list(promised))
                    )
                ).all()
            )
        assert stored == promised
        report = verify_database(ws.ledger, ws.verifier)
        assert report.size >= len(promised) + 1
        # The log goes on after the crash.
        after = ws.ledger.submit(registration(ws, 1, prefix="after"))
        assert after.index == report.size
    finally:
        ws.close()

"""Several writer processes on one database: one sequence, every receipt valid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from concord.ledger.audit import verify_database
from concord.ledger.receipts import Receipt
from concord.workspace import open_workspace
from factories import make_settings, make_workspace

WRITER = Path(__file__).with_name("concurrent_writer.py")


def test_concurrent_writers_share_one_sequence(tmp_path: Path, database_url: str) -> None:
    make_workspace(tmp_path, database_url).close()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1]), CONCORD_VERIFY_WORKERS="0")
    outs = [tmp_path / f"w{i}.json" for i in range(3)]
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(tmp_path), database_url, f"w{i}", str(out)],
            env=env,
        )
        for i, out in enumerate(outs)
    ]
    assert [p.wait(timeout=240) for p in procs] == [0, 0, 0]
    receipts = [Receipt.from_json(r) for out in outs for r in json.loads(out.read_text())]
    assert len(receipts) == 900
    assert sorted(r.index for r in receipts) == list(range(1, 901))
    ws = open_workspace(make_settings(tmp_path, database_url))
    try:
        report = verify_database(ws.ledger, ws.verifier)
        assert report.size == 901
        entries = {r.statement_id: r for r in receipts}
        for receipt in entries.values():
            envelope_bytes = ws.ledger.entry(receipt.index)
            receipt.verify(envelope_bytes, ws.verifier)
    finally:
        ws.close()

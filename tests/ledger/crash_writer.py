"""A bulk appender for the crash test: logs batches until it is killed.

After each batch's receipts come back it records the statement ids (fsync'd), so the
test knows exactly which statements the ledger promised to keep.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from concord.workspace import open_workspace
from factories import make_settings, registration


def main(home: str, database_url: str, receipts_path: str, first_batch: str) -> None:
    ws = open_workspace(make_settings(Path(home), database_url))
    with open(receipts_path, "a") as out:
        batch = int(first_batch)
        while True:
            envelopes = [registration(ws, batch * 1000 + i, prefix="crash") for i in range(200)]
            receipts = ws.ledger.submit_many(envelopes)
            out.write("".join(f"{r.statement_id} {r.index}\n" for r in receipts))
            out.flush()
            os.fsync(out.fileno())
            batch += 1


if __name__ == "__main__":
    main(*sys.argv[1:5])

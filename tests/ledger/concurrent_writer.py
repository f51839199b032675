"""One of several processes appending at once (for the sequencer test)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from concord.workspace import open_workspace
from factories import make_settings, registration


def main(home: str, database_url: str, name: str, out: str) -> None:
    ws = open_workspace(make_settings(Path(home), database_url))
    receipts = []
    for batch in range(6):
        envelopes = [registration(ws, batch * 100 + i, prefix=name) for i in range(50)]
        receipts += [r.to_json() for r in ws.ledger.submit_many(envelopes)]
    Path(out).write_text(json.dumps(receipts))
    ws.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])

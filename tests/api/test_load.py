"""Sixteen submitters at once over real HTTP, for a few seconds, against ``concord
serve`` with several workers on SQLite and on PostgreSQL: no acknowledged statement is
lost, none is logged twice, the log verifies and every receipt checks offline.

The rate limit is off for this test (CONCORD_RATE_LIMIT=0): it measures what the office
takes, not what one address is allowed (the limit is tested in test_limits.py).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from cli_run import concord_in
from concord.api.client import SignatureAuth
from concord.identity.dsse import Envelope
from concord.identity.keys import SigningKey
from concord.ledger import store
from concord.ledger.receipts import Receipt
from concord.workspace import Workspace
from factories import make_workspace, registration
from server_run import serving

SUBMITTERS = 16
SECONDS = 3.0


@dataclass
class Load:
    """Envelopes handed out one by one to the submitters, and what came back."""

    envelopes: list[Envelope]
    acknowledged: list[tuple[Envelope, Receipt]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> Envelope | None:
        with self.lock:
            return self.envelopes.pop() if self.envelopes else None


def _submitter(base: str, load: Load, deadline: float, key: SigningKey) -> None:
    # The statements are the office's own registrations: its key signs the requests.
    with httpx.Client(base_url=base, timeout=60, auth=SignatureAuth(key)) as client:
        while time.monotonic() < deadline and (envelope := load.next()) is not None:
            try:
                answer = client.post("/statements", content=envelope.canonical_bytes())
            except httpx.HTTPError as exc:
                with load.lock:
                    load.failures.append(f"{type(exc).__name__}: {exc}")
                continue
            with load.lock:
                if answer.status_code == 201:
                    load.acknowledged.append((envelope, Receipt.from_json(answer.json())))
                else:
                    load.failures.append(f"{answer.status_code}: {answer.text[:200]}")


def _entries(ws: Workspace) -> list[bytes]:
    with Session(ws.engine) as session:
        return [bytes(entry) for _i, entry in store.iter_entries(session)]


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_sixteen_submitters_at_once_lose_nothing_and_log_nothing_twice(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    ws = make_workspace(tmp_path / "office", url)
    try:
        load = Load([registration(ws, n) for n in range(6000)])
        before = ws.ledger.size()
        (tmp_path / "log.vkey").write_text(ws.verifier.vkey() + "\n")
        limits = {"CONCORD_RATE_LIMIT": "0", "CONCORD_LOG_ORIGIN": ws.settings.log_origin}
        with serving(tmp_path / "office", tmp_path, 2, database_url=url, env=limits) as base:
            deadline = time.monotonic() + SECONDS
            threads = [
                threading.Thread(target=_submitter, args=(base, load, deadline, ws.office_key))
                for _ in range(SUBMITTERS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            audited = concord_in(
                tmp_path, "verify", "--server", base, "--vkey", "log.vkey", "--json"
            )
        assert load.failures == []
        assert '"verified": true' in audited.stdout
        entries = _entries(ws)
    finally:
        ws.close()
    acknowledged = load.acknowledged
    assert len(acknowledged) > SUBMITTERS
    # Every acknowledged statement is in the log where its receipt says; none twice.
    assert len(entries) == before + len(acknowledged)
    assert len(set(entries)) == len(entries)
    assert sorted(r.index for _e, r in acknowledged) == list(range(before, len(entries)))
    for envelope, receipt in acknowledged:
        assert entries[receipt.index] == envelope.canonical_bytes()
        receipt.verify(envelope.canonical_bytes(), ws.verifier)  # offline, as a party would

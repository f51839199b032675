"""``concord serve`` runs the API on a workspace as a real server process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from cli_run import concord
from concord.api.client import SignatureAuth, signed_headers
from concord.identity.keys import SigningKey
from concord.workspace import sign_statement
from factories import T0, principal_body
from server_run import free_port, serving


@pytest.mark.parametrize("workers", [1, 2])
def test_concord_serve_answers_the_checkpoint_the_cli_prints(
    office: tuple[Path, Path], workers: int, tmp_path: Path
) -> None:
    home, _ = office
    with serving(home, tmp_path, workers) as base:
        answer = httpx.get(f"{base}/log/checkpoint")
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-cache"
        assert answer.text == concord(home, "checkpoint").stdout


def test_two_workers_append_concurrent_submissions_each_once(
    office: tuple[Path, Path], tmp_path: Path
) -> None:
    home, _ = office
    office_key = SigningKey.load(home / "keys" / "office.json")
    envelopes = [
        sign_statement(
            office_key,
            "identity.principal_registered",
            principal_body(f"inspector-{n}", SigningKey.generate(f"inspector-{n}"), "inspector"),
            issued_at=T0 + timedelta(days=200),
            statement_id=f"register-inspector-{n}",
        ).canonical_bytes()
        for n in range(16)
    ]
    before = int(concord(home, "checkpoint").stdout.splitlines()[1])
    with serving(home, tmp_path, 2) as base, ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda body: httpx.post(
                    f"{base}/statements", content=body, auth=SignatureAuth(office_key)
                ),
                envelopes,
            )
        )
        # One signed request sent again and again is taken once, whichever worker
        # answers: the nonces seen are in the database both workers share.
        headers = signed_headers(office_key, "POST", f"{base}/statements", envelopes[0])
        replays = [
            httpx.post(f"{base}/statements", content=envelopes[0], headers=headers)
            for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [201] * 16
    assert [r.status_code for r in replays] == [200, 401, 401, 401]
    assert all("already used" in r.json()["detail"] for r in replays[1:])
    indices = sorted(a.json()["index"] for a in answers)
    assert indices == list(range(before, before + 16))
    verified = concord(home, "verify", "--json")
    assert '"verified": true' in verified.stdout


def test_concord_serve_refuses_a_folder_without_a_workspace(tmp_path: Path) -> None:
    run = concord(tmp_path / "none", "serve", "--port", str(free_port()), ok=False)
    assert run.returncode == 78
    assert "no Concord workspace" in run.stderr

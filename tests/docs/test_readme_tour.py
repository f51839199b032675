"""The README's short tour runs as written, line by line, in a new folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def tour_script() -> str:
    text = README.read_text()
    section = text[text.index("## A short tour") :]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match is not None, "the tour has a sh block"
    return match.group(1)


@pytest.mark.slow
def test_the_readme_tour_runs_as_written_in_a_fresh_folder(tmp_path: Path) -> None:
    script = tmp_path / "tour.sh"
    script.write_text("set -euo pipefail\n" + tour_script())
    env = dict(os.environ, CONCORD_VERIFY_WORKERS="0", COLUMNS="120")
    env.pop("CONCORD_DATABASE_URL", None)
    env.pop("CONCORD_HOME", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    run = subprocess.run(
        ["bash", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "receipt verified" in run.stdout
    assert "match byte for byte" in run.stdout
    assert (tmp_path / "office" / "reports" / "2187-Q2-consolidated.pdf").exists()
    # The party's private key never entered the office's folder.
    assert not list((tmp_path / "office").rglob("pa.json"))


def test_the_tour_makes_its_party_folder_itself_or_says_so() -> None:
    # The tour's first use of party/ is `keys new --out party/pa.json`, which creates it.
    script = tour_script()
    assert script.index("keys new") < script.index("party/pa.json.pub")

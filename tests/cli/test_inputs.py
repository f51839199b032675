"""Bad values on the command line: one line naming the option and why, exit 65, nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_run import concord


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("ws") / "data"
    concord(home, "init", "--established", "2187-01-15T09:00:00Z")
    concord(home, "keys", "new", "pa-ministry", "--out", str(home.parent / "pa.json"))
    return home


def _size(home: Path) -> str:
    return concord(home, "checkpoint").stdout


def _refused(home: Path, *args: str) -> str:
    before = _size(home)
    run = concord(home, *args, ok=False)
    assert run.returncode == 65, run.stderr
    assert "Traceback" not in run.stderr
    assert _size(home) == before
    return run.stderr.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (("evaluate", "--period", "2187-Q9"), '--period: not a reporting period id: "2187-Q9"'),
        (("quarter", "run", "--period", "0000-Q1"), '--period: period "0000-Q1": the year'),
        (("reports", "render", "--period", "2187-Q2\n"), "--period: not a reporting period id"),
        (("keys", "new", "p\u0430", "--out", "k.json"), "PRINCIPAL: 'pа' is not an identifier"),
    ],
)
def test_a_bad_option_names_itself(home: Path, args: tuple[str, ...], first_line: str) -> None:
    assert _refused(home, *args).startswith(first_line)


def test_a_look_alike_party_is_refused_at_registration(home: Path) -> None:
    line = _refused(
        home,
        "principals",
        "register",
        "pa-ministry",
        "--name",
        "PA",
        "--role",
        "signatory",
        "--party",
        "P\u0410",
        "--public-key",
        str(home.parent / "pa.json.pub"),
    )
    assert line == (
        "--party: 'PА' is not an identifier: the character 'А' (U+0410 CYRILLIC CAPITAL "
        "LETTER A) at position 1 is not ASCII"
    )


def test_an_unknown_role_names_the_option(home: Path) -> None:
    line = _refused(
        home,
        "principals",
        "register",
        "pa-ministry",
        "--name",
        "PA",
        "--role",
        "admin",
        "--public-key",
        str(home.parent / "pa.json.pub"),
    )
    assert line.startswith("principals register: --role: Input should be 'office'")


def test_a_missing_file_is_named(home: Path, tmp_path: Path) -> None:
    line = _refused(home, "submit", str(tmp_path / "nowhere.json"))
    assert line.startswith(f"submissions {tmp_path / 'nowhere.json'}: cannot read")


def test_a_utf16_submission_is_named_as_such(home: Path, tmp_path: Path) -> None:
    envelope = {"payload": "e30=", "payloadType": "x", "signatures": []}
    path = tmp_path / "utf16.json"
    path.write_text(json.dumps(envelope), encoding="utf-16")
    line = _refused(home, "submit", str(path))
    assert line.endswith("the text is UTF-16 or UTF-32; write it as UTF-8")


def test_a_deeply_nested_body_gets_a_clear_error(home: Path, tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}")
    line = _refused(
        home,
        "sign",
        str(body),
        "--key",
        str(home.parent / "pa.json"),
        "--type",
        "evidence.declaration_filed",
    )
    assert line == f"body {body}: nested deeper than 64 levels"

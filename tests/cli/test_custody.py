"""Key custody as two machines see it: a party signs in its own folder, the office takes
the submission in another, and nothing the office writes holds the party's key."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from cli_run import concord, concord_in
from concord.identity.keys import SigningKey
from concord.scenario.treaty import station_unity_path

EXTRACTION = "site,mineral,quantity,unit,uncertainty\nSA-01,ore,4100,t,40\n"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A workspace built only from commands, and the party's own folder beside it."""
    root = tmp_path_factory.mktemp("custody")
    home, party = root / "office" / "ws", root / "party"
    party.mkdir()
    concord(home, "init", "--established", "2187-01-15T09:00:00Z")
    concord_in(party, "keys", "new", "pacific-alliance", "--out", "pa.json")
    public = root / "office" / "pa.json.pub"
    shutil.copy(party / "pa.json.pub", public)  # only the public key travels
    concord(
        home,
        "principals", "register", "pacific-alliance",
        "--name", "Pacific Alliance", "--role", "signatory", "--party", "PA",
        "--public-key", str(public), "--issued-at", "2187-01-15T10:00:00Z",
        "--valid-from", "2187-01-15T10:00:00Z",
    )  # fmt: skip
    concord(
        home, "treaty", "register", str(station_unity_path()),
        "--issued-at", "2187-01-15T11:00:00Z",
    )  # fmt: skip
    concord(
        home,
        "act", "evidence.site_registered", "--key", str(home / "keys" / "office.json"),
        "--issued-at", "2187-04-01T12:00:00Z", "--site-id", "SA-01", "--name", "Alpha One",
        "--sector", "seven-alpha", "--location", "[10, 10]", "--operator", "PA",
        "--minerals", "ore", "--submit",
    )  # fmt: skip
    return home, party


def test_keys_new_writes_an_owner_only_private_key_and_a_public_key_beside_it(
    office: tuple[Path, Path],
) -> None:
    _, party = office
    assert (party / "pa.json").stat().st_mode & 0o777 == 0o600
    public = json.loads((party / "pa.json.pub").read_text())
    assert public["format"] == "concord.public-key/v1"
    assert set(public) == {"format", "key_id", "principal", "public_key"}
    again = concord_in(party, "keys", "new", "pacific-alliance", "--out", "pa.json", ok=False)
    assert again.returncode != 0
    assert "refusing to overwrite" in again.stderr


def test_a_private_key_file_is_refused_at_registration(office: tuple[Path, Path]) -> None:
    home, party = office
    run = concord(
        home,
        "principals", "register", "someone", "--name", "Someone", "--role", "signatory",
        "--public-key", str(party / "pa.json"), "--issued-at", "2187-01-15T10:00:00Z",
        ok=False,
    )  # fmt: skip
    assert run.returncode == 78
    assert "this is a private key" in run.stderr


def test_a_declaration_signed_in_one_folder_is_submitted_in_another_and_its_receipt_checks(
    office: tuple[Path, Path],
) -> None:
    home, party = office
    (party / "q2.csv").write_text(EXTRACTION)
    concord_in(
        party,
        "act", "evidence.declaration_filed", "--key", "pa.json",
        "--issued-at", "2187-07-20T09:00:00Z", "--declaration-type", "extraction",
        "--party", "PA", "--period", "2187-Q2", "--table", "q2.csv", "--out", "decl.json",
    )  # fmt: skip
    submission = json.loads((party / "decl.json").read_text())
    assert submission["format"] == "concord.submission/v1"
    (sha,) = submission["tables"]
    receipts = home.parent / "receipts.jsonl"
    concord(home, "submit", str(party / "decl.json"), "--receipts", str(receipts))
    assert (home / "blobs" / sha[:2] / sha).read_text() == EXTRACTION
    shutil.copy(home / "log.vkey", party / "log.vkey")
    shutil.copy(receipts, party / "receipt.json")
    ok = concord_in(
        party, "receipt", "verify", "receipt.json", "--vkey", "log.vkey",
        "--submission", "decl.json", "--json",
    )  # fmt: skip
    assert json.loads(ok.stdout)["verified"] is True
    # The receipt moved to another index does not check.
    forged = json.loads(receipts.read_text())
    forged["index"] += 1
    (party / "forged.json").write_text(json.dumps(forged))
    bad = concord_in(party, "receipt", "verify", "forged.json", "--vkey", "log.vkey", ok=False)
    assert bad.returncode == 2


def test_a_submission_whose_table_was_changed_is_refused_and_nothing_is_stored(
    office: tuple[Path, Path],
) -> None:
    home, party = office
    (party / "q3.csv").write_text(EXTRACTION)
    concord_in(
        party,
        "act", "evidence.declaration_filed", "--key", "pa.json",
        "--issued-at", "2187-10-20T09:00:00Z", "--declaration-type", "extraction",
        "--party", "PA", "--period", "2187-Q3", "--table", "q3.csv", "--out", "q3.json",
    )  # fmt: skip
    submission = json.loads((party / "q3.json").read_text())
    (sha,) = submission["tables"]
    changed = EXTRACTION.replace("4100", "41")
    submission["tables"][sha] = base64.b64encode(changed.encode()).decode()
    (party / "q3-changed.json").write_text(json.dumps(submission))
    size = concord(home, "checkpoint").stdout.splitlines()[1]
    blobs = sorted(p.name for p in (home / "blobs").rglob("*") if p.is_file())
    run = concord(home, "submit", str(party / "q3-changed.json"), ok=False)
    assert run.returncode == 65
    assert "hash to" in run.stderr
    assert concord(home, "checkpoint").stdout.splitlines()[1] == size
    assert sorted(p.name for p in (home / "blobs").rglob("*") if p.is_file()) == blobs


def test_a_refused_statement_leaves_its_table_out_of_the_blob_store(
    office: tuple[Path, Path],
) -> None:
    home, party = office
    (party / "late.csv").write_text(EXTRACTION.replace("SA-01", "SA-99"))
    run = concord_in(
        party,
        "act", "evidence.declaration_filed", "--key", "pa.json",
        "--issued-at", "2187-10-20T09:00:00Z", "--declaration-type", "extraction",
        "--party", "PA", "--period", "2187-Q3", "--table", "late.csv", "--out", "late.json",
    )  # fmt: skip
    assert run.returncode == 0
    (sha,) = json.loads((party / "late.json").read_text())["tables"]
    refused = concord(home, "submit", str(party / "late.json"), ok=False)
    assert refused.returncode == 65
    assert "SA-99" in refused.stderr
    assert not (home / "blobs" / sha[:2] / sha).exists()


def test_quarter_run_writes_html_and_pdf_reports_on_a_workspace_built_from_commands(
    office: tuple[Path, Path],
) -> None:
    home, party = office
    run = concord(home, "quarter", "run", "--period", "2187-Q2", "--json")
    summary = json.loads(run.stdout)
    assert summary["period"] == "2187-Q2"
    scopes = {r["scope"] for r in summary["reports"]}
    assert scopes == {"consolidated", "PA", "EF", "MI"}
    for row in summary["reports"]:
        assert Path(row["html"]).read_bytes().startswith(b"<!DOCTYPE html>")
        assert Path(row["pdf"]).read_bytes().startswith(b"%PDF-")
    # Nothing the office wrote holds the party's private key, in any form.
    seed = SigningKey.load(party / "pa.json").seed
    secrets = [seed, seed.hex().encode(), base64.b64encode(seed)]
    for path in (home.parent).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(s in data for s in secrets), f"{path} holds the party's key"


def test_evaluate_exits_3_on_violations_only_when_asked(office: tuple[Path, Path]) -> None:
    home, party = office
    concord(home, "evaluate", "--period", "2187-Q2", "--fail-on-violation")  # none in Q2
    (party / "q4.csv").write_text(EXTRACTION)
    concord_in(
        party,
        "act", "evidence.declaration_filed", "--key", "pa.json",
        "--issued-at", "2188-03-01T09:00:00Z", "--declaration-type", "extraction",
        "--party", "PA", "--period", "2187-Q4", "--table", "q4.csv", "--out", "q4.json",
    )  # fmt: skip
    concord(home, "submit", str(party / "q4.json"))
    findings = json.loads(concord(home, "evaluate", "--period", "2187-Q4", "--json").stdout)
    late = [f for f in findings["findings"] if f["requirement"] == "R1" and f["party"] == "PA"]
    assert late[0]["status"] == "violation"
    assert "late by" in late[0]["explanation"]
    strict = concord(home, "evaluate", "--period", "2187-Q4", "--fail-on-violation", ok=False)
    assert strict.returncode == 3
    assert "report report" not in json.dumps(findings)


def test_a_requirement_without_evidence_is_no_evidence_never_compliant(
    office: tuple[Path, Path],
) -> None:
    """Hand-worked: in 2187-Q2 the record holds no docking request and no inspection
    request, so R16 (access within 72 hours) and R17 (refusals only for safety) have
    nothing to judge: "no_evidence". After one inspection request granted 24 hours later,
    R16 is judged, and compliant; R17 still has no evidence."""
    home, party = office

    def status(requirement: str) -> str:
        document = json.loads(concord(home, "evaluate", "--period", "2187-Q2", "--json").stdout)
        (found,) = [f for f in document["findings"] if f["requirement"] == requirement]
        return str(found["status"])

    assert status("R16") == "no_evidence"
    assert status("R17") == "no_evidence"
    concord(
        home,
        "act", "evidence.inspection_requested", "--key", str(home / "keys" / "office.json"),
        "--issued-at", "2187-05-10T09:00:00Z", "--request-id", "insp-1", "--party", "PA",
        "--site", "SA-01", "--requested-at", "2187-05-10T09:00:00Z", "--submit",
    )  # fmt: skip
    concord_in(
        party,
        "act", "evidence.inspection_granted", "--key", "pa.json",
        "--issued-at", "2187-05-11T09:00:00Z", "--request-id", "insp-1",
        "--granted-at", "2187-05-11T09:00:00Z", "--out", "grant.json",
    )  # fmt: skip
    concord(home, "submit", str(party / "grant.json"))
    assert status("R16") == "compliant"
    assert status("R17") == "no_evidence"

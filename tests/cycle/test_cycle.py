"""The quarterly cycle end to end: reports, cases, and audit by replay."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from concord.config import Settings, sqlite_url
from concord.cycle.audit import audit_report, report_metadata
from concord.cycle.demo import DemoQuarter, run_demo
from concord.disputes.service import open_cases
from concord.errors import VerificationError
from concord.ledger.export import export_tiles
from concord.ledger.notes import NoteVerifier
from concord.workspace import open_workspace

REPLAY_ENV = {"CONCORD_VERIFY_WORKERS": "0", "COLUMNS": "120"}


@dataclass
class Cycle:
    home: Path
    results: list[DemoQuarter]
    export: Path
    verifier: NoteVerifier


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Cycle:
    home = tmp_path_factory.mktemp("cycle") / "data"
    settings = Settings(home=home, database_url=sqlite_url(home), verify_workers=0)
    with pytest.MonkeyPatch.context() as env:
        # As a user runs it: from the folder that holds the workspace, whose commands
        # read their settings from the environment.
        env.chdir(home.parent)
        for name, value in REPLAY_ENV.items():
            env.setenv(name, value)
        env.delenv("CONCORD_DATABASE_URL", raising=False)
        env.delenv("CONCORD_HOME", raising=False)
        results = run_demo(settings, seed=7, quarters=2, size=1)
    ws = open_workspace(settings)
    try:
        export = home.parent / "export"
        export_tiles(ws.ledger, export, ws.settings.blobs_dir)
        verifier = ws.verifier
    finally:
        ws.close()
    return Cycle(home, results, export, verifier)


def test_each_quarter_has_a_consolidated_report_and_one_per_signatory(cycle: Cycle) -> None:
    assert [r.period for r in cycle.results] == ["2187-Q2", "2187-Q3"]
    for result in cycle.results:
        names = sorted(p.name for p in result.reports)
        period = result.period
        assert names == sorted(
            f"{period}-{scope}.html" for scope in ("consolidated", "PA", "EF", "MI")
        )
        for report in result.reports:
            html = report.read_bytes()
            assert b"http://" not in html
            assert b"https://" not in html
            assert report.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")
            meta = report_metadata(html)
            assert meta["checkpoint_size"] == result.checkpoint_size


def test_violations_open_cases_and_contested_claims_too(cycle: Cycle) -> None:
    settings = Settings(home=cycle.home, database_url=sqlite_url(cycle.home), verify_workers=0)
    ws = open_workspace(settings)
    try:
        with Session(ws.engine) as session:
            cases = open_cases(session)
    finally:
        ws.close()
    kinds = {c.kind for c in cases}
    assert kinds == {"violation", "contested_claim"}
    violations = {
        (f["period"], f["requirement"], f["party"], f["subject"])
        for r in cycle.results
        for f in r.findings
        if f["status"] == "violation" and f["party"]
    }
    assert len([c for c in cases if c.kind == "violation"]) == len(violations)
    seven_beta = [c for c in cases if c.kind == "contested_claim"]
    assert any({"PA", "EF"} == set(c.parties.split(",")) for c in seven_beta)


@pytest.mark.parametrize("which", ["consolidated", "PA"])
def test_audit_recomputes_a_report_byte_for_byte(cycle: Cycle, which: str) -> None:
    report = next(p for p in cycle.results[-1].reports if p.name.endswith(f"{which}.html"))
    result = audit_report(report, cycle.export, cycle.verifier)
    assert result.findings_sha256 == result.recomputed_sha256
    assert result.report_matches
    assert result.matches


def test_audit_catches_a_tampered_report(cycle: Cycle, tmp_path: Path) -> None:
    original = cycle.results[0].reports[0]
    tampered = tmp_path / original.name
    text = original.read_text()
    meta = report_metadata(original.read_bytes())
    forged = dict(meta, findings_sha256="0" * 64)
    tampered.write_text(
        text.replace(
            json.dumps(meta, sort_keys=True).replace('"', "&#34;"),
            json.dumps(forged, sort_keys=True).replace('"', "&#34;"),
        )
    )
    # The findings the report carries no longer hash to what its head says.
    with pytest.raises(VerificationError, match="altered after it was rendered"):
        audit_report(tampered, cycle.export, cycle.verifier)
    edited = tmp_path / ("edited-" + original.name)
    edited.write_text(text.replace("compliant", "compliamt", 1))
    assert not audit_report(edited, cycle.export, cycle.verifier).report_matches


def _forge_first_violation(html: str) -> tuple[str, dict[str, object]]:
    """The report with its first violation turned compliant, consistently: in the
    findings it carries and in the SHA-256 its head names (a careful forger)."""
    import hashlib
    import re

    from concord.identity.canonical import canonical_json
    from concord.reports.render import embedded_json

    found = re.search(r'id="concord-findings">([^<]*)</script>', html)
    assert found is not None
    document = json.loads(found.group(1))
    first = next(f for f in document["findings"] if f["status"] == "violation")
    first["status"] = "compliant"
    forged = canonical_json(document)
    meta = report_metadata(html.encode())
    new_meta = dict(meta, findings_sha256=hashlib.sha256(forged).hexdigest())
    html = html.replace(found.group(1), str(embedded_json(forged)))
    html = html.replace(
        json.dumps(meta, sort_keys=True).replace('"', "&#34;"),
        json.dumps(new_meta, sort_keys=True).replace('"', "&#34;"),
    )
    return html, first


def test_audit_names_the_first_finding_that_differs(cycle: Cycle, tmp_path: Path) -> None:
    original = cycle.results[-1].reports[0]
    html, forged = _forge_first_violation(original.read_text())
    tampered = tmp_path / original.name
    tampered.write_text(html)
    result = audit_report(tampered, cycle.export, cycle.verifier)
    assert not result.matches
    assert result.difference is not None
    named = " · ".join(
        str(forged[k]) for k in ("requirement", "party", "subject", "period") if forged[k]
    )
    assert f"({named}): status " in result.difference
    assert result.difference.endswith('status "compliant" in the report, "violation" recomputed')
    clean = audit_report(original, cycle.export, cycle.verifier)
    assert clean.difference is None


def test_audit_accepts_the_pdf_and_refuses_one_without_its_html(
    cycle: Cycle, tmp_path: Path
) -> None:
    pdf_file = cycle.results[-1].reports[0].with_suffix(".pdf")
    result = audit_report(pdf_file, cycle.export, cycle.verifier)
    assert result.kind == "pdf"
    assert result.matches
    import pypdfium2

    from concord.reports.render import render_pdf

    bare = tmp_path / pdf_file.name
    bare.write_bytes(render_pdf(b"<html><body><p>not a report</p></body></html>"))
    # render_pdf attaches the HTML it renders: a PDF made elsewhere has none.
    pdf = pypdfium2.PdfDocument(bare.read_bytes())
    pdf.del_attachment(0)
    pdf.save(str(bare))
    pdf.close()
    with pytest.raises(VerificationError, match="without the report's HTML"):
        audit_report(bare, cycle.export, cycle.verifier)


def test_audit_catches_a_tampered_log(cycle: Cycle, tmp_path: Path) -> None:
    import shutil

    export = tmp_path / "export"
    shutil.copytree(cycle.export, export)
    bundle = sorted((export / "tile" / "entries").glob("*"))[0]
    target = bundle if bundle.is_file() else sorted(bundle.rglob("*"))[0]
    data = bytearray(target.read_bytes())
    data[500] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(VerificationError):
        audit_report(cycle.results[0].reports[0], export, cycle.verifier)


def test_the_injected_violations_are_found_and_nothing_else_where_no_statistics_apply(
    cycle: Cycle,
) -> None:
    from concord.identity.keys import SigningKey
    from concord.scenario.generator import generate

    # The ground truth does not depend on who signs: any office key regenerates it.
    truth = generate(SigningKey("office", b"\x01" * 32), 7, quarters=2, size=1).truth
    periods = {r.period for r in cycle.results}
    found = {
        (f["period"], f["requirement"], f["party"])
        for r in cycle.results
        for f in r.findings
        if f["status"] == "violation"
    }
    expected = set()
    for v in truth.violations:
        for requirement in (v.requirement, *v.related):
            for period in [v.period] if v.period else sorted(periods):
                expected.add((period, requirement, v.party))
    # Protracted small under-reporting is caught only once its CUSUM crosses h (by the
    # fourth quarter: tests/scenario/test_detection.py); every other kind at once.
    missed = {
        (v.period, v.requirement, v.party)
        for v in truth.violations
        if v.kind != "protracted_under_declaration"
        and v.period in periods
        and (v.period, v.requirement, v.party) not in found
    }
    assert missed == set()
    holder_share = {v.party for v in truth.violations if v.requirement == "R14"}
    assert any((p, "R14", party) in found for p in periods for party in holder_share)
    statistical = {"R7", "R8"}
    unexplained = {f for f in found - expected if f[1] not in statistical}
    assert unexplained == set()


def _secrets(key_file: Path) -> list[bytes]:
    """Every form in which a private key could be written down: raw, base64, hex."""
    import base64

    from concord.identity.keys import SigningKey

    seed = SigningKey.load(key_file).seed
    return [seed, base64.b64encode(seed), seed.hex().encode(), base64.b64encode(seed)[:32]]


def test_the_demo_keeps_party_keys_outside_the_workspace_and_the_office_never_writes_them(
    cycle: Cycle,
) -> None:
    from concord.cycle.demo import parties_folder

    keys = parties_folder(cycle.home)
    private = sorted(p for p in keys.glob("*.json"))
    assert len(private) >= 9  # 7 parties and 2 inspectors
    assert all((p.parent / (p.name + ".pub")).exists() for p in private)
    assert not keys.is_relative_to(cycle.home)
    secrets = [s for p in private for s in _secrets(p)]
    files = [p for p in cycle.home.rglob("*") if p.is_file()]
    assert any(p.name == "concord.db" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret not in data, f"{path} holds a party's private key"


def test_cases_and_claims_read_as_json_at_the_latest_record(cycle: Cycle) -> None:
    from cli_run import concord

    cases = json.loads(concord(cycle.home, "cases", "list", "--json").stdout)
    assert cases
    for case in cases:
        assert {"case_id", "state", "deadlines"} <= set(case)
        assert case["deadlines"]
        assert all(d["cites"] and d["stage"] and d["due"] for d in case["deadlines"])
    claims = concord(cycle.home, "claims", "check", "--json")
    document = json.loads(claims.stdout)
    # The default day is the record's, not the wall clock's: the demo's record is of 2187.
    assert document["at"].startswith("2187-")
    assert "as of the record at checkpoint" in claims.stderr
    contested = [r for r in document["resolutions"] if r["outcome"] == "contested"]
    assert contested
    assert all(r["open_case"] for r in contested)


def test_treaty_and_claim_read_as_json(cycle: Cycle) -> None:
    from cli_run import concord

    treaty = json.loads(concord(cycle.home, "treaty", "show", "--json").stdout)
    assert treaty["at"].startswith("2187-")
    assert treaty["in_force"] is True
    assert len(treaty["requirements"]) == 17
    assert len(treaty["provisions"]) == 63
    claims = json.loads(concord(cycle.home, "claims", "check", "--json").stdout)
    claim_id = claims["live_claims"][0]
    claim = json.loads(concord(cycle.home, "claims", "show", claim_id, "--json").stdout)
    assert claim["claim_id"] == claim_id
    assert claim["history"]
    assert claim["history"][0]["log_index"] >= 0


@pytest.mark.parametrize("command", [["cases", "list"], ["principals", "list"], ["treaty", "show"]])
def test_tables_on_a_narrow_terminal_fold_values_instead_of_cutting_them(
    cycle: Cycle, command: list[str]
) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, COLUMNS="60", CONCORD_VERIFY_WORKERS="0", CONCORD_DATABASE_URL="")
    shown = subprocess.run(
        [sys.executable, "-m", "concord", "--home", str(cycle.home), *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = shown.splitlines()
    assert lines
    assert max(len(line) for line in lines) <= 60
    assert "…" not in shown  # Rich's mark of a cut value


def _without_roots(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings less the checkpoint root: another office key signs another log."""
    return [
        {**f, "record_time": {"checkpoint_size": f["record_time"]["checkpoint_size"]}}
        for f in findings
    ]


@pytest.mark.slow
def test_the_demo_script_runs_as_written_in_a_new_folder_to_the_same_findings(
    cycle: Cycle, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from concord.cycle.audit import report_findings, report_metadata

    script = (cycle.home / "demo-commands.sh").read_text()
    assert "concord --home data init " in script
    assert "concord --home data submit data-party-keys/scenario/submissions/2187-Q2.jsonl" in script
    assert "concord --home data quarter run --period 2187-Q3" in script
    env = {k: v for k, v in os.environ.items() if k not in ("CONCORD_DATABASE_URL", "CONCORD_HOME")}
    env.update(REPLAY_ENV, PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    (tmp_path / "demo-commands.sh").write_text(script)
    run = subprocess.run(
        ["sh", "demo-commands.sh"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "match byte for byte" in run.stdout
    for result in cycle.results:
        html = (tmp_path / "data" / "reports" / f"{result.period}-consolidated.html").read_bytes()
        document = report_findings(html, report_metadata(html))
        assert document is not None
        assert document["counts"] == result.counts
        assert _without_roots(document["findings"]) == _without_roots(result.findings)

"""Witnesses cosign checkpoints and refuse rollbacks and forks (C2SP tlog-cosignature)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_run import concord
from concord.errors import ConfigurationError, VerificationError
from concord.ledger.notes import Checkpoint, NoteSigner
from concord.ledger.witness import (
    CosignRequest,
    WitnessKey,
    WitnessRefusal,
    WitnessVerifier,
    add_cosignatures,
    cosign,
    cosign_request,
    quorum_checkpoint,
    split_note,
)
from concord.workspace import Workspace
from factories import make_workspace, registration


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = make_workspace(tmp_path / "office")
    yield workspace
    workspace.close()


def grow(ws: Workspace, start: int, count: int) -> None:
    ws.ledger.submit_many([registration(ws, n) for n in range(start, start + count)])


def test_a_cosignature_is_a_c2sp_timestamped_signature_over_the_checkpoint(
    ws: Workspace, tmp_path: Path
) -> None:
    key = WitnessKey.generate("witness.pa.example/w1")
    line = cosign(key, tmp_path / "w1", ws.verifier, cosign_request(ws.ledger, 0), now=1_700_000)
    name, blob = line[2:].rstrip("\n").split(" ")
    raw = base64.b64decode(blob)
    assert name == "witness.pa.example/w1"
    assert len(raw) == 4 + 8 + 64
    assert int.from_bytes(raw[4:12], "big") == 1_700_000
    body, _ = split_note(ws.ledger.latest_checkpoint())
    message = f"cosignature/v1\ntime 1700000\n{body}".encode()
    from concord.identity.keys import verify_signature

    assert verify_signature(key.verifier.public_key, message, raw[12:])
    # The vkey round-trips and names signature type 0x04.
    vkey = key.verifier.vkey()
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 4
    assert WitnessVerifier.from_vkey(vkey) == key.verifier


def test_a_witness_follows_the_log_and_refuses_a_rollback(ws: Workspace, tmp_path: Path) -> None:
    key, state = WitnessKey.generate("w1"), tmp_path / "w1.state"
    cosign(key, state, ws.verifier, cosign_request(ws.ledger, 0), now=1)
    earlier = ws.ledger.latest_checkpoint()
    grow(ws, 0, 5)
    cosign(key, state, ws.verifier, cosign_request(ws.ledger, 1), now=2)
    grow(ws, 5, 3)
    cosign(key, state, ws.verifier, cosign_request(ws.ledger, 6), now=3)
    held = state.read_text()
    assert held.splitlines()[1] == "9"
    # The office's own earlier checkpoint, offered again: a rollback.
    with pytest.raises(WitnessRefusal, match="refusing a rollback from size 9 to 1"):
        cosign(key, state, ws.verifier, CosignRequest(9, (), earlier), now=4)
    # A request that assumes the witness holds another size is answered with the size.
    grow(ws, 8, 1)
    with pytest.raises(WitnessRefusal, match="the proof starts at size 5, but the witness holds"):
        cosign(key, state, ws.verifier, cosign_request(ws.ledger, 5), now=5)
    assert state.read_text() == held


def test_a_witness_refuses_a_fork(ws: Workspace, tmp_path: Path) -> None:
    key, state = WitnessKey.generate("w1"), tmp_path / "w1.state"
    grow(ws, 0, 4)
    cosign(key, state, ws.verifier, cosign_request(ws.ledger, 0), now=1)
    size = ws.ledger.size()
    origin, signer = ws.ledger.origin, ws.ledger.signer
    # The office (its own key) signs another tree of the same size, and a larger tree
    # that does not extend the one cosigned: both are forks.
    same_size = signer.sign(Checkpoint(origin, size, b"\x07" * 32).text())
    with pytest.raises(WitnessRefusal, match="refusing a fork"):
        cosign(key, state, ws.verifier, CosignRequest(size, (), same_size), now=2)
    grow(ws, 4, 3)
    honest = cosign_request(ws.ledger, size)
    larger = signer.sign(Checkpoint(origin, size + 3, b"\x09" * 32).text())
    with pytest.raises(WitnessRefusal, match="refusing a fork"):
        cosign(key, state, ws.verifier, CosignRequest(size, honest.proof, larger), now=3)
    # The honest extension is still cosigned afterwards.
    cosign(key, state, ws.verifier, honest, now=4)
    assert state.read_text().splitlines()[1] == str(size + 3)


def test_a_checkpoint_signed_by_another_key_is_not_cosigned(ws: Workspace, tmp_path: Path) -> None:
    key, state = WitnessKey.generate("w1"), tmp_path / "w1.state"
    stranger = NoteSigner.generate(ws.ledger.origin)
    note = stranger.sign(Checkpoint(ws.ledger.origin, 1, b"\x01" * 32).text())
    with pytest.raises(VerificationError, match="not signed by"):
        cosign(key, state, ws.verifier, CosignRequest(0, (), note), now=1)
    assert not state.exists()


def test_a_quorum_is_counted_over_valid_cosignatures_only(ws: Workspace, tmp_path: Path) -> None:
    w1, w2, w3 = (WitnessKey.generate(f"w{n}") for n in (1, 2, 3))
    grow(ws, 0, 2)
    for key in (w1, w2):
        request = cosign_request(ws.ledger, 0)
        note = request.note
        line = cosign(key, tmp_path / key.name, ws.verifier, request, now=5)
        from concord.ledger.witness import add_signatures

        added = add_cosignatures(ws.ledger, add_signatures(note, [line]), [key.verifier])
        assert added == [key.name]
    latest = ws.ledger.latest_checkpoint()
    keys = [w1.verifier, w2.verifier, w3.verifier]
    found = quorum_checkpoint([latest], ws.verifier, keys, 2)
    assert found is not None
    assert found.witnesses == ("w1", "w2")
    assert quorum_checkpoint([latest], ws.verifier, keys, 3) is None
    # A cosignature line altered by one bit is an error, not a vote.
    body, lines = split_note(latest)
    blob = bytearray(base64.b64decode(lines[1].split(" ")[-1]))
    blob[-1] ^= 1
    forged = (
        body
        + "\n"
        + "\n".join([lines[0], f"\u2014 w1 {base64.b64encode(bytes(blob)).decode()}"])
        + "\n"
    )
    with pytest.raises(VerificationError, match="cosignature by w1 does not verify"):
        quorum_checkpoint([forged], ws.verifier, keys, 1)
    with pytest.raises(ConfigurationError, match="quorum 4"):
        quorum_checkpoint([latest], ws.verifier, keys, 4)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_a_malformed_request_is_a_clear_error(text: str) -> None:
    outcome = "parsed"
    try:
        CosignRequest.parse(text)
    except VerificationError as exc:
        outcome = exc.message
    assert outcome == "parsed" or outcome.startswith("cosign request")


def test_the_cli_witness_round_trip_and_verify_with_a_quorum(tmp_path: Path) -> None:
    home = tmp_path / "office"
    concord(home, "init", "--established", "2187-01-15T09:00:00Z")
    party = tmp_path / "pa-machine"
    party.mkdir()
    keys = []
    for n in (1, 2):
        concord(home, "witness", "new", f"witness.pa/w{n}", "--out", str(party / f"w{n}.key"))
        keys.append(party / f"w{n}.key.vkey")
        assert (party / f"w{n}.key").stat().st_mode & 0o777 == 0o600
    vkey = str(home / "log.vkey")
    for n in (1, 2):
        request = party / "request.txt"
        request.write_text(concord(home, "witness", "request").stdout)
        cosigned = concord(
            home,
            "witness",
            "cosign",
            str(request),
            "--key",
            str(party / f"w{n}.key"),
            "--state",
            str(party / f"w{n}.state"),
            "--vkey",
            vkey,
        ).stdout
        (party / f"cosigned{n}.txt").write_text(cosigned)
        added = concord(
            home, "witness", "add", str(party / f"cosigned{n}.txt"), "--witness", str(keys[n - 1])
        ).stdout
        assert f"cosigned by witness.pa/w{n}" in added
    witnesses = [a for k in keys for a in ("--witness", str(k))]
    out = concord(home, "verify", *witnesses).stdout
    assert "witnessed: the checkpoint of size 1 is cosigned by witness.pa/w1, witness.pa/w2" in out
    other = tmp_path / "w3.key"
    concord(home, "witness", "new", "witness.ef/w3", "--out", str(other))
    refused = concord(home, "verify", *witnesses, "--witness", str(other) + ".vkey", ok=False)
    assert "no checkpoint carries cosignatures by 3 of the 3 witness(es)" in refused.stderr
    shown = concord(home, "witness", "show", "--state", str(party / "w1.state")).stdout
    assert shown.splitlines()[1] == "1"


def test_the_treaty_sets_the_witness_quorum(tmp_path: Path) -> None:
    from concord.scenario.treaty import station_unity_path

    home = tmp_path / "office"
    concord(home, "init", "--established", "2187-01-15T09:00:00Z")
    treaty = tmp_path / "treaty.yaml"
    treaty.write_text(station_unity_path().read_text() + "\nwitness_quorum: 2\n")
    concord(home, "treaty", "register", str(treaty), "--issued-at", "2187-01-15T11:00:00Z")
    refused = concord(home, "verify", ok=False)
    assert "the treaty accepts a checkpoint only when 2 of the parties' witnesses" in (
        refused.stderr
    )
    party = tmp_path / "party"
    party.mkdir()
    keys = []
    for n in (1, 2, 3):
        concord(home, "witness", "new", f"w{n}", "--out", str(party / f"w{n}.key"))
        keys.append(str(party / f"w{n}.key.vkey"))
    for n in (1, 2):
        request = party / "request.txt"
        request.write_text(concord(home, "witness", "request").stdout)
        cosigned = party / f"cosigned{n}.txt"
        cosigned.write_text(
            concord(
                home, "witness", "cosign", str(request), "--key", str(party / f"w{n}.key"),
                "--state", str(party / f"w{n}.state"), "--vkey", str(home / "log.vkey"),
            ).stdout
        )  # fmt: skip
        concord(home, "witness", "add", str(cosigned), "--witness", keys[n - 1])
    witnesses = [a for k in keys for a in ("--witness", k)]
    out = concord(home, "verify", "--no-replay", *witnesses).stdout
    assert "cosigned by w1, w2 (2 of 3, quorum 2)" in out

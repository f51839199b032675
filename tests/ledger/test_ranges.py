"""Verification in ranges on worker processes reaches the same verdict as one walk."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from concord.errors import VerificationError
from concord.identity.keys import SigningKey
from concord.identity.preverify import SignaturePool
from concord.identity.schemas import KeyRotated
from concord.ledger import audit, ranges
from concord.ledger.audit import verify_database
from concord.ledger.export import export_tiles, verify_tiles
from concord.ledger.merkle import leaf_hash
from concord.ledger.notes import Checkpoint, NoteSigner
from concord.ledger.ranges import DatabaseEntries
from concord.ledger.verify import VerifyReport
from concord.workspace import Workspace, key_spec, sign_statement
from factories import (
    T0,
    make_workspace,
    register,
    registration,
    sample_log,
    small_order_registration,
    stored_entry,
    tamper_log,
)
from worker_sources import GATE, DyingEntries, GatedEntries

WALK = 10**9  # a threshold no test log reaches: walked in this process


@pytest.fixture(scope="module")
def pool() -> Iterator[SignaturePool]:
    workers = SignaturePool(2)
    yield workers
    workers.close()


@pytest.fixture(autouse=True)
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranges, "RANGE", 8)  # 31 entries: four ranges, the last partial


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    workspace = sample_log(make_workspace(tmp_path, database_url))
    yield workspace
    workspace.close()


def _replace(ws: Workspace, index: int, entry: bytes) -> None:
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = :i", e=entry, i=index)
    tamper_log(
        ws,
        "UPDATE ledger_node SET hash = :h WHERE level = 0 AND idx = :i",
        h=leaf_hash(entry),
        i=index,
    )


def _flip_byte(ws: Workspace) -> None:
    entry = bytearray(stored_entry(ws, 17))
    entry[40] ^= 0x01
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 17", e=bytes(entry))


def _forge_signature(ws: Workspace) -> None:
    envelope = json.loads(stored_entry(ws, 21))
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[10] ^= 0x01
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    _replace(ws, 21, json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode())


def _swap(ws: Workspace) -> None:
    a, b = stored_entry(ws, 3), stored_entry(ws, 4)
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 3", e=b)
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 4", e=a)


def _other_checkpoint_key(ws: Workspace) -> None:
    size, root = ws.ledger.size(), ws.ledger.root(ws.ledger.size())
    tamper_log(ws, "DELETE FROM ledger_checkpoint")
    note = NoteSigner.generate(ws.ledger.origin).sign(
        Checkpoint(ws.ledger.origin, size, root).text()
    )
    tamper_log(
        ws,
        "INSERT INTO ledger_checkpoint (size, root, note) VALUES (:s, :r, :n)",
        s=size,
        r=root,
        n=note,
    )


def _checkpoint_over_other_entries(ws: Workspace) -> None:
    # Signed with the office's own key, at a size inside a range (ranges of 8 here), over
    # the root of one entry fewer.
    note = ws.ledger.signer.sign(Checkpoint(ws.ledger.origin, 13, ws.ledger.root(12)).text())
    tamper_log(ws, "DELETE FROM ledger_checkpoint WHERE size = 13")
    tamper_log(
        ws,
        "INSERT INTO ledger_checkpoint (size, root, note) VALUES (13, :r, :n)",
        r=ws.ledger.root(12),
        n=note,
    )


def _alter_node(level: int, index: int) -> Callable[[Workspace], None]:
    return lambda ws: tamper_log(
        ws,
        "UPDATE ledger_node SET hash = :h WHERE level = :l AND idx = :i",
        h=b"\1" * 32,
        l=level,
        i=index,
    )


TAMPERING: dict[str, Callable[[Workspace], None]] = {
    "checkpoint over other entries, inside a range": _checkpoint_over_other_entries,
    "altered range root": _alter_node(3, 1),
    "altered tree node above the ranges": _alter_node(4, 0),
    "deleted interior node": lambda ws: tamper_log(
        ws, "DELETE FROM ledger_node WHERE level = 1 AND idx = 9"
    ),
    "untouched": lambda ws: None,
    "flipped byte": _flip_byte,
    "forged signature": _forge_signature,
    "swapped entries": _swap,
    "deleted entry": lambda ws: tamper_log(ws, "DELETE FROM ledger_entry WHERE idx = 12"),
    "deleted last entry of a range": lambda ws: tamper_log(
        ws, "DELETE FROM ledger_entry WHERE idx = 15"
    ),
    "deleted tail": lambda ws: tamper_log(ws, "DELETE FROM ledger_entry WHERE idx >= 25"),
    "non-canonical entry": lambda ws: _replace(
        ws, 9, stored_entry(ws, 9).replace(b'"payloadType"', b'"payloadType" ')
    ),
    "forged entry": lambda ws: _replace(ws, 5, registration(ws, 500).canonical_bytes()),
    "small-order key registered": lambda ws: _replace(
        ws, 6, small_order_registration(ws, 501).canonical_bytes()
    ),
    "altered tree node": lambda ws: tamper_log(
        ws, "UPDATE ledger_node SET hash = :h WHERE level = 2 AND idx = 1", h=b"\0" * 32
    ),
    "deleted leaf hash": lambda ws: tamper_log(
        ws, "DELETE FROM ledger_node WHERE level = 0 AND idx = 7"
    ),
    "another checkpoint key": _other_checkpoint_key,
}


def _outcome(run: Callable[[], VerifyReport]) -> object:
    try:
        report = run()
    except VerificationError as exc:
        return exc.message
    return (report.size, report.root, report.types, report.tree_nodes)


@pytest.mark.parametrize("share", [True, False], ids=["main shares", "workers only"])
@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_ranges_and_one_walk_reach_the_same_verdict(
    ws: Workspace, pool: SignaturePool, case: str, share: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With sharing on, the main process checks a range itself whenever the first range
    # handed out is not back yet (often, with ranges of 8).
    monkeypatch.setattr(ranges, "SHARE", share)
    TAMPERING[case](ws)
    walked = _outcome(lambda: verify_database(ws.ledger, ws.verifier, parallel_from=WALK))
    in_ranges = _outcome(
        lambda: verify_database(ws.ledger, ws.verifier, parallel_from=0, pool=pool)
    )
    assert in_ranges == walked
    assert not pool.broken  # the workers did check ranges (else all was checked here)
    if case == "untouched":
        assert isinstance(walked, tuple)
        assert walked[0] == 31
    else:
        assert isinstance(walked, str), walked


def _rotate(ws: Workspace, key: SigningKey, principal: str, n: int) -> SigningKey:
    new = SigningKey.generate(principal)
    body = KeyRotated(principal_id=principal, new_key=key_spec(new, T0), retire_key_id=key.key_id)
    ws.ledger.submit(
        sign_statement(
            key,
            "identity.key_rotated",
            body,
            issued_at=T0 + timedelta(minutes=5 + n),
            statement_id=f"rotate-{principal}-{n}",
        )
    )
    return new


def test_keys_first_used_inside_a_range_are_checked_and_handed_on(
    ws: Workspace, pool: SignaturePool
) -> None:
    # A principal registered mid-log signs rotations of its own key: each signing key
    # is unknown to the workers until the main process has accepted its registration.
    key = register(ws, "party-a")
    for n in range(20):
        key = _rotate(ws, key, "party-a", n)
    walked = _outcome(lambda: verify_database(ws.ledger, ws.verifier, parallel_from=WALK))
    assert (
        _outcome(lambda: verify_database(ws.ledger, ws.verifier, parallel_from=0, pool=pool))
        == walked
    )
    assert isinstance(walked, tuple)
    assert walked[2]["identity.key_rotated"] == 20
    _forge_signature_at(ws, ws.ledger.size() - 3)
    with pytest.raises(VerificationError, match=rf"^entry {ws.ledger.size() - 3}: "):
        verify_database(ws.ledger, ws.verifier, parallel_from=0, pool=pool)


def _forge_signature_at(ws: Workspace, index: int) -> None:
    envelope = json.loads(stored_entry(ws, index))
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[3] ^= 0x01
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    _replace(ws, index, json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode())


def test_a_tiles_export_verifies_in_ranges_as_in_one_walk(
    ws: Workspace, pool: SignaturePool, tmp_path: Path
) -> None:
    out = tmp_path / "tiles"
    export_tiles(ws.ledger, out)
    registry = ws.ledger.registry
    walked = _outcome(lambda: verify_tiles(out, ws.verifier, registry, parallel_from=WALK))
    in_ranges = _outcome(
        lambda: verify_tiles(out, ws.verifier, registry, pool=pool, parallel_from=0)
    )
    assert in_ranges == walked
    assert isinstance(walked, tuple)
    bundle = out / "tile" / "entries" / "000.p" / "31"
    data = bytearray(bundle.read_bytes())
    data[900] ^= 0x01
    bundle.write_bytes(bytes(data))
    walked = _outcome(lambda: verify_tiles(out, ws.verifier, registry, parallel_from=WALK))
    in_ranges = _outcome(
        lambda: verify_tiles(out, ws.verifier, registry, pool=pool, parallel_from=0)
    )
    assert isinstance(walked, str)
    assert in_ranges == walked


@pytest.mark.parametrize("enabled", [True, False])
def test_verification_leaves_the_garbage_collector_as_it_found_it(
    ws: Workspace, pool: SignaturePool, enabled: bool
) -> None:
    # Verification pauses the cyclic collector while it makes millions of small objects.
    import gc

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        verify_database(ws.ledger, ws.verifier, parallel_from=0, pool=pool)
        assert gc.isenabled() is enabled
        _forge_signature_at(ws, 20)
        with pytest.raises(VerificationError):
            verify_database(ws.ledger, ws.verifier, parallel_from=WALK)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_workers_run_without_the_cyclic_collector(pool: SignaturePool) -> None:
    import gc

    future = pool.call(gc.isenabled)
    assert future is not None
    assert future.result() is False


@pytest.mark.parametrize("case", ["untouched", "forged signature"])
def test_ranges_left_by_workers_that_stopped_are_checked_here(
    ws: Workspace, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    TAMPERING[case](ws)
    walked = _outcome(lambda: verify_database(ws.ledger, ws.verifier, parallel_from=WALK))
    monkeypatch.setattr(audit, "DatabaseEntries", DyingEntries)
    # The main process checks nothing itself while the worker lives, so the worker
    # reaches the range that stops it (else the main process may take that range over).
    monkeypatch.setattr(ranges, "SHARE", False)
    dying = SignaturePool(1)
    try:
        in_ranges = _outcome(
            lambda: verify_database(ws.ledger, ws.verifier, parallel_from=0, pool=dying)
        )
    finally:
        dying.close()
    assert in_ranges == walked
    assert dying.broken


@pytest.mark.parametrize("case", ["untouched", "forged signature", "deleted tail"])
def test_ranges_no_worker_has_started_are_checked_here(
    ws: Workspace, case: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # With the worker busy and nothing left to hand out, the main process takes back a
    # range that no worker has started and checks it, instead of waiting. The worker
    # reads nothing until a range has been taken back: one worker holds one range and
    # the executor's queue two more, so the last of the four is never started.
    TAMPERING[case](ws)
    walked = _outcome(lambda: verify_database(ws.ledger, ws.verifier, parallel_from=WALK))
    gate = tmp_path / "gate"
    taken_back: list[int] = []

    def unstarted(slots: object) -> object:
        slot = unstarted_before(slots)
        if slot is not None:
            taken_back.append(slot.start)
            gate.touch()
        return slot

    unstarted_before = ranges._unstarted
    monkeypatch.setattr(ranges, "_unstarted", unstarted)
    monkeypatch.setattr(audit, "DatabaseEntries", GatedEntries)
    monkeypatch.setenv(GATE, str(gate))
    one = SignaturePool(1)  # started here, so that its worker sees the gate's name
    try:
        in_ranges = _outcome(
            lambda: verify_database(ws.ledger, ws.verifier, parallel_from=0, pool=one)
        )
        assert not one.broken  # the worker could load the gated source and ran
    finally:
        one.close()
    assert in_ranges == walked
    assert taken_back[:1] == [24]  # the last range, which the worker reaches last


def test_a_statement_left_behind_is_read_again_or_its_loss_reported(ws: Workspace) -> None:
    # A worker that verified every signature of a statement leaves its payload and
    # signatures behind; the main process reads them again when it must check the
    # statement in full.
    source = DatabaseEntries(ws.engine.url.render_as_string(hide_password=False))
    try:
        read = ranges._read_again(source, 12)
        envelope = json.loads(stored_entry(ws, 12))
        assert read.payload == base64.b64decode(envelope["payload"])
        assert tuple((sig.keyid, sig.sig) for sig in read.signatures) == tuple(
            (sig["keyid"], base64.b64decode(sig["sig"])) for sig in envelope["signatures"]
        )
        tamper_log(ws, "DELETE FROM ledger_entry WHERE idx = 12")
        with pytest.raises(VerificationError, match=r"^entry 12: removed while the log"):
            ranges._read_again(source, 12)
    finally:
        source.close()

"""Tampering with the stored log is caught by the verifier, which names the first bad entry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from concord.errors import VerificationError
from concord.ledger.audit import rebuild, verify_database
from concord.ledger.export import export_tiles, verify_tiles
from concord.ledger.merkle import leaf_hash, root_from_leaf_hashes
from concord.ledger.notes import Checkpoint
from concord.workspace import Workspace
from factories import (
    make_workspace,
    registration,
    sample_log,
    small_order_registration,
    stored_entry,
    tamper_log,
)


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    workspace = sample_log(make_workspace(tmp_path, database_url))
    yield workspace
    workspace.close()


def test_an_untouched_log_verifies(ws: Workspace) -> None:
    report = verify_database(ws.ledger, ws.verifier)
    assert (report.size, report.statements, report.checkpoints) == (31, 31, 4)


def test_a_flipped_byte_in_a_stored_entry_is_caught(ws: Workspace) -> None:
    entry = bytearray(stored_entry(ws, 17))
    entry[40] ^= 0x01
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 17", e=bytes(entry))
    with pytest.raises(VerificationError, match=r"^entry 17: its bytes do not hash"):
        verify_database(ws.ledger, ws.verifier)


def test_a_non_canonical_entry_is_caught_even_with_a_rehashed_leaf(ws: Workspace) -> None:
    from concord.ledger.merkle import leaf_hash

    entry = stored_entry(ws, 5).replace(b'"payloadType"', b'"payloadType" ')
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 5", e=entry)
    tamper_log(
        ws, "UPDATE ledger_node SET hash = :h WHERE level = 0 AND idx = 5", h=leaf_hash(entry)
    )
    with pytest.raises(VerificationError, match="entry 5: the entry is not a canonical envelope"):
        verify_database(ws.ledger, ws.verifier)


def test_a_forged_entry_with_rehashed_leaf_is_caught_by_the_signed_root(ws: Workspace) -> None:
    from concord.ledger.merkle import leaf_hash

    # A validly signed statement (the forger holds the office key) put in place of entry 5.
    entry = registration(ws, 500).canonical_bytes()
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 5", e=entry)
    tamper_log(
        ws, "UPDATE ledger_node SET hash = :h WHERE level = 0 AND idx = 5", h=leaf_hash(entry)
    )
    with pytest.raises(VerificationError, match="checkpoint of size 11: its root does not match"):
        verify_database(ws.ledger, ws.verifier)


def test_a_key_of_small_order_slipped_into_the_log_is_named_by_its_entry(ws: Workspace) -> None:
    # Signed by the office itself and re-hashed: only the key's own check can catch it
    # before the signed roots do.
    from concord.ledger.merkle import leaf_hash

    entry = small_order_registration(ws, 500).canonical_bytes()
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 6", e=entry)
    tamper_log(
        ws, "UPDATE ledger_node SET hash = :h WHERE level = 0 AND idx = 6", h=leaf_hash(entry)
    )
    with pytest.raises(VerificationError, match=r"^entry 6: .*a point of small order"):
        verify_database(ws.ledger, ws.verifier)


def test_a_deleted_entry_is_caught(ws: Workspace) -> None:
    tamper_log(ws, "DELETE FROM ledger_entry WHERE idx = 12")
    with pytest.raises(
        VerificationError, match=r"^entry 12: missing \(the next stored entry is 13\)"
    ):
        verify_database(ws.ledger, ws.verifier)


def test_two_swapped_entries_are_caught(ws: Workspace) -> None:
    a, b = stored_entry(ws, 3), stored_entry(ws, 4)
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 3", e=b)
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 4", e=a)
    with pytest.raises(VerificationError, match=r"^entry 3: its bytes do not hash"):
        verify_database(ws.ledger, ws.verifier)


def test_an_altered_stored_tree_hash_is_caught(ws: Workspace) -> None:
    tamper_log(ws, "UPDATE ledger_node SET hash = :h WHERE level = 2 AND idx = 1", h=b"\x00" * 32)
    with pytest.raises(VerificationError, match=r"stored tree node \(2, 1\) does not match"):
        verify_database(ws.ledger, ws.verifier)


@pytest.mark.parametrize(("level", "idx"), [(0, 7), (1, 3), (2, 1), (4, 0)])
def test_a_deleted_stored_tree_hash_is_caught(ws: Workspace, level: int, idx: int) -> None:
    tamper_log(ws, "DELETE FROM ledger_node WHERE level = :l AND idx = :i", l=level, i=idx)
    with pytest.raises(
        VerificationError, match=rf"^tree node \({level}, {idx}\) is missing from storage"
    ):
        verify_database(ws.ledger, ws.verifier)


def test_every_stored_interior_hash_is_compared(ws: Workspace) -> None:
    # 31 leaves: 15 + 7 + 3 + 1 perfect interior nodes.
    assert verify_database(ws.ledger, ws.verifier).tree_nodes == 26


def test_checkpoints_signed_with_a_key_other_than_the_genesis_key_are_caught(
    ws: Workspace,
) -> None:
    from concord.ledger.notes import NoteSigner

    # The office swaps its checkpoint key without a statement saying so, and re-signs.
    other = NoteSigner.generate(ws.ledger.origin)
    size = ws.ledger.size()
    root = ws.ledger.root(size)
    tamper_log(ws, "DELETE FROM ledger_checkpoint")
    note = other.sign(Checkpoint(ws.ledger.origin, size, root).text())
    tamper_log(
        ws,
        "INSERT INTO ledger_checkpoint (size, root, note) VALUES (:s, :r, :n)",
        s=size,
        r=root,
        n=note,
    )
    with pytest.raises(VerificationError, match="genesis entry is not the key used to verify"):
        verify_database(ws.ledger, other.verifier())


def test_deleting_the_tail_without_resigning_is_caught(ws: Workspace) -> None:
    tamper_log(ws, "DELETE FROM ledger_entry WHERE idx >= 25")
    with pytest.raises(
        VerificationError, match="signed a checkpoint of size 31 but the log has only 25"
    ):
        verify_database(ws.ledger, ws.verifier)


def test_truncating_and_resigning_is_caught_against_a_trusted_checkpoint(ws: Workspace) -> None:
    trusted = ws.ledger.latest_checkpoint()
    # Someone holding the office's checkpoint key truncates the log and signs the shorter tree.
    tamper_log(ws, "DELETE FROM ledger_entry WHERE idx >= 16")
    tamper_log(ws, "DELETE FROM ledger_node WHERE (idx + 1) * (1 << level) > 16")
    tamper_log(ws, "DELETE FROM ledger_checkpoint WHERE size > 16")
    # A careful forger also drops what the cut entries projected.
    tamper_log(ws, "DELETE FROM identity_key WHERE registered_at >= 16")
    tamper_log(ws, "DELETE FROM identity_principal WHERE registered_at >= 16")
    root = ws.ledger.root(16)
    note = ws.ledger.signer.sign(Checkpoint(ws.ledger.origin, 16, root).text())
    tamper_log(
        ws, "INSERT INTO ledger_checkpoint (size, root, note) VALUES (16, :r, :n)", r=root, n=note
    )
    assert verify_database(ws.ledger, ws.verifier).size == 16  # consistent on its own...
    with pytest.raises(
        VerificationError, match="trusted checkpoint has size 31 but the log has only 16"
    ):
        verify_database(ws.ledger, ws.verifier, trusted_note=trusted)


def test_rewriting_history_is_caught_against_a_trusted_checkpoint(ws: Workspace) -> None:
    trusted = ws.ledger.latest_checkpoint()
    with ws.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_checkpoint"))
    entry = stored_entry(ws, 7).replace(b'"payloadType"', b'"payloadType" ')
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 7", e=entry)
    with pytest.raises(VerificationError):
        verify_database(ws.ledger, ws.verifier, trusted_note=trusted)


def test_a_rewritten_tree_hash_never_reaches_a_new_checkpoint(ws: Workspace) -> None:
    tamper_log(ws, "UPDATE ledger_node SET hash = :h WHERE level = 3 AND idx = 2", h=b"\x01" * 32)
    ws.ledger._size = -1  # a restarted office derives its state from the entries
    receipt = ws.ledger.submit(registration(ws, 999))
    # The new checkpoint extends the honest tree, whatever the stored hash says...
    checkpoint = Checkpoint.parse(ws.verifier.open(receipt.checkpoint))
    assert checkpoint.size == 32
    with ws.engine.connect() as conn:
        entries = [
            bytes(e) for (e,) in conn.execute(text("SELECT entry FROM ledger_entry ORDER BY idx"))
        ]
    assert root_from_leaf_hashes([leaf_hash(e) for e in entries]) == checkpoint.root
    # ...and verify still names the edited hash.
    with pytest.raises(VerificationError, match="tree"):
        verify_database(ws.ledger, ws.verifier)


def test_rebuild_reproduces_the_live_state_and_spots_an_edited_projection(ws: Workspace) -> None:
    assert rebuild(ws.ledger, ws.ledger.registry).differences == []
    tamper_log(ws, "UPDATE identity_principal SET name = 'Forged' WHERE principal_id = 'p-3'")
    report = rebuild(ws.ledger, ws.ledger.registry)
    assert report.differences == [
        "identity_principal: 31 live rows, 31 rebuilt; 1 only live, 1 only rebuilt"
    ]


def test_a_tiles_export_verifies_and_tampering_with_it_is_caught(
    ws: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "tiles"
    assert export_tiles(ws.ledger, out) == 31
    assert verify_tiles(out, ws.verifier, ws.ledger.registry).size == 31
    bundle = out / "tile" / "entries" / "000.p" / "31"
    data = bytearray(bundle.read_bytes())
    data[200] ^= 0x01
    bundle.write_bytes(bytes(data))
    with pytest.raises(VerificationError, match="entry"):
        verify_tiles(out, ws.verifier, ws.ledger.registry)


@pytest.mark.parametrize("workers", [0, 1])
def test_a_forged_signature_is_named_by_its_entry_with_or_without_worker_processes(
    ws: Workspace, workers: int
) -> None:
    import base64
    import json

    from concord.identity.preverify import SignaturePool
    from concord.ledger.merkle import leaf_hash

    envelope = json.loads(stored_entry(ws, 5))
    sig = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    sig[10] ^= 0x01
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    entry = json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 5", e=entry)
    tamper_log(
        ws, "UPDATE ledger_node SET hash = :h WHERE level = 0 AND idx = 5", h=leaf_hash(entry)
    )
    ws.ledger.signature_pool = SignaturePool(1) if workers else None
    try:
        with pytest.raises(VerificationError, match=r"^entry 5: .*does not verify"):
            verify_database(ws.ledger, ws.verifier)
    finally:
        ws.ledger.close()

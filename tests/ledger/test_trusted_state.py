"""The sequencer authorises from the signed log, not from tables anyone can edit.

Each test edits the database as someone with full access to it but none of the keys
could, restarts the office (a fresh ledger, as a new process would have), and checks
that the office neither signs a forgery nor loses what was recorded.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from concord.errors import AuthorizationError, SignatureError, VerificationError
from concord.identity.dsse import Envelope, Signature
from concord.identity.keys import SigningKey
from concord.identity.schemas import KeyRevoked
from concord.ledger import trusted
from concord.ledger.audit import verify_database
from concord.ledger.notes import Checkpoint, NoteSigner
from concord.workspace import Workspace, open_workspace, sign_statement
from factories import T0, make_workspace, principal_body, register, registration, tamper_log


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Iterator[Workspace]:
    workspace = make_workspace(tmp_path, database_url)
    yield workspace
    workspace.close()


def restarted(ws: Workspace) -> Workspace:
    """The office as a new process opens it."""
    return open_workspace(ws.settings)


def office_act(key: SigningKey, n: int) -> Envelope:
    """An act only the office may sign: registering a principal."""
    fresh = SigningKey.generate(f"x-{n}")
    return sign_statement(
        key,
        "identity.principal_registered",
        principal_body(f"x-{n}", fresh, "inspector"),
        issued_at=T0 + timedelta(hours=2),
        statement_id=f"forged-{n}",
    )


def rotation_by(key: SigningKey, principal_id: str, n: int) -> Envelope:
    """A key rotation ``key`` signs for ``principal_id`` (any principal may rotate its own)."""
    from concord.identity.schemas import KeyRotated
    from concord.workspace import key_spec

    new = SigningKey.generate(principal_id)
    body = KeyRotated(principal_id=principal_id, new_key=key_spec(new, T0))
    return sign_statement(
        key,
        "identity.key_rotated",
        body,
        issued_at=T0 + timedelta(hours=3),
        statement_id=f"rot-{n}",
    )


def size(ws: Workspace) -> int:
    return ws.ledger.size()


def test_a_swapped_public_key_does_not_let_its_holder_sign(ws: Workspace) -> None:
    register(ws, "alice")
    mallory = SigningKey.generate("alice")
    key_id = ws.ledger.identity.principals["alice"].keys.copy().popitem()[0]
    tamper_log(
        ws,
        "UPDATE identity_key SET public_key = :p WHERE key_id = :k",
        p=mallory.public_key,
        k=key_id,
    )
    # Mallory signs as alice, naming alice's key id over her own public key.
    envelope = rotation_by(mallory, "alice", 1)
    assert isinstance(envelope, Envelope)
    forged = Envelope(
        envelope.payload_type,
        envelope.payload,
        (Signature(key_id, envelope.signatures[0].sig),),
    )
    office = restarted(ws)
    before = size(office)
    with pytest.raises(SignatureError, match="does not verify"):
        office.ledger.submit(forged)
    assert size(office) == before
    office.close()


def test_an_unrevoked_key_stays_revoked(ws: Workspace) -> None:
    alice = register(ws, "alice")
    ws.submit_as(
        ws.office_key,
        "identity.key_revoked",
        KeyRevoked(principal_id="alice", key_id=alice.key_id, reason="lost"),
        issued_at=T0 + timedelta(minutes=5),
    )
    tamper_log(
        ws, "UPDATE identity_key SET revoked = false, revoked_at = NULL, revoked_from = NULL"
    )
    office = restarted(ws)
    with pytest.raises(SignatureError, match="revoked"):
        office.ledger.submit(rotation_by(alice, "alice", 2))
    office.close()


def test_a_role_granted_in_the_table_grants_nothing(ws: Workspace) -> None:
    alice = register(ws, "alice")
    tamper_log(ws, "UPDATE identity_principal SET roles = 'office' WHERE principal_id = 'alice'")
    office = restarted(ws)
    before = size(office)
    with pytest.raises(AuthorizationError, match=r"may not submit identity\.principal_registered"):
        office.ledger.submit(office_act(alice, 3))
    assert size(office) == before
    office.close()


def test_a_principal_added_to_the_table_is_not_registered(ws: Workspace) -> None:
    ghost = SigningKey.generate("ghost")
    tamper_log(
        ws,
        "INSERT INTO identity_principal (principal_id, name, roles, party, registered_at) "
        "VALUES ('ghost', 'Ghost', 'office', NULL, 0)",
    )
    tamper_log(
        ws,
        "INSERT INTO identity_key (key_id, principal_id, public_key, valid_from, "
        "registered_at, revoked) VALUES (:k, 'ghost', :p, :v, 0, false)",
        k=ghost.key_id,
        p=ghost.public_key,
        v=T0,
    )
    office = restarted(ws)
    with pytest.raises(SignatureError, match="not a registered principal"):
        office.ledger.submit(office_act(ghost, 4))
    office.close()


def test_an_unsigned_entry_after_the_last_checkpoint_is_never_covered(ws: Workspace) -> None:
    ws.ledger.submit(registration(ws, 1))
    signed = size(ws)
    forged = registration(ws, 2)
    tamper_log(
        ws,
        "INSERT INTO ledger_entry (idx, statement_id, statement_type, author, payload_sha256, "
        "entry) VALUES (:i, 'reg-p-2', 'identity.principal_registered', 'office', :d, :e)",
        i=signed,
        d=b"\0" * 32,
        e=forged.canonical_bytes(),
    )
    office = restarted(ws)
    with pytest.raises(VerificationError, match="1 entries were never signed by the office"):
        office.ledger.submit(registration(ws, 3))
    with office.engine.connect() as conn:
        sizes = conn.execute(text("SELECT max(size) FROM ledger_checkpoint")).scalar_one()
    assert sizes == signed  # no checkpoint covers the planted entry
    office.close()


def test_an_entry_edited_behind_the_office_is_refused_before_signing(ws: Workspace) -> None:
    ws.ledger.submit_many([registration(ws, n) for n in range(4)])
    stored = ws.ledger.entry(2)
    other = registration(ws, 99).canonical_bytes()
    tamper_log(ws, "UPDATE ledger_entry SET entry = :e WHERE idx = 2", e=other)
    office = restarted(ws)
    before = office.ledger.latest_checkpoint()
    with pytest.raises(VerificationError, match="do not hash to the office's signed checkpoint"):
        office.ledger.submit(registration(ws, 5))
    assert office.ledger.latest_checkpoint() == before
    assert stored != other
    office.close()


def test_a_checkpoint_not_signed_by_the_office_is_refused(ws: Workspace) -> None:
    ws.ledger.submit(registration(ws, 1))
    n = size(ws)
    stranger = NoteSigner.generate(ws.ledger.origin)
    root = ws.ledger.root(n)
    note = stranger.sign(Checkpoint(ws.ledger.origin, n, root).text())
    tamper_log(ws, "UPDATE ledger_checkpoint SET note = :n WHERE size = :s", n=note, s=n)
    office = restarted(ws)
    with pytest.raises(VerificationError, match="is not the office's"):
        office.ledger.submit(registration(ws, 2))
    office.close()


def test_a_rolled_back_database_is_refused_by_a_running_office(ws: Workspace) -> None:
    ws.ledger.submit(registration(ws, 1))
    ws.ledger.submit(registration(ws, 2))
    n = size(ws)
    # Restore the database as it stood one batch earlier: its checkpoint is the office's.
    tamper_log(ws, "DELETE FROM ledger_entry WHERE idx = :i", i=n - 1)
    tamper_log(ws, "DELETE FROM ledger_checkpoint WHERE size = :s", s=n)
    with pytest.raises(VerificationError, match="rolled back"):
        ws.ledger.submit(registration(ws, 3))


def test_a_forged_snapshot_is_ignored_and_the_state_replayed(ws: Workspace) -> None:
    alice = register(ws, "alice")
    ws.ledger.submit_many([registration(ws, n) for n in range(trusted.SNAPSHOT_EVERY)])
    with ws.engine.connect() as conn:
        (state,) = conn.execute(text("SELECT state FROM ledger_snapshot")).one()
    # Give alice the office role inside the snapshot; the signature no longer matches.
    forged = bytes(state).replace(b'"alice","Alice",["signatory"]', b'"alice","Alice",["office"]')
    assert forged != bytes(state)
    tamper_log(ws, "UPDATE ledger_snapshot SET state = :s", s=forged)
    office = restarted(ws)
    with pytest.raises(AuthorizationError, match="may not submit"):
        office.ledger.submit(office_act(alice, 6))
    assert office.ledger.identity.principals["alice"].roles == frozenset({"signatory"})
    office.close()


def test_a_signed_snapshot_is_used_and_agrees_with_a_full_replay(ws: Workspace) -> None:
    register(ws, "alice")
    ws.ledger.submit_many([registration(ws, n) for n in range(trusted.SNAPSHOT_EVERY + 3)])
    with ws.engine.connect() as conn:
        (snap_size,) = conn.execute(text("SELECT size FROM ledger_snapshot")).one()
    assert 0 < snap_size <= size(ws)
    from_snapshot = restarted(ws)
    tamper_log(ws, "DELETE FROM ledger_snapshot")
    from_scratch = restarted(ws)
    a, b = from_snapshot.ledger.identity, from_scratch.ledger.identity
    assert a.to_plain() == b.to_plain()
    assert len(a.principals) == trusted.SNAPSHOT_EVERY + 5  # office, alice and the rest
    from_snapshot.close()
    from_scratch.close()


def test_the_office_still_appends_and_verifies_after_a_restart(ws: Workspace) -> None:
    alice = register(ws, "alice")
    office = restarted(ws)
    office.ledger.submit(rotation_by(alice, "alice", 7))
    assert verify_database(office.ledger, office.verifier).size == size(office)
    office.close()


def test_the_snapshot_signature_is_not_a_checkpoint_signature(ws: Workspace) -> None:
    data = b"example.org/log\n1\n" + base64.b64encode(b"\0" * 32) + b"\n"
    signature = ws.ledger.signer.sign_record(data)
    assert ws.verifier.check_record(data, signature)
    assert not ws.verifier.check_record(data + b"x", signature)
    from concord.identity.keys import verify_signature

    assert not verify_signature(ws.verifier.public_key, data, signature)


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ("UPDATE identity_principal SET party = 'EF' WHERE principal_id = 'alice'", "party"),
        ("UPDATE identity_principal SET roles = 'office' WHERE principal_id = 'alice'", "roles"),
        ("UPDATE identity_key SET revoked = true WHERE principal_id = 'alice'", "key"),
        ("DELETE FROM identity_key WHERE principal_id = 'alice'", "key"),
    ],
)
def test_verify_names_an_identity_table_that_differs_from_the_log(
    ws: Workspace, edit: str, named: str
) -> None:
    register(ws, "alice")
    assert verify_database(ws.ledger, ws.verifier).size == size(ws)
    tamper_log(ws, edit)
    with pytest.raises(VerificationError, match=f"principal alice: .*{named}"):
        verify_database(ws.ledger, ws.verifier)


def test_a_rebuild_during_appends_reports_no_false_difference(ws: Workspace) -> None:
    """The replay and the live tables are read in one snapshot: appends made while it
    runs are in neither."""
    import threading

    from concord.ledger.audit import rebuild

    ws.ledger.submit_many([registration(ws, n) for n in range(1500)])
    writer = open_workspace(ws.settings)
    stop = threading.Event()
    appended: list[int] = []

    def keep_appending() -> None:
        n = 10_000
        while not stop.is_set():
            writer.ledger.submit_many([registration(ws, n + i) for i in range(5)])
            appended.append(n)
            n += 5

    thread = threading.Thread(target=keep_appending)
    thread.start()
    try:
        reports = [rebuild(ws.ledger, ws.ledger.registry) for _ in range(2)]
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert appended  # the log grew while the rebuilds ran
    assert [r.differences for r in reports] == [[], []]


def test_verify_during_appends_reports_no_false_difference(ws: Workspace) -> None:
    import threading

    ws.ledger.submit_many([registration(ws, n) for n in range(1500)])
    writer = open_workspace(ws.settings)
    stop = threading.Event()

    def keep_appending() -> None:
        n = 20_000
        while not stop.is_set():
            writer.ledger.submit_many([registration(ws, n + i) for i in range(5)])
            n += 5

    thread = threading.Thread(target=keep_appending)
    thread.start()
    try:
        sizes = [verify_database(ws.ledger, ws.verifier).size for _ in range(3)]
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert sizes[0] >= 1501


def test_a_forged_principal_hidden_beyond_the_log_is_named(ws: Workspace) -> None:
    tamper_log(
        ws,
        "INSERT INTO identity_principal (principal_id, name, roles, party, registered_at) "
        "VALUES ('ghost', 'Ghost', 'office', NULL, 999999)",
    )
    with pytest.raises(VerificationError, match="ghost: registered at a log index beyond"):
        verify_database(ws.ledger, ws.verifier)

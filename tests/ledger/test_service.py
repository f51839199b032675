"""The submit path: receipts, idempotency, refusals, checkpoints — on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest

from concord.errors import (
    AuthorizationError,
    ConflictError,
    MalformedStatement,
    SignatureError,
    StatementError,
)
from concord.identity.dsse import Envelope, Signature
from concord.identity.keys import SigningKey
from concord.identity.schemas import KeyRevoked, KeyRotated
from concord.ledger import merkle
from concord.ledger.notes import open_checkpoint
from concord.workspace import Workspace, key_spec, open_workspace, sign_statement
from factories import (
    T0,
    make_workspace,
    raw_envelope,
    register,
    registration,
    small_order_registration,
)


@pytest.fixture
def ws(tmp_path: Path, database_url: str) -> Workspace:
    workspace = make_workspace(tmp_path, database_url)
    yield workspace
    workspace.close()


def test_receipt_proves_inclusion_against_a_signed_checkpoint(ws: Workspace) -> None:
    envelopes = [registration(ws, i) for i in range(37)]
    receipts = ws.ledger.submit_many(envelopes)
    assert [r.index for r in receipts] == list(range(1, 38))
    for envelope, receipt in zip(envelopes, receipts, strict=True):
        checkpoint = receipt.verify(envelope.canonical_bytes(), ws.verifier)
        assert checkpoint.size == 38
        assert checkpoint.origin == "test.concord/log"


def test_resubmitting_the_same_statement_returns_the_original_receipt(ws: Workspace) -> None:
    envelope = registration(ws, 1)
    first = ws.ledger.submit(envelope)
    ws.ledger.submit_many([registration(ws, i) for i in range(2, 6)])
    again = ws.ledger.submit(envelope)
    assert again.index == first.index
    assert again.leaf_hash == first.leaf_hash
    assert ws.ledger.size() == 6
    again.verify(envelope.canonical_bytes(), ws.verifier)


def test_reusing_an_id_for_another_statement_is_rejected(ws: Workspace) -> None:
    ws.ledger.submit(registration(ws, 1))
    key = SigningKey.generate("other")
    clash = sign_statement(
        ws.office_key,
        "identity.principal_registered",
        __import__("factories").principal_body("other", key),
        issued_at=T0,
        statement_id="reg-p-1",
    )
    with pytest.raises(ConflictError, match="reg-p-1: this id is already used"):
        ws.ledger.submit(clash)
    assert ws.ledger.size() == 2


def _resign(envelope: Envelope, payload: bytes, key: SigningKey) -> Envelope:
    from concord.identity.dsse import sign_envelope

    del envelope
    return sign_envelope(payload, key)


def _bad_inputs(ws: Workspace) -> dict[str, tuple[object, type[StatementError], str]]:
    good = registration(ws, 99)
    obj = json.loads(good.canonical_bytes())
    flipped = bytearray(good.signatures[0].sig)
    flipped[0] ^= 1
    payload = json.loads(good.payload)
    inspector = SigningKey.generate("p-0")  # not the registered key of p-0
    no_body = dict(payload, body={"principal_id": "x"})
    return {
        "malformed JSON": ('{"payload": ', MalformedStatement, "malformed JSON"),
        "not an object": ("[1, 2]", MalformedStatement, "expected a JSON object"),
        "wrong schema": (
            raw_envelope(ws.office_key, no_body),
            MalformedStatement,
            "body does not match the schema",
        ),
        "unknown type": (
            raw_envelope(ws.office_key, dict(payload, type="treaty.nonsense")),
            MalformedStatement,
            "unknown statement type",
        ),
        "bad signature": (
            Envelope(
                good.payload_type,
                good.payload,
                (Signature(good.signatures[0].keyid, bytes(flipped)),),
            ),
            SignatureError,
            "does not verify",
        ),
        "missing signature": (
            dict(obj, signatures=[]),
            SignatureError,
            "not signed",
        ),
        "unknown key": (
            _resign(good, good.payload, SigningKey("office", inspector.seed)),
            SignatureError,
            "not signed by a key of office",
        ),
        "unknown author": (
            raw_envelope(inspector, dict(payload, author="nobody")),
            SignatureError,
            "not a registered principal",
        ),
        "wrong role": (
            raw_envelope(SigningKey("p-0", b"\x00" * 32), dict(payload, author="p-0")),
            SignatureError,
            "not signed by a key of p-0",
        ),
        "oversize": (
            raw_envelope(
                ws.office_key, dict(payload, body=dict(payload["body"], name="x" * 70_000))
            ),
            MalformedStatement,
            "too large",
        ),
        "not canonical": (
            {
                "payloadType": good.payload_type,
                "payload": base64.b64encode(json.dumps(payload, indent=1).encode()).decode(),
                "signatures": obj["signatures"],
            },
            MalformedStatement,
            "canonical",
        ),
        "bad timestamp": (
            raw_envelope(ws.office_key, dict(payload, issued_at="yesterday")),
            MalformedStatement,
            "issued_at",
        ),
        "small-order key": (
            small_order_registration(ws, 98),
            SignatureError,
            "key.public_key is a point of small order",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "malformed JSON",
        "not an object",
        "wrong schema",
        "unknown type",
        "bad signature",
        "missing signature",
        "unknown key",
        "unknown author",
        "wrong role",
        "oversize",
        "not canonical",
        "bad timestamp",
        "small-order key",
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_changes(ws: Workspace, case: str) -> None:
    ws.ledger.submit_many([registration(ws, i) for i in range(3)])
    before = (ws.ledger.size(), ws.ledger.latest_checkpoint())
    raw, error, reason = _bad_inputs(ws)[case]
    with pytest.raises(error, match=reason):
        ws.ledger.submit(raw)  # type: ignore[arg-type]
    # A bad statement inside a batch refuses the whole batch.
    with pytest.raises(error, match=reason):
        ws.ledger.submit_many([registration(ws, 50), raw])  # type: ignore[list-item]
    assert (ws.ledger.size(), ws.ledger.latest_checkpoint()) == before


def test_a_signatory_may_not_do_what_only_the_office_may(ws: Workspace) -> None:
    pa = register(ws, "pacific-alliance", "signatory")
    intruder = SigningKey.generate("x")
    body = __import__("factories").principal_body("x", intruder)
    envelope = sign_statement(pa, "identity.principal_registered", body, issued_at=T0)
    with pytest.raises(AuthorizationError, match=r"may not submit identity\.principal_registered"):
        ws.ledger.submit(envelope)
    assert ws.ledger.size() == 2


def test_rotation_and_revocation(ws: Workspace) -> None:
    old = register(ws, "titan", "third_party")
    new = SigningKey.generate("titan")
    later = T0 + timedelta(days=10)
    ws.submit_as(
        old,
        "identity.key_rotated",
        KeyRotated(principal_id="titan", new_key=key_spec(new, later), retire_key_id=old.key_id),
        issued_at=later,
    )
    revoke_new = KeyRevoked(principal_id="titan", key_id=new.key_id, reason="test")
    with pytest.raises(SignatureError, match="has been revoked"):
        ws.submit_as(old, "identity.key_revoked", revoke_new, issued_at=later)
    with pytest.raises(SignatureError, match="is not valid before"):
        ws.submit_as(new, "identity.key_revoked", revoke_new, issued_at=later - timedelta(days=1))
    ws.submit_as(new, "identity.key_revoked", revoke_new, issued_at=later)
    with pytest.raises(SignatureError, match="has been revoked"):
        ws.submit_as(
            new,
            "identity.key_revoked",
            KeyRevoked(principal_id="titan", key_id=new.key_id, reason="again"),
            issued_at=later,
        )
    assert ws.ledger.size() == 4


def test_a_key_revoked_from_a_date_signs_nothing_issued_from_then_on(ws: Workspace) -> None:
    from concord.identity.schemas import KeyRevoked as Revoked
    from concord.ledger.audit import rebuild, verify_database

    key = register(ws, "belt", "third_party")
    cut = T0 + timedelta(days=30)
    scheduled = Revoked(
        principal_id="belt", key_id=key.key_id, reason="expires", effective_from=cut
    )
    ws.submit_as(ws.office_key, "identity.key_revoked", scheduled, issued_at=T0)
    note = Revoked(principal_id="belt", key_id=key.key_id, reason="n", effective_from=None)
    # Issued before the date: still accepted after the revocation is logged.
    ws.submit_as(
        key,
        "identity.key_rotated",
        KeyRotated(principal_id="belt", new_key=key_spec(SigningKey.generate("belt"), cut)),
        issued_at=cut - timedelta(seconds=1),
    )
    size = ws.ledger.size()
    with pytest.raises(SignatureError, match="has been revoked from"):
        ws.submit_as(key, "identity.key_revoked", note, issued_at=cut)
    assert ws.ledger.size() == size
    # The state replayed from the log and the state read back from the tables agree.
    assert verify_database(ws.ledger, ws.verifier).size == size
    assert rebuild(ws.ledger, ws.ledger.registry).differences == []
    reopened = open_workspace(ws.settings)
    try:
        with pytest.raises(SignatureError, match="has been revoked from"):
            reopened.submit_as(key, "identity.key_revoked", note, issued_at=cut)
        # Revoked for everything afterwards: even earlier issue times are refused.
        reopened.submit_as(ws.office_key, "identity.key_revoked", note, issued_at=T0)
        with pytest.raises(SignatureError, match=r"has been revoked$"):
            reopened.submit_as(key, "identity.key_revoked", note, issued_at=T0 + timedelta(days=1))
    finally:
        reopened.close()


def test_a_key_cannot_be_registered_twice(ws: Workspace) -> None:
    key = register(ws, "a")
    body = __import__("factories").principal_body("b", SigningKey("b", key.seed))
    with pytest.raises(AuthorizationError, match="already registered"):
        ws.submit_as(ws.office_key, "identity.principal_registered", body, issued_at=T0)


def test_checkpoints_are_signed_and_consistent_with_each_other(ws: Workspace) -> None:
    sizes = [1]
    for batch in (1, 5, 2, 17, 40):
        ws.ledger.submit_many([registration(ws, sizes[-1] * 100 + i) for i in range(batch)])
        sizes.append(ws.ledger.size())
    note = ws.ledger.latest_checkpoint()
    latest = open_checkpoint(note, ws.verifier, "test.concord/log")
    assert latest.size == sizes[-1]
    for old in sizes:
        for new in sizes:
            if old <= new:
                proof = ws.ledger.consistency_proof(old, new)
                assert merkle.verify_consistency(
                    old, new, ws.ledger.root(old), ws.ledger.root(new), proof
                )
    for index in range(sizes[-1]):
        proof = ws.ledger.inclusion_proof(index, sizes[-1])
        leaf = (
            ws.ledger.receipt(ws.ledger.receipt("genesis").statement_id).leaf_hash
            if index == 0
            else None
        )
        if leaf is not None:
            assert merkle.verify_inclusion(leaf, 0, sizes[-1], proof, latest.root)


def test_two_ledgers_on_one_database_share_one_sequence(tmp_path: Path, database_url: str) -> None:
    from concord.workspace import open_workspace

    first = make_workspace(tmp_path, database_url)
    second = open_workspace(first.settings)
    try:
        first.ledger.submit_many([registration(first, i, prefix="a") for i in range(5)])
        second.ledger.submit_many([registration(first, i, prefix="b") for i in range(5)])
        first.ledger.submit_many([registration(first, i, prefix="c") for i in range(5)])
        assert first.ledger.size() == second.ledger.size() == 16
        from concord.ledger.audit import verify_database

        report = verify_database(second.ledger, second.verifier)
        assert report.size == 16
    finally:
        second.close()
        first.close()


def test_a_refused_batch_leaves_no_trace_in_who_may_sign(ws: Workspace) -> None:
    newcomer = SigningKey.generate("newcomer")
    good = sign_statement(
        ws.office_key,
        "identity.principal_registered",
        __import__("factories").principal_body("newcomer", newcomer, "signatory"),
        issued_at=T0,
        statement_id="reg-newcomer",
    )
    with pytest.raises(MalformedStatement):
        ws.ledger.submit_many([good, "{not json"])
    revoke = KeyRevoked(principal_id="newcomer", key_id=newcomer.key_id, reason="x")
    with pytest.raises(SignatureError, match="not a registered principal"):
        ws.submit_as(newcomer, "identity.key_revoked", revoke, issued_at=T0)
    assert ws.ledger.submit(good).index == 1


def test_an_open_reader_does_not_block_an_append(ws: Workspace) -> None:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    with Session(ws.engine) as reader:
        before = reader.execute(text("SELECT count(*) FROM ledger_entry")).scalar_one()
        receipt = ws.ledger.submit(registration(ws, 1))  # while the reader's snapshot is open
        assert receipt.index == before
        assert ws.ledger.inclusion_proof(0, 2)


@pytest.mark.parametrize("enabled", [True, False])
def test_appends_leave_the_garbage_collector_as_they_found_it(ws: Workspace, enabled: bool) -> None:
    # Bulk appends pause the cyclic collector, also when a statement is refused.
    import gc

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        ws.ledger.submit_many([registration(ws, i) for i in range(3)])
        assert gc.isenabled() is enabled
        with pytest.raises(ConflictError):
            ws.ledger.submit_many(
                [registration(ws, 0, prefix="q"), registration(ws, 0, prefix="q")]
            )
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.factories import make_settings
from tests.scenario.reading import payload

from concord.config import MAX_ENTRY_BYTES
from concord.identity.dsse import pae
from concord.identity.keys import verify_signature
from concord.ledger.statements import parse_statement
from concord.registry import default_registry
from concord.scenario.generator import Scenario, generate
from concord.scenario.setup import RECORD_OPENS
from concord.workspace import init_workspace


def test_every_envelope_verifies_against_its_authors_key(dirty: Scenario) -> None:
    keys = {pid: key for pid, _, _, key in dirty.principals}
    for statement in dirty.statements:
        envelope = statement.envelope
        author = keys[payload(statement)["author"]]
        (signature,) = envelope.signatures
        assert signature.keyid == author.key_id
        message = pae(envelope.payload_type, envelope.payload)
        assert verify_signature(author.public_key, message, signature.sig)


def test_statements_parse_for_every_registered_type(dirty: Scenario) -> None:
    registry = default_registry()
    parsed = Counter()
    for statement in dirty.statements:
        if statement.statement_type not in registry.types:
            continue  # a domain whose statement types are not in this build yet
        parsed[
            parse_statement(statement.envelope, registry, max_entry_bytes=MAX_ENTRY_BYTES).type
        ] += 1
    assert parsed["identity.principal_registered"] == 9
    assert parsed["treaty.registered"] == 1


def test_statement_bodies_match_their_schemas(dirty: Scenario) -> None:
    from concord.claims.schemas import STATEMENT_MODELS
    from concord.evidence import schemas as evidence

    models = {
        **STATEMENT_MODELS,
        evidence.SITE_REGISTERED: evidence.SiteRegistered,
        evidence.DECLARATION_FILED: evidence.DeclarationFiled,
        evidence.MEASUREMENT_FILED: evidence.MeasurementFiled,
        evidence.INSPECTION_REQUESTED: evidence.InspectionRequested,
        evidence.INSPECTION_GRANTED: evidence.InspectionGranted,
        evidence.DOCKING_DECIDED: evidence.DockingDecided,
    }
    for statement in dirty.statements:
        model = models.get(statement.statement_type)
        if model is not None:
            model.model_validate(payload(statement)["body"])
        assert len(statement.envelope.canonical_bytes()) <= MAX_ENTRY_BYTES


def test_statements_come_in_time_order_after_the_record_opens(dirty: Scenario) -> None:
    times = [payload(s)["issued_at"] for s in dirty.statements]
    assert times == sorted(times)
    assert times[0] == RECORD_OPENS.strftime("%Y-%m-%dT%H:%M:%SZ")
    ids = [s.statement_id for s in dirty.statements]
    assert len(set(ids)) == len(ids)


def test_principals_and_treaty_are_accepted_by_a_real_ledger(tmp_path: Path) -> None:
    ws = init_workspace(make_settings(tmp_path), established_at=RECORD_OPENS)
    try:
        scenario = generate(ws.office_key, seed=3, quarters=1)
        prefix = [
            s.envelope
            for s in scenario.statements
            if s.statement_type.split(".")[0] in {"identity", "treaty"}
        ]
        receipts = ws.ledger.submit_many(prefix)
        assert [r.index for r in receipts] == list(range(1, len(prefix) + 1))
    finally:
        ws.close()


def test_the_whole_scenario_is_accepted_by_a_real_ledger(tmp_path: Path) -> None:
    from concord.evidence.blobs import BlobStore

    settings = make_settings(tmp_path)
    ws = init_workspace(settings, established_at=RECORD_OPENS)
    try:
        scenario = generate(ws.office_key, seed=3, quarters=2)
        registered = default_registry().types
        store = BlobStore(settings.blobs_dir)
        for data in scenario.blobs.values():
            store.put(data)
        accepted = [s.envelope for s in scenario.statements if s.statement_type in registered]
        receipts = ws.ledger.submit_many(accepted)
        assert len(receipts) == len(accepted) > 200
    finally:
        ws.close()

"""A Concord workspace: the database, the office's keys and the blob store.

Layout of ``$CONCORD_HOME``::

    concord.db          SQLite ledger and projections (unless CONCORD_DATABASE_URL)
    keys/               owner-only (0700)
    keys/office.json    the office principal's statement key (owner-only)
    keys/log.skey       the office's checkpoint signer key (owner-only)
    log.vkey            the checkpoint verifier key the office publishes
    blobs/              content-addressed evidence files
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Engine

from concord.config import MAX_ENTRY_BYTES, Settings
from concord.errors import ConfigurationError
from concord.evidence.blobs import BLOB_STORE, BlobStore
from concord.identity.dsse import Envelope, sign_envelope
from concord.identity.keys import PublicKey, SigningKey, b64
from concord.identity.preverify import SignaturePool
from concord.identity.schemas import KeySpec, OfficeEstablished
from concord.identity.state import GENESIS_TYPE
from concord.ledger.notes import NoteSigner, NoteVerifier
from concord.ledger.receipts import Receipt
from concord.ledger.service import Ledger
from concord.ledger.statements import make_payload
from concord.registry import default_registry
from concord.storage.db import make_engine, migrate
from concord.storage.resources import attach

OFFICE_KEY = "office.json"
LOG_KEY = "log.skey"
VKEY = "log.vkey"


def key_spec(key: SigningKey | PublicKey, valid_from: datetime) -> KeySpec:
    return KeySpec(key_id=key.key_id, public_key=b64(key.public_key), valid_from=valid_from)


def new_statement_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def sign_statement(
    key: SigningKey,
    type_: str,
    body: BaseModel,
    *,
    issued_at: datetime,
    statement_id: str | None = None,
) -> Envelope:
    """Build and sign a statement as ``key``'s principal."""
    payload = make_payload(
        statement_id=statement_id or new_statement_id(type_.rsplit(".", maxsplit=1)[-1]),
        type_=type_,
        author=key.principal,
        issued_at=issued_at,
        body=body,
    )
    return sign_envelope(payload, key)


@dataclass(slots=True)
class Workspace:
    """An opened workspace: settings, engine, ledger and the office's keys."""

    settings: Settings
    engine: Engine
    ledger: Ledger
    office_key: SigningKey

    @property
    def verifier(self) -> NoteVerifier:
        return self.ledger.signer.verifier()

    def submit_as(
        self,
        key: SigningKey,
        type_: str,
        body: BaseModel,
        *,
        issued_at: datetime,
        statement_id: str | None = None,
    ) -> Receipt:
        envelope = sign_statement(key, type_, body, issued_at=issued_at, statement_id=statement_id)
        return self.ledger.submit(envelope)

    def close(self) -> None:
        self.ledger.close()
        self.engine.dispose()


def init_workspace(
    settings: Settings,
    *,
    office_id: str = "office",
    office_name: str = "Peace Monitoring Office",
    established_at: datetime,
) -> Workspace:
    """Create keys, the schema and the genesis entry of a new workspace."""
    keys = settings.keys_dir
    if (keys / OFFICE_KEY).exists():
        raise ConfigurationError(f"{settings.home}: a workspace already exists here")
    keys.mkdir(parents=True, exist_ok=True)
    keys.chmod(0o700)  # the private keys' folder is the office's alone
    settings.blobs_dir.mkdir(parents=True, exist_ok=True)
    office = SigningKey.generate(office_id)
    signer = NoteSigner.generate(settings.log_origin)
    office.save(keys / OFFICE_KEY)
    fd = os.open(keys / LOG_KEY, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.skey() + "\n")
    (settings.home / VKEY).write_text(signer.verifier().vkey() + "\n")
    workspace = open_workspace(settings)
    body = OfficeEstablished(
        principal_id=office_id,
        name=office_name,
        key=key_spec(office, established_at),
        log_origin=settings.log_origin,
        log_verifier_key=signer.verifier().vkey(),
    )
    workspace.submit_as(
        office, GENESIS_TYPE, body, issued_at=established_at, statement_id="genesis"
    )
    return workspace


def open_workspace(settings: Settings) -> Workspace:
    """Open an existing workspace (migrating its schema to the newest version)."""
    keys = settings.keys_dir
    if not (keys / OFFICE_KEY).exists():
        raise ConfigurationError(
            f"{settings.home}: no Concord workspace here", details=["run `concord init` first"]
        )
    office = SigningKey.load(keys / OFFICE_KEY)
    signer = NoteSigner.from_skey((keys / LOG_KEY).read_text())
    return _assemble(settings, office, signer)


def replica_workspace(settings: Settings) -> Workspace:
    """A workspace for replaying someone else's log (an auditor's): it has its own
    throw-away keys, which sign nothing that leaves it."""
    settings.blobs_dir.mkdir(parents=True, exist_ok=True)
    return _assemble(
        settings, SigningKey.generate("auditor"), NoteSigner.generate(settings.log_origin)
    )


def _assemble(settings: Settings, office: SigningKey, signer: NoteSigner) -> Workspace:
    engine = make_engine(settings.database_url)
    migrate(engine)
    # Evidence checks read the blob store through the engine (concord.storage.resources).
    attach(engine, BLOB_STORE, BlobStore(settings.blobs_dir))
    ledger = Ledger(
        engine,
        default_registry(),
        signer,
        origin=settings.log_origin,
        max_entry_bytes=MAX_ENTRY_BYTES,
        batch_size=settings.batch_size,
        signature_pool=SignaturePool(settings.verify_workers) if settings.verify_workers else None,
    )
    return Workspace(settings, engine, ledger, office)

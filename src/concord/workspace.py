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
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Engine

from concord.config import MAX_ENTRY_BYTES, Settings
from concord.errors import ConfigurationError, VerificationError
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
from concord.storage.files import write_public
from concord.storage.resources import attach

OFFICE_KEY = "office.json"
LOG_KEY = "log.skey"
VKEY = "log.vkey"
#: Where ``init`` keeps the keys until the genesis entry is committed.
PENDING_KEYS = "keys.pending"


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
    """Create keys, the schema and the genesis entry of a new workspace.

    The keys are written to ``keys.pending/`` and the folder becomes ``keys/`` only
    once the genesis entry is committed, so a workspace is never left with keys and no
    log. An init that was stopped part-way is resumed by running it again: it takes up
    the pending keys (and the genesis, if that was committed).
    """
    keys = settings.keys_dir
    if (keys / OFFICE_KEY).exists():
        raise ConfigurationError(f"{settings.home}: a workspace already exists here")
    pending = settings.home / PENDING_KEYS
    if (pending / OFFICE_KEY).exists() and (pending / LOG_KEY).exists():
        office = SigningKey.load(pending / OFFICE_KEY)
        signer = NoteSigner.from_skey((pending / LOG_KEY).read_text())
        if signer.name != settings.log_origin:
            raise ConfigurationError(
                f"{settings.home}: an interrupted init of log {signer.name!r} is pending here, "
                f"not of {settings.log_origin!r}"
            )
    else:
        pending.mkdir(parents=True, exist_ok=True, mode=0o700)
        pending.chmod(0o700)  # the private keys' folder is the office's alone
        office = SigningKey.generate(office_id)
        signer = NoteSigner.generate(settings.log_origin)
        office.save(pending / OFFICE_KEY)
        _write_private(pending / LOG_KEY, signer.skey() + "\n")
    settings.blobs_dir.mkdir(parents=True, exist_ok=True)
    write_public(settings.home / VKEY, (signer.verifier().vkey() + "\n").encode())
    workspace = _assemble(settings, office, signer)
    try:
        if workspace.ledger.size() == 0:
            body = OfficeEstablished(
                principal_id=office.principal,
                name=office_name,
                key=key_spec(office, established_at),
                log_origin=settings.log_origin,
                log_verifier_key=signer.verifier().vkey(),
            )
            workspace.submit_as(
                office, GENESIS_TYPE, body, issued_at=established_at, statement_id="genesis"
            )
        elif not _holds_genesis_of(workspace, office):
            raise ConfigurationError(
                f"{settings.home}: the database already holds another office's log; "
                "nothing was changed",
                details=["use an empty database (CONCORD_DATABASE_URL) for a new workspace"],
            )
        if keys.exists():
            keys.rmdir()  # an empty folder left by hand; one with files was refused above
        os.replace(pending, keys)
    except BaseException:
        workspace.close()
        raise
    return workspace


def _holds_genesis_of(workspace: Workspace, office: SigningKey) -> bool:
    """Whether the workspace's log is the one ``office`` began (an init stopped after
    its genesis entry was committed)."""
    try:
        found = workspace.ledger.identity.principals.get(office.principal)
    except VerificationError:
        return False  # its checkpoints are another key's
    return found is not None and office.key_id in found.keys


def _write_private(path: Path, text: str) -> None:
    """Write an owner-only file durably."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def open_workspace(settings: Settings) -> Workspace:
    """Open an existing workspace (migrating its schema to the newest version)."""
    keys = settings.keys_dir
    if not (keys / OFFICE_KEY).exists():
        raise ConfigurationError(
            f"{settings.home}: no Concord workspace here", details=["run `concord init` first"]
        )
    office = SigningKey.load(keys / OFFICE_KEY)
    signer = NoteSigner.from_skey((keys / LOG_KEY).read_text())
    if signer.name != settings.log_origin:
        # The origin was fixed when the workspace was made: its checkpoint key is named so.
        if settings.log_origin_given:
            raise ConfigurationError(
                f"CONCORD_LOG_ORIGIN is {settings.log_origin!r} but this workspace's log is "
                f"{signer.name!r}; nothing was done",
                details=["unset CONCORD_LOG_ORIGIN or set it to the workspace's origin"],
            )
        settings = replace(settings, log_origin=signer.name)
    return _assemble(settings, office, signer)


def replica_workspace(settings: Settings) -> Workspace:
    """A workspace for replaying someone else's log (an auditor's): it has its own
    throw-away keys, which sign nothing that leaves it."""
    settings.blobs_dir.mkdir(parents=True, exist_ok=True)
    return _assemble(
        settings, SigningKey.generate("auditor"), NoteSigner.generate(settings.log_origin)
    )


def _fixed_clock(at: datetime) -> Callable[[], datetime]:
    return lambda: at


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
        clock=None if settings.clock is None else _fixed_clock(settings.clock),
    )
    return Workspace(settings, engine, ledger, office)

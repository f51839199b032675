"""Statement payloads of the treaty domain (the ``body`` of a ledger statement).

A treaty is registered with its exact YAML text, so that anyone can re-hash and re-load
it from the record; an amendment likewise. The ledger checks the schema; the service
(:func:`concord.treaty.service.check_registration`) checks that the text loads.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from concord.treaty.types import Date, Identifier, Text

TREATY_REGISTERED = "treaty.registered"
TREATY_AMENDED = "treaty.amended"

_SHA256 = r"^[0-9a-f]{64}$"


def document_sha256(document: str) -> str:
    """Hex SHA-256 of the UTF-8 bytes of a treaty or amendment file."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    document_sha256: str = Field(pattern=_SHA256)
    document: Text

    @model_validator(mode="after")
    def _hash_matches(self) -> _Payload:
        if document_sha256(self.document) != self.document_sha256:
            raise ValueError("document_sha256 is not the SHA-256 of document")
        return self


class TreatyRegistered(_Payload):
    """The office registers a treaty: its id, title, dates and exact text."""

    statement_type: ClassVar[str] = TREATY_REGISTERED

    treaty_id: Identifier
    title: Text
    signed: Date
    ratified: Date
    entry_into_force: Date


class TreatyAmended(_Payload):
    """The office registers an amendment, effective from ``effective_date``."""

    statement_type: ClassVar[str] = TREATY_AMENDED

    treaty_id: Identifier
    amendment_id: Identifier
    effective_date: Date

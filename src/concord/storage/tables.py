"""Imports every domain's tables so that the metadata is complete."""

from __future__ import annotations

import concord.identity.models
import concord.ledger.models
import concord.treaty.models_db  # noqa: F401

"""Imports every domain's tables so that the metadata is complete."""

from __future__ import annotations

import concord.claims.models
import concord.disputes.models
import concord.evidence.models
import concord.identity.models
import concord.identity.sessions
import concord.ledger.models
import concord.reports.models
import concord.treaty.models_db  # noqa: F401

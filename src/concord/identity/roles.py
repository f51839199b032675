"""Roles a principal can hold, and the usual sets of them that statement types allow."""

from __future__ import annotations

OFFICE = "office"
SIGNATORY = "signatory"
THIRD_PARTY = "third_party"
INSPECTOR = "inspector"
#: Hears dispute cases: reads every party's confidential material, signs nothing yet.
ARBITER = "arbiter"

ROLES = frozenset({OFFICE, SIGNATORY, THIRD_PARTY, INSPECTOR, ARBITER})
PARTIES = frozenset({SIGNATORY, THIRD_PARTY})
ANYONE = ROLES

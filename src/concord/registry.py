"""The statement types of this Concord build, gathered from every domain."""

from __future__ import annotations

from concord.claims.registry import STATEMENT_TYPES as CLAIMS
from concord.compliance.publication import STATEMENT_TYPES as COMPLIANCE
from concord.disputes.service import STATEMENT_TYPES as DISPUTES
from concord.evidence.service import STATEMENT_TYPES as EVIDENCE
from concord.identity.service import STATEMENT_TYPES as IDENTITY
from concord.ledger.statements import StatementRegistry, StatementType
from concord.reports.publication import STATEMENT_TYPES as REPORTS
from concord.treaty.registry import STATEMENT_TYPES as TREATY


def domain_statement_types() -> list[StatementType]:
    """Every domain's statement types, in a fixed order."""
    return [*IDENTITY, *TREATY, *EVIDENCE, *COMPLIANCE, *CLAIMS, *DISPUTES, *REPORTS]


def default_registry() -> StatementRegistry:
    registry = StatementRegistry()
    registry.register(domain_statement_types())
    return registry

"""Evidence statements: their checks, their projection, and helpers to file them.

| statement type                   | author roles                    |
|----------------------------------|---------------------------------|
| ``evidence.site_registered``     | office                          |
| ``evidence.declaration_filed``   | signatory, third party, office  |
| ``evidence.measurement_filed``   | inspector                       |
| ``evidence.inspection_requested``| inspector, office               |
| ``evidence.inspection_granted``  | signatory, third party          |
| ``evidence.docking_decided``     | office                          |

A filed table must already be in the blob store, hash to its reference and validate
(:mod:`concord.evidence.tables`) before the statement is appended (Article 54: every
declaration and measurement is a signed statement in the record).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from concord.compliance.statistics import UncertaintyTable
from concord.errors import ConfigurationError, EvidenceError, NotFoundError, VerificationError
from concord.evidence import rules
from concord.evidence.blobs import BLOB_STORE, BlobStore
from concord.evidence.models import (
    EvidenceDocking,
    EvidenceFiling,
    EvidenceInspection,
    EvidenceSite,
)
from concord.evidence.schemas import (
    DECLARATION_FILED,
    DOCKING_DECIDED,
    INSPECTION_GRANTED,
    INSPECTION_REQUESTED,
    MEASUREMENT_FILED,
    SITE_REGISTERED,
    DeclarationFiled,
    DockingDecided,
    InspectionGranted,
    InspectionRequested,
    MeasurementFiled,
    SiteRegistered,
    TableRef,
)
from concord.evidence.tables import ParsedTable, TableContext, parse_table
from concord.identity import roles
from concord.ledger.statements import Statement, StatementType
from concord.storage.resources import attached
from concord.treaty.registry import treaty_in_force

if TYPE_CHECKING:
    pass

#: The table kind filed with each declaration type (compliance reports carry none).
DECLARATION_TABLES: dict[str, str] = {
    "extraction": "extraction",
    "docking_fees": "docking_fees",
    "activity_report": "activity_report",
}
MEASUREMENT_TABLES: dict[str, str] = {"extraction": "extraction_measurement"}


def blob_store(session: Session) -> BlobStore:
    store = attached(session.get_bind(), BLOB_STORE)
    if not isinstance(store, BlobStore):
        raise ConfigurationError("no blob store is attached to this database engine")
    return store


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def check_table(session: Session, ref: TableRef, kind: str, context: TableContext) -> ParsedTable:
    """The referenced blob is present, unaltered, of the stated size, and validates."""
    try:
        data = blob_store(session).get(ref.sha256)
    except (NotFoundError, VerificationError) as exc:
        raise EvidenceError(exc.message, details=exc.details) from None
    table = parse_table(kind, data, context)
    if (len(data), len(table)) != (ref.bytes, ref.rows):
        raise EvidenceError(
            f"table {ref.sha256[:12]}…: the statement says {ref.bytes} bytes and {ref.rows} "
            f"rows, the blob has {len(data)} bytes and {len(table)} rows"
        )
    return table


# -- sites ----------------------------------------------------------------------------


def _check_site(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, SiteRegistered)
    day = statement.issued_at.date()
    version = treaty_in_force(session, day)
    rules.bound_party(version, body.operator, day, day)
    sectors = {s.id: s for s in version.sectors()}
    if body.sector not in sectors:
        raise EvidenceError(f"sector {body.sector!r} is not a sector of the treaty on {day}")
    rules.check_site_in_sector(body.site_id, body.location, sectors[body.sector])
    if session.get(EvidenceSite, body.site_id) is not None:
        raise EvidenceError(f"site {body.site_id!r} is already registered")


def _apply_site(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, SiteRegistered)
    session.add(
        EvidenceSite(
            site_id=body.site_id,
            name=body.name,
            sector=body.sector,
            x=body.location[0],
            y=body.location[1],
            operator=body.operator,
            minerals=",".join(body.minerals),
            log_index=index,
        )
    )
    session.flush()


# -- declarations and measurements ----------------------------------------------------


def _check_declaration(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, DeclarationFiled)
    version, period = rules.treaty_period(session, body.period)
    rules.bound_party(version, body.party, period.start, period.end)
    rules.check_acts_for(session, statement.author, body.party)
    kind = DECLARATION_TABLES.get(body.declaration_type)
    if kind is None:
        if body.table is not None:
            raise EvidenceError(f"a {body.declaration_type} declaration carries no table")
        return
    if body.table is None:
        raise EvidenceError(f"a {body.declaration_type} declaration needs its table")
    parties = {p.id for p in version.treaty.parties}
    sites = set(rules.registered_sites(session))
    check_table(session, body.table, kind, TableContext(sites=sites, parties=parties))


def _check_measurement(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, MeasurementFiled)
    version, period = rules.treaty_period(session, body.period)
    bound = {
        p.id for p in version.treaty.parties if rules.is_bound(p, version, period.start, period.end)
    }
    methods = {m.method for m in UncertaintyTable.default().methods}
    context = TableContext(
        sites=set(rules.registered_sites(session)), parties=bound, methods=methods
    )
    check_table(session, body.table, MEASUREMENT_TABLES[body.measurement_type], context)


def _apply_filing(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    if isinstance(body, DeclarationFiled):
        kind, filing_type, party = "declaration", body.declaration_type, body.party
    else:
        assert isinstance(body, MeasurementFiled)
        kind, filing_type, party = "measurement", body.measurement_type, None
    session.add(
        EvidenceFiling(
            statement_id=statement.id,
            log_index=index,
            kind=kind,
            filing_type=filing_type,
            party=party,
            period=body.period,
            author=statement.author,
            filed_at=_utc(statement.issued_at),
            sha256=body.table.sha256 if body.table is not None else None,
        )
    )
    session.flush()


# -- inspections and docking ----------------------------------------------------------


def _check_inspection_request(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, InspectionRequested)
    day = body.requested_at.date()
    rules.bound_party(treaty_in_force(session, day), body.party, day, day)
    rules.check_site(session, body.site)
    if session.get(EvidenceInspection, body.request_id) is not None:
        raise EvidenceError(f"inspection request {body.request_id!r} already exists")


def _apply_inspection_request(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, InspectionRequested)
    session.add(
        EvidenceInspection(
            request_id=body.request_id,
            party=body.party,
            site=body.site,
            requested_at=_utc(body.requested_at),
            granted_at=None,
            log_index=index,
        )
    )
    session.flush()


def _request(session: Session, request_id: str) -> EvidenceInspection:
    request = session.get(EvidenceInspection, request_id)
    if request is None:
        raise EvidenceError(f"no inspection request {request_id!r}")
    return request


def _check_inspection_grant(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, InspectionGranted)
    request = _request(session, body.request_id)
    rules.check_acts_for(session, statement.author, request.party)
    if request.granted_at is not None:
        raise EvidenceError(f"inspection request {body.request_id!r} was already granted")
    requested = request.requested_at.replace(tzinfo=request.requested_at.tzinfo or UTC)
    if body.granted_at < requested:
        raise EvidenceError("access cannot be granted before it was requested")


def _apply_inspection_grant(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, InspectionGranted)
    _request(session, body.request_id).granted_at = _utc(body.granted_at)
    session.flush()


def _check_docking(session: Session, statement: Statement) -> None:
    body = statement.body
    assert isinstance(body, DockingDecided)
    day = body.requested_at.date()
    version = treaty_in_force(session, day)
    rules.bound_party(version, body.party, day, day)
    if session.get(EvidenceDocking, body.request_id) is not None:
        raise EvidenceError(f"docking request {body.request_id!r} is already decided")
    # A refusal with no coded reason is recorded (it is itself a breach of a treaty that
    # allows refusals only for stated reasons); a code the treaty does not list is not.
    codes = [r.code for r in version.treaty.docking_refusal_reasons]
    if body.reason_code is not None and body.reason_code not in codes:
        listed = ", ".join(codes) if codes else "none"
        raise EvidenceError(
            f"reason_code: {body.reason_code!r} is not a docking refusal reason of the "
            f"treaty in force on {day} (its codes: {listed})"
        )


def _apply_docking(session: Session, statement: Statement, index: int) -> None:
    body = statement.body
    assert isinstance(body, DockingDecided)
    session.add(
        EvidenceDocking(
            request_id=body.request_id,
            party=body.party,
            vessel=body.vessel,
            decision=body.decision,
            log_index=index,
        )
    )
    session.flush()


STATEMENT_TYPES = [
    StatementType(
        SITE_REGISTERED,
        SiteRegistered,
        frozenset({roles.OFFICE}),
        _apply_site,
        _check_site,
        description="the office registers an extraction site in a sector",
    ),
    StatementType(
        DECLARATION_FILED,
        DeclarationFiled,
        frozenset({roles.SIGNATORY, roles.THIRD_PARTY, roles.OFFICE}),
        _apply_filing,
        _check_declaration,
        description="a party (or the office) files its periodic declaration and table",
    ),
    StatementType(
        MEASUREMENT_FILED,
        MeasurementFiled,
        frozenset({roles.INSPECTOR}),
        _apply_filing,
        _check_measurement,
        description="an inspector files independent measurements for a period",
    ),
    StatementType(
        INSPECTION_REQUESTED,
        InspectionRequested,
        frozenset({roles.INSPECTOR, roles.OFFICE}),
        _apply_inspection_request,
        _check_inspection_request,
        description="an inspector asks a party for access to a site (Article 48)",
    ),
    StatementType(
        INSPECTION_GRANTED,
        InspectionGranted,
        frozenset({roles.SIGNATORY, roles.THIRD_PARTY}),
        _apply_inspection_grant,
        _check_inspection_grant,
        description="the inspected party records when access was given",
    ),
    StatementType(
        DOCKING_DECIDED,
        DockingDecided,
        frozenset({roles.OFFICE}),
        _apply_docking,
        _check_docking,
        description="the office records its decision on a docking request (Article 28)",
    ),
]

EVIDENCE_TYPES = frozenset(kind.name for kind in STATEMENT_TYPES)

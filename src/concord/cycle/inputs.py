"""Assemble a report's input from the record at a checkpoint.

Everything here is derived from the log prefix the evaluation used: the findings, the
evidence with inclusion proofs against that checkpoint, the chart series from the
analytic store, and the claims maps. The same prefix gives the same input.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.claims.map import MapSite, holder_colours
from concord.claims.models import Claim
from concord.claims.public_map import sector_map
from concord.compliance.engine import Evaluation
from concord.cycle.series import cusum_series, fee_series, reconciliation_series
from concord.errors import VerificationError
from concord.evidence.models import EvidenceSite
from concord.ledger import store
from concord.ledger.models import LedgerEntry
from concord.reports.model import CheckpointInfo, EvidenceRef, ReportInput
from concord.treaty.calendar import parse_period
from concord.treaty.registry import treaty_in_force
from concord.treaty.versions import TreatyVersion
from concord.workspace import Workspace


def checkpoint_info(
    ws: Workspace, size: int, note: str | None = None, verifier_key: str | None = None
) -> CheckpointInfo:
    """The signed checkpoint of ``size`` (the office's note and key, unless given)."""
    with Session(ws.engine) as session:
        row = store.checkpoint_at(session, size)
        if note is None:
            if row is None:
                raise VerificationError(f"no checkpoint of size {size} was signed")
            note = row.note
    root = ws.ledger.root(size)
    return CheckpointInfo(
        size=size,
        root_b64=base64.b64encode(root).decode(),
        note=note,
        verifier_key=verifier_key or ws.verifier.vkey(),
    )


def evidence_refs(ws: Workspace, indexes: set[int], size: int) -> dict[int, EvidenceRef]:
    """Each cited entry with its leaf hash and inclusion proof against ``size``."""
    if not indexes:
        return {}
    with Session(ws.engine) as session:
        rows = session.execute(
            select(LedgerEntry.idx, LedgerEntry.statement_id, LedgerEntry.statement_type).where(
                LedgerEntry.idx.in_(sorted(indexes))
            )
        ).all()
        leaves = store.fetch_nodes(session, [(0, i) for i in indexes])
    refs = {}
    for index, statement_id, statement_type in rows:
        proof = ws.ledger.inclusion_proof(int(index), size)
        refs[int(index)] = EvidenceRef(
            index=int(index),
            statement_id=statement_id,
            statement_type=statement_type,
            leaf_hash=base64.b64encode(leaves[(0, int(index))]).decode(),
            inclusion_proof=tuple(base64.b64encode(h).decode() for h in proof),
            checkpoint_size=size,
        )
    return refs


@dataclass(frozen=True, slots=True)
class MapContext:
    """What every map of one report shares: the sites, as (sector, site), and one
    colour per holder (the treaty's parties in order, then other holders sorted)."""

    sites: list[tuple[str, MapSite]]
    colours: dict[str, str]


def map_context(session: Session, treaty: TreatyVersion, size: int | None = None) -> MapContext:
    """The sites registered in the log prefix of ``size`` (default: all) and the colours."""
    holders = sorted(set(session.scalars(select(Claim.holder))))
    colours = holder_colours([*(p.id for p in treaty.treaty.parties), *holders])
    query = select(EvidenceSite).order_by(EvidenceSite.site_id)
    if size is not None:
        query = query.where(EvidenceSite.log_index < size)
    sites = [(s.sector, MapSite(s.site_id, s.operator, s.x, s.y)) for s in session.scalars(query)]
    return MapContext(sites, colours)


def claims_maps(
    ws: Workspace, treaty: TreatyVersion, at: date, size: int | None = None
) -> dict[str, tuple[bytes, bytes]]:
    """The map of every top-level sector that has claims, as on ``at``, with the sites
    registered in the log prefix of ``size``; a holder has one colour on every map."""
    with Session(ws.engine) as session:
        sectors_with_claims = set(session.scalars(select(Claim.sector)))
        if not sectors_with_claims:
            return {}
        shared = map_context(session, treaty, size)
        maps: dict[str, tuple[bytes, bytes]] = {}
        for sector in treaty.sectors():
            if sector.parent is not None:
                continue
            zones = {s.id for s in treaty.sectors() if s.parent == sector.id} | {sector.id}
            if zones & sectors_with_claims:
                maps[sector.id] = sector_map(
                    session, sector.id, at, sites=shared.sites, colours=shared.colours
                )
    return maps


def report_input(
    ws: Workspace,
    evaluation: Evaluation,
    con: duckdb.DuckDBPyConnection,
    *,
    note: str | None = None,
    verifier_key: str | None = None,
) -> ReportInput:
    """The consolidated report's input for an evaluation (scope it with ``.scoped``)."""
    period = parse_period(evaluation.period)
    with Session(ws.engine) as session:
        treaty = treaty_in_force(session, period.end)
    cited = {i for f in evaluation.findings if f.status == "violation" for i in f.evidence}
    return ReportInput(
        treaty=treaty,
        period=evaluation.period,
        scope=None,
        checkpoint=checkpoint_info(ws, evaluation.checkpoint_size, note, verifier_key),
        findings=evaluation.findings,
        as_of=evaluation.as_of,
        evidence_refs=evidence_refs(ws, cited, evaluation.checkpoint_size),
        reconciliation_series=tuple(reconciliation_series(con, period)),
        cusum_series=tuple(cusum_series(con, treaty, period)),
        fee_series=tuple(fee_series(con, treaty, period)),
        claims_maps=claims_maps(ws, treaty, evaluation.as_of, evaluation.checkpoint_size),
    )

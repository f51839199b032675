"""The treaty test runner's evaluator: a case's given record, evaluated by the real engine.

``concord treaty test`` calls :func:`evaluate_case` for each case. The case's
``given.statements`` (evidence statements as in the record: type, author, issued_at,
body) and ``given.evidence`` (rows of analytic-store tables, by table name) are loaded
into an in-memory analytic store; the engine then evaluates the case's requirements.
Omitted columns are empty, except ``period`` (the case's period), ``statement_index``
(the row's position, so findings cite it) and docking ``days`` (computed from the
arrival and departure times, as on ingest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from concord.compliance.engine import evaluate_requirements
from concord.errors import ComplianceError
from concord.evidence.analytics_schema import TABLES, create_tables
from concord.treaty.testcases import CaseRequest

#: Statement types a case may give, and the analytic-store table each one fills.
_STATEMENT_TABLES = {
    "evidence.declaration_filed": "declarations",
    "evidence.measurement_filed": "measurements",
    "evidence.inspection_requested": "inspection_requests",
    "evidence.docking_decided": "docking_requests",
}
_DAYS = """UPDATE docking_fees SET days = greatest(1, CAST(ceil(
    date_diff('second', arrived_at, departed_at) / 86400.0) AS INTEGER)) WHERE days IS NULL"""


def _plain(value: Any) -> Any:
    """Times as naive UTC, so nothing depends on the session's time zone."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str) and len(value) >= 20 and value[10] == "T":
        return (
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            .astimezone(UTC)
            .replace(tzinfo=None)
        )
    return value


def _columns(table: str) -> list[str]:
    return [c.split()[0] for c in " ".join(TABLES[table].split()).split(", ")]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if table not in TABLES or table == "store_meta":
        raise ComplianceError(f"unknown evidence table {table!r} in the test case")
    columns = _columns(table)
    for row in rows:
        unknown = sorted(set(row) - set(columns))
        if unknown:
            raise ComplianceError(f"{table}: unknown column(s) {', '.join(unknown)}")
    data = {c: [_plain(r.get(c)) for r in rows] for c in columns if any(c in r for r in rows)}
    con.register("incoming", pa.table(data))
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
    con.unregister("incoming")


def _statement_rows(
    statements: Iterable[Mapping[str, Any]], period: str
) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    grants: list[dict[str, Any]] = []
    for index, st in enumerate(statements):
        body = dict(st.get("body", {}))
        kind = st.get("type", "")
        if kind == "evidence.inspection_granted":
            grants.append({**body, "granted_index": index})
            continue
        if kind not in _STATEMENT_TABLES:
            raise ComplianceError(
                f"statement #{index + 1}: type {kind!r} is not evidence the engine reads",
                details=[
                    f"known: {', '.join([*_STATEMENT_TABLES, 'evidence.inspection_granted'])}"
                ],
            )
        row = {"statement_index": index, "statement_id": f"case-{index}", **body}
        if kind in ("evidence.declaration_filed", "evidence.measurement_filed"):
            row.pop("table", None)
            row.pop("summary", None)
            row.setdefault("period", period)
            row["filed_at"] = st.get("issued_at")
            if kind == "evidence.measurement_filed":
                row["inspector"] = st.get("author")
        else:
            row.pop("statement_id")
        tables.setdefault(_STATEMENT_TABLES[kind], []).append(row)
    if grants:
        requests = {r["request_id"]: r for r in tables.get("inspection_requests", [])}
        for grant in grants:
            requests[grant["request_id"]].update(grant)
    return tables


def build_case_store(request: CaseRequest) -> duckdb.DuckDBPyConnection:
    """An in-memory analytic store holding exactly what the case gives."""
    con = duckdb.connect()
    create_tables(con)
    period = request.period.id
    given = request.case.given
    tables = _statement_rows(given.statements, period)
    offset = len(given.statements)
    for table, rows in given.evidence.items():
        filled = []
        for position, row in enumerate(rows):
            extra: dict[str, Any] = {}
            if "statement_index" in _columns(table):
                extra["statement_index"] = offset + position
            if "period" in _columns(table):
                extra["period"] = period
            filled.append({**extra, **row})
        offset += len(rows)
        tables.setdefault(table, []).extend(filled)
    _implied_declarations(tables)
    for table, rows in tables.items():
        if rows:
            _insert(con, table, rows)
    con.execute(_DAYS)
    return con


def _implied_declarations(tables: dict[str, list[dict[str, Any]]]) -> None:
    """A case that gives declared extraction rows implies the declarations that filed them
    (unless it lists the declarations itself)."""
    declared = tables.get("extraction_declarations", [])
    filings = tables.setdefault("declarations", [])
    filed = {
        (r.get("party"), r.get("period"))
        for r in filings
        if r.get("declaration_type") == "extraction"
    }
    for row in declared:
        key = (row.get("party"), row.get("period"))
        if key not in filed:
            filed.add(key)
            filings.append(
                {
                    "statement_index": row.get("statement_index"),
                    "statement_id": f"implied-{key[0]}-{key[1]}",
                    "declaration_type": "extraction",
                    "party": key[0],
                    "period": key[1],
                }
            )


def evaluate_case(request: CaseRequest) -> list[dict[str, Any]]:
    """Evaluate a treaty test case on the real engine (``concord treaty test``)."""
    as_of: date = request.case.as_of
    with build_case_store(request) as con:
        findings = evaluate_requirements(
            con, request.treaty, request.period, request.requirements, as_of=as_of
        )
    return [
        {
            "requirement": f.requirement,
            "status": f.status,
            "subject": f.subject or f.party,
            "period": f.period,
            "explanation": f.explanation,
        }
        for f in findings
    ]

"""``sql``: a read-only query over the analytic store; every row it returns is a violation.

The query must be one ``SELECT`` (or ``WITH … SELECT``) statement; anything else is
refused before it runs, and the connection has external access disabled, so a query
can read the evidence tables and nothing else. The tables it names are period-scoped
views: ``inspection_requests`` and ``docking_requests`` hold the requests made in the
evaluated period, the other evidence tables its rows. A returned column named
``party`` gives the finding's party, the first column its subject, and a column named
``statement_index`` its evidence.

Lists of the treaty in force are tables beside them: ``docking_refusal_reasons`` (code,
title, safety) holds the coded reasons a docking refusal may give.
"""

from __future__ import annotations

import re

import duckdb

from concord.compliance.context import EvaluationContext
from concord.compliance.findings import Finding
from concord.errors import ComplianceError
from concord.treaty.requirements import SqlCheck

#: How each evidence table is restricted to the evaluated period.
PERIOD_SCOPE = {
    "declarations": "period = $period",
    "measurements": "period = $period",
    "extraction_declarations": "period = $period",
    "extraction_measurements": "period = $period",
    "docking_fees": "period = $period",
    "activity_reports": "period = $period",
    "inspection_requests": "CAST(requested_at AS DATE) BETWEEN $start AND $end",
    "docking_requests": "CAST(requested_at AS DATE) BETWEEN $start AND $end",
}


def check_read_only(query: str, requirement_id: str) -> None:
    """Refuse anything but a single SELECT statement."""
    try:
        statements = duckdb.connect().extract_statements(query)
    except duckdb.Error as exc:
        raise ComplianceError(f"{requirement_id}: the query does not parse: {exc}") from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        kinds = ", ".join(s.type.name for s in statements) or "nothing"
        raise ComplianceError(
            f"{requirement_id}: a sql requirement must be one SELECT statement, got {kinds}"
        )


def _scope(ctx: EvaluationContext) -> None:
    catalog = ctx.con.execute("SELECT current_database()").fetchone()
    assert catalog is not None
    for table, condition in PERIOD_SCOPE.items():
        # Period ids and dates come from the calendar (validated), never from evidence.
        where = (
            condition.replace("$period", f"'{ctx.period.id}'")
            .replace("$start", f"DATE '{ctx.period.start.isoformat()}'")
            .replace("$end", f"DATE '{ctx.period.end.isoformat()}'")
        )
        ctx.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS "
            f'SELECT * FROM "{catalog[0]}".main.{table} WHERE {where}'
        )

    ctx.con.execute(
        "CREATE OR REPLACE TEMP TABLE docking_refusal_reasons "
        "(code VARCHAR, title VARCHAR, safety BOOLEAN)"
    )
    reasons = ctx.treaty.treaty.docking_refusal_reasons
    if reasons:
        ctx.con.executemany(
            "INSERT INTO temp.docking_refusal_reasons VALUES (?, ?, ?)",
            [[r.code, r.title, r.safety] for r in reasons],
        )


def _unscope(ctx: EvaluationContext) -> None:
    for table in PERIOD_SCOPE:
        ctx.con.execute(f"DROP VIEW IF EXISTS temp.{table}")
    ctx.con.execute("DROP TABLE IF EXISTS temp.docking_refusal_reasons")


def _tables_read(query: str) -> list[str]:
    """The period-scoped evidence tables a query names."""
    return [t for t in PERIOD_SCOPE if re.search(rf"\b{t}\b", query, re.IGNORECASE)]


def _no_evidence(ctx: EvaluationContext, tables: list[str]) -> bool:
    """True when every evidence table the query reads is empty for the period."""
    for table in tables:
        row = ctx.con.execute(f"SELECT count(*) FROM temp.{table}").fetchone()
        if row is not None and row[0]:
            return False
    return bool(tables)


def evaluate(ctx: EvaluationContext, requirement: object) -> list[Finding]:
    assert isinstance(requirement, SqlCheck)
    query = requirement.params.query
    check_read_only(query, requirement.id)
    tables = _tables_read(query)
    _scope(ctx)
    try:
        if _no_evidence(ctx, tables):
            # Nothing to check is not the same as nothing wrong: a query over empty
            # tables returns no row, and that must not read as compliance.
            return [
                ctx.finding(
                    requirement,
                    "no_evidence",
                    f"No evidence for {ctx.period}: the record holds no "
                    f"{' or '.join(t.replace('_', ' ') for t in tables)} for the period, "
                    "so this requirement could not be checked.",
                )
            ]
        cursor = ctx.con.execute(query)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise ComplianceError(f"{requirement.id}: the query failed: {exc}") from None
    finally:
        _unscope(ctx)
    description = requirement.params.description.rstrip(".")
    if not rows:
        return [
            ctx.finding(
                requirement, "compliant", f"None found in {ctx.period}: {description.lower()}."
            )
        ]
    out = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        shown = ", ".join(f"{k} {v}" for k, v in values.items() if v is not None)
        index = values.get("statement_index")
        out.append(
            ctx.finding(
                requirement,
                "violation",
                f"{description}: {shown}.",
                party=str(values.get("party") or ""),
                subject=str(row[0]),
                evidence=[int(index)] if isinstance(index, int) else [],
            )
        )
    return out

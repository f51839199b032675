"""The tables of the analytic store (DuckDB), as documented in ``docs/evidence-model.md``.

Times are ``TIMESTAMP`` in UTC (no time zone, so results never depend on the session's
zone). Masses are tonnes. ``statement_index`` is the log index of the statement that
brought a row into the record: every finding cites these indexes as its evidence.
"""

from __future__ import annotations

import duckdb

TABLES: dict[str, str] = {
    "declarations": """statement_index BIGINT, statement_id VARCHAR, declaration_type VARCHAR,
        party VARCHAR, period VARCHAR, filed_at TIMESTAMP, sha256 VARCHAR""",
    "measurements": """statement_index BIGINT, statement_id VARCHAR, measurement_type VARCHAR,
        inspector VARCHAR, period VARCHAR, filed_at TIMESTAMP, sha256 VARCHAR""",
    "extraction_declarations": """statement_index BIGINT, party VARCHAR, period VARCHAR,
        site VARCHAR, sector VARCHAR, mineral VARCHAR, declared_tonnes DOUBLE,
        declared_sigma_tonnes DOUBLE""",
    "extraction_measurements": """statement_index BIGINT, inspector VARCHAR, party VARCHAR,
        period VARCHAR, site VARCHAR, sector VARCHAR, mineral VARCHAR, measured_tonnes DOUBLE,
        method VARCHAR""",
    "docking_fees": """statement_index BIGINT, period VARCHAR, vessel VARCHAR, party VARCHAR,
        vessel_class VARCHAR, berth VARCHAR, arrived_at TIMESTAMP, departed_at TIMESTAMP,
        days INTEGER, fee_charged DECIMAL(18, 4), currency VARCHAR""",
    "activity_reports": """statement_index BIGINT, party VARCHAR, period VARCHAR,
        claim_id VARCHAR, activity VARCHAR, days_present INTEGER""",
    "sites": """site VARCHAR, name VARCHAR, sector VARCHAR, x DOUBLE, y DOUBLE,
        operator VARCHAR, statement_index BIGINT""",
    "inspection_requests": """request_id VARCHAR, party VARCHAR, site VARCHAR,
        requested_at TIMESTAMP, granted_at TIMESTAMP, statement_index BIGINT,
        granted_index BIGINT""",
    "docking_requests": """request_id VARCHAR, party VARCHAR, vessel VARCHAR,
        requested_at TIMESTAMP, decision VARCHAR, reason_code VARCHAR, reason VARCHAR,
        statement_index BIGINT""",
    # Filled by the claims registry (concord.claims.analytics.load_claims), if present:
    # one set of rows per reporting period, the registry as it stood in that period.
    "claims": """period VARCHAR, claim_id VARCHAR, holder VARCHAR, sector VARCHAR,
        status VARCHAR, area_km2 DOUBLE""",
    "site_claims": "period VARCHAR, site VARCHAR, claim_id VARCHAR, holder VARCHAR",
    # The ground each holder's claims cover in a sector (their union, Art. 37), with the
    # claims as comma-separated ids.
    "holder_areas": """period VARCHAR, sector VARCHAR, holder VARCHAR, area_km2 DOUBLE,
        claim_ids VARCHAR""",
    "store_meta": "key VARCHAR PRIMARY KEY, value VARCHAR",
}

#: Tables whose rows come from evidence tables (CSV blobs), with the SQL that loads them
#: from ``read_csv`` (``src``) joined to the filings that committed to each file (``f``).
#: Units are converted to tonnes here (evidence-model: "units explicit, converted on
#: ingest"), in one set-oriented statement per table kind.
TONNES = "CASE src.unit WHEN 'kg' THEN 0.001 WHEN 'kt' THEN 1000.0 ELSE 1.0 END"

LOADERS: dict[str, str] = {
    "extraction": f"""
        INSERT INTO extraction_declarations
        SELECT f.statement_index, f.party, f.period, src.site, s.sector, src.mineral,
               CAST(src.quantity AS DOUBLE) * {TONNES},
               CAST(src.uncertainty AS DOUBLE) * {TONNES}
        FROM src JOIN files f ON f.path = src.filename LEFT JOIN sites s ON s.site = src.site""",
    "extraction_measurement": f"""
        INSERT INTO extraction_measurements
        SELECT f.statement_index, f.author, src.party, f.period, src.site, s.sector,
               src.mineral, CAST(src.quantity AS DOUBLE) * {TONNES}, src.method
        FROM src JOIN files f ON f.path = src.filename LEFT JOIN sites s ON s.site = src.site""",
    # Days charged: every day begun counts, and a call is at least one day (Annex II
    # rates are per day).
    "docking_fees": """
        INSERT INTO docking_fees
        SELECT f.statement_index, f.period, src.vessel, src.party, src.vessel_class,
               src.berth, a.arrived, a.departed,
               greatest(1, CAST(ceil(date_diff('second', a.arrived, a.departed) / 86400.0)
                        AS INTEGER)),
               CAST(src.fee_charged AS DECIMAL(18, 4)), src.currency
        FROM src JOIN files f ON f.path = src.filename,
             LATERAL (SELECT CAST(CAST(src.arrived_at AS TIMESTAMPTZ) AT TIME ZONE 'UTC'
                                  AS TIMESTAMP) AS arrived,
                             CAST(CAST(src.departed_at AS TIMESTAMPTZ) AT TIME ZONE 'UTC'
                                  AS TIMESTAMP) AS departed) a""",
    "activity_report": """
        INSERT INTO activity_reports
        SELECT f.statement_index, f.party, f.period, src.claim_id, src.activity,
               CAST(src.days_present AS INTEGER)
        FROM src JOIN files f ON f.path = src.filename""",
}

#: Declaration tables, by declaration type.
DECLARATION_ROWS = {
    "extraction": "extraction_declarations",
    "docking_fees": "docking_fees",
    "activity_report": "activity_reports",
}

#: A later declaration of the same type, party and period replaces the earlier one (a
#: correction): only the latest statement's rows stay. Measurements are replaced row by
#: row (party, site, mineral, period), since several inspectors may share a period.
SUPERSEDED: tuple[str, ...] = (
    *(
        f"""DELETE FROM {table} WHERE statement_index IN (
              SELECT d.statement_index FROM declarations d
              WHERE d.declaration_type = '{kind}' AND EXISTS (
                SELECT 1 FROM declarations e
                WHERE e.declaration_type = d.declaration_type AND e.party = d.party
                  AND e.period = d.period AND e.statement_index > d.statement_index))"""
        for kind, table in DECLARATION_ROWS.items()
    ),
    """DELETE FROM extraction_measurements d WHERE statement_index < (
         SELECT max(statement_index) FROM extraction_measurements e
         WHERE e.party = d.party AND e.period = d.period AND e.site = d.site
           AND e.mineral = d.mineral)""",
)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of the analytic store on a DuckDB connection."""
    for name, columns in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")

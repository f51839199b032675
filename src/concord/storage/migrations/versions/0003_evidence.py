"""evidence: sites, filings, inspections and docking decisions

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_docking",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=64), nullable=False),
        sa.Column("vessel", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_evidence_docking")),
    )
    op.create_table(
        "evidence_filing",
        sa.Column("statement_id", sa.String(length=128), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filing_type", sa.String(length=32), nullable=False),
        sa.Column("party", sa.String(length=64), nullable=True),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("statement_id", name=op.f("pk_evidence_filing")),
        sa.UniqueConstraint("log_index", name=op.f("uq_evidence_filing_log_index")),
    )
    op.create_index(op.f("ix_evidence_filing_party"), "evidence_filing", ["party"], unique=False)
    op.create_index(op.f("ix_evidence_filing_period"), "evidence_filing", ["period"], unique=False)
    op.create_table(
        "evidence_inspection",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=64), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_evidence_inspection")),
    )
    op.create_table(
        "evidence_site",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("minerals", sa.String(length=500), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_evidence_site")),
    )
    op.create_index(op.f("ix_evidence_site_sector"), "evidence_site", ["sector"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_site_sector"), table_name="evidence_site")
    op.drop_table("evidence_site")
    op.drop_table("evidence_inspection")
    op.drop_index(op.f("ix_evidence_filing_period"), table_name="evidence_filing")
    op.drop_index(op.f("ix_evidence_filing_party"), table_name="evidence_filing")
    op.drop_table("evidence_filing")
    op.drop_table("evidence_docking")

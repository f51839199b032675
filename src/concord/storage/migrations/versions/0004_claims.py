"""claims registry: claims, tenure history, activity reports, overlaps

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim",
        sa.Column("claim_id", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("mineral", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claim")),
    )
    op.create_index(op.f("ix_claim_holder"), "claim", ["holder"], unique=False)
    op.create_index(op.f("ix_claim_sector"), "claim", ["sector"], unique=False)
    op.create_table(
        "claim_activity",
        sa.Column("claim_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("operational", sa.Boolean(), nullable=False),
        sa.Column("worked_area", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", "period", name=op.f("pk_claim_activity")),
    )
    op.create_table(
        "claim_event",
        sa.Column("claim_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("statement_id", sa.String(length=128), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", "seq", name=op.f("pk_claim_event")),
    )
    op.create_index(op.f("ix_claim_event_log_index"), "claim_event", ["log_index"], unique=False)
    op.create_table(
        "claim_overlap",
        sa.Column("claim_a", sa.String(length=64), nullable=False),
        sa.Column("claim_b", sa.String(length=64), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.Column("share_a", sa.Float(), nullable=False),
        sa.Column("share_b", sa.Float(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("claim_a", "claim_b", name=op.f("pk_claim_overlap")),
    )


def downgrade() -> None:
    op.drop_table("claim_overlap")
    op.drop_index(op.f("ix_claim_event_log_index"), table_name="claim_event")
    op.drop_table("claim_event")
    op.drop_table("claim_activity")
    op.drop_index(op.f("ix_claim_sector"), table_name="claim")
    op.drop_index(op.f("ix_claim_holder"), table_name="claim")
    op.drop_table("claim")

"""dispute cases

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispute_case",
        sa.Column("case_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("parties", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("requirement", sa.String(length=64), nullable=True),
        sa.Column("period", sa.String(length=16), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("claims", sa.String(length=400), nullable=False),
        sa.Column("provisions", sa.String(length=400), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_dispute_case")),
    )


def downgrade() -> None:
    op.drop_table("dispute_case")

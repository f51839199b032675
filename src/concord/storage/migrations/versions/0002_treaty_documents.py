"""treaty documents

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "treaty_document",
        sa.Column("document_id", sa.String(length=128), nullable=False),
        sa.Column("treaty_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.String(length=128), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_treaty_document")),
    )
    op.create_index(
        op.f("ix_treaty_document_treaty_id"), "treaty_document", ["treaty_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_treaty_document_treaty_id"), table_name="treaty_document")
    op.drop_table("treaty_document")

"""ledger and identity

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_principal",
        sa.Column("principal_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("party", sa.String(length=64), nullable=True),
        sa.Column("registered_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("principal_id", name=op.f("pk_identity_principal")),
    )
    op.create_table(
        "ledger_checkpoint",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_ledger_checkpoint")),
    )
    op.create_table(
        "ledger_entry",
        sa.Column(
            "idx",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("statement_id", sa.String(length=128), nullable=False),
        sa.Column("statement_type", sa.String(length=80), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("payload_sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_ledger_entry_statement_id")),
    )
    op.create_index(op.f("ix_ledger_entry_author"), "ledger_entry", ["author"], unique=False)
    op.create_index(
        op.f("ix_ledger_entry_statement_type"), "ledger_entry", ["statement_type"], unique=False
    )
    op.create_table(
        "ledger_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_node")),
    )
    op.create_table(
        "identity_key",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("principal_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["identity_principal.principal_id"],
            name=op.f("fk_identity_key_principal_id_identity_principal"),
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_identity_key")),
    )
    op.create_index(
        op.f("ix_identity_key_principal_id"), "identity_key", ["principal_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_key_principal_id"), table_name="identity_key")
    op.drop_table("identity_key")
    op.drop_table("ledger_node")
    op.drop_index(op.f("ix_ledger_entry_statement_type"), table_name="ledger_entry")
    op.drop_index(op.f("ix_ledger_entry_author"), table_name="ledger_entry")
    op.drop_table("ledger_entry")
    op.drop_table("ledger_checkpoint")
    op.drop_table("identity_principal")

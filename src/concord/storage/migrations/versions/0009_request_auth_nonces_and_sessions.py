"""request authentication: seen nonces, login challenges, browser sessions

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_request_nonce",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "nonce", name=op.f("pk_identity_request_nonce")),
    )
    op.create_index(
        op.f("ix_identity_request_nonce_expires_at"), "identity_request_nonce", ["expires_at"]
    )
    op.create_table(
        "identity_login_challenge",
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("challenge", name=op.f("pk_identity_login_challenge")),
    )
    op.create_index(
        op.f("ix_identity_login_challenge_expires_at"), "identity_login_challenge", ["expires_at"]
    )
    op.create_table(
        "identity_browser_session",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("principal_id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_identity_browser_session")),
    )
    op.create_index(
        op.f("ix_identity_browser_session_expires_at"), "identity_browser_session", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_table("identity_browser_session")
    op.drop_table("identity_login_challenge")
    op.drop_table("identity_request_nonce")

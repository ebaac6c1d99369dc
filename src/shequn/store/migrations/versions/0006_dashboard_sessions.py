"""Dashboard sessions, server-side: logout ends a session for good

The session cookie stays a signed cookie, but it now names a row here, and a session is only
valid while its row is neither ended (logout) nor expired.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _time() -> shequn.store.tables.UTCDateTime:
    return shequn.store.tables.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dashboard_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("started_at", _time(), nullable=False),
        sa.Column("expires_at", _time(), nullable=False),
        sa.Column("ended_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_dashboard_sessions_token_id_api_tokens"),
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_dashboard_sessions")),
    )


def downgrade() -> None:
    op.drop_table("dashboard_sessions")

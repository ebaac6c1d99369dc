"""Sharing sessions: the projection of session.planned / rescheduled / cancelled / held

Empty on upgrade: no session.planned events existed before this revision. Chained onto the
latest revision present when it was written (0009); if 0010 lands after, change
``down_revision`` here to it.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = shequn.store.tables.UTCDateTime(timezone=True)
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("session", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("speaker", sa.String(length=255), nullable=True),
        sa.Column("starts_at", when, nullable=False),
        sa.Column("ends_at", when, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cause_event_id", sa.BigInteger(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=True),
        sa.Column("changed_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_sessions_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_sessions_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("community_id", "session", name="uq_sessions_session"),
    )


def downgrade() -> None:
    op.drop_table("sessions")

"""Who owns each platform chat (``group.owner_changed``): WeCom's statistics are per owner.

Empty on upgrade; ``shequn rebuild`` fills it from the log. Chained onto 0050, the newest
revision present when it was written.

Revision ID: 0080
Revises: 0050
Create Date: 2026-12-03 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0080"
down_revision = "0050"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("changed_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_chat_owners_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_owners")),
        sa.UniqueConstraint("community_id", "platform", "chat_id", name="uq_chat_owners_chat"),
    )


def downgrade() -> None:
    op.drop_table("chat_owners")

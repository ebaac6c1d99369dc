"""Group bindings: which platform chat is which group (group.bound / group.unbound)

Empty on upgrade: no binding events existed before this revision. Chained onto the latest
revision present when it was written (0006); 0007 (rules) and 0008 (WeCom) go before it when
they land, by changing ``down_revision`` here.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-03 11:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_bindings_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_bindings_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bindings")),
        sa.UniqueConstraint("community_id", "platform", "chat_id", name="uq_bindings_chat"),
    )


def downgrade() -> None:
    op.drop_table("bindings")

"""Paid memberships: the projection of membership.started / renewed / lapsed / ended

Empty on upgrade and filled by the log (``shequn rebuild`` after upgrading a store that already
holds membership events). Chained onto 0011, the newest revision present when it was written
(0012, the pyramid's, had not landed); if 0012 lands, chain it between the two.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shequn.store.tables

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = shequn.store.tables.UTCDateTime(timezone=True)
    op.create_table(
        "paid_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", when, nullable=False),
        sa.Column("until", when, nullable=True),
        sa.Column("grace_until", when, nullable=True),
        sa.Column("renewals", sa.Integer(), nullable=False),
        sa.Column("changed_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_paid_memberships_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["identities.id"],
            name=op.f("fk_paid_memberships_identity_id_identities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paid_memberships")),
        sa.UniqueConstraint("community_id", "identity_id", "plan", name="uq_paid_memberships_plan"),
    )


def downgrade() -> None:
    op.drop_table("paid_memberships")

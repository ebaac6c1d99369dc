"""Growth: links, entries, campaigns, rewards, fraud cases and profiles

Projections of the entry and fission events (engine/entry.py, engine/fission.py); rebuilt
from the log like every other projection.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:46:32.416108
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shequn.store.tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=128), nullable=False),
        sa.Column(
            "config",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("configured_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_campaigns_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("community_id", "slug", name="uq_campaigns_community_slug"),
    )
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1024), nullable=True),
        sa.Column("link", sa.String(length=255), nullable=True),
        sa.Column(
            "gates",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "reviews",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("checkins", sa.Integer(), nullable=False),
        sa.Column("approvals", sa.Integer(), nullable=False),
        sa.Column("rejections", sa.Integer(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=True),
        sa.Column("requested_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_entries_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_entries_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"], ["identities.id"], name=op.f("fk_entries_identity_id_identities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index("ix_entries_group_status", ["group_id", "status"], unique=False)
        batch_op.create_index("ix_entries_identity", ["identity_id"], unique=False)

    op.create_table(
        "fraud_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("case", sa.String(length=255), nullable=False),
        sa.Column("invitee_identity_id", sa.Integer(), nullable=False),
        sa.Column("inviter_identity_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flagged_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_fraud_cases_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["invitee_identity_id"],
            ["identities.id"],
            name=op.f("fk_fraud_cases_invitee_identity_id_identities"),
        ),
        sa.ForeignKeyConstraint(
            ["inviter_identity_id"],
            ["identities.id"],
            name=op.f("fk_fraud_cases_inviter_identity_id_identities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_cases")),
        sa.UniqueConstraint("case", name=op.f("uq_fraud_cases_case")),
    )
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("owner_identity_id", sa.Integer(), nullable=True),
        sa.Column(
            "groups",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fill", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("campaign", sa.String(length=128), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("expires_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_links_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["owner_identity_id"],
            ["identities.id"],
            name=op.f("fk_links_owner_identity_id_identities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
        sa.UniqueConstraint("code", name=op.f("uq_links_code")),
    )
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column(
            "card",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "tasks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "survey",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("paid", sa.Float(), nullable=False),
        sa.Column("answered_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("care", sa.String(length=16), nullable=True),
        sa.Column("stake", sa.String(length=16), nullable=True),
        sa.Column("classified_by", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=1024), nullable=True),
        sa.Column("classified_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["identity_id"], ["identities.id"], name=op.f("fk_profiles_identity_id_identities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint("identity_id", name=op.f("uq_profiles_identity_id")),
    )
    op.create_table(
        "rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("campaign", sa.String(length=128), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("reward", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_at", shequn.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_rewards_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"], ["identities.id"], name=op.f("fk_rewards_identity_id_identities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
        sa.UniqueConstraint(
            "community_id", "campaign", "identity_id", "tier", name="uq_rewards_tier"
        ),
    )
    op.create_index("ix_referrals_inviter", "referrals", ["inviter_identity_id"])


def downgrade() -> None:
    op.drop_index("ix_referrals_inviter", table_name="referrals")
    op.drop_table("rewards")
    op.drop_table("profiles")
    op.drop_table("links")
    op.drop_table("fraud_cases")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index("ix_entries_identity")
        batch_op.drop_index("ix_entries_group_status")

    op.drop_table("entries")
    op.drop_table("campaigns")

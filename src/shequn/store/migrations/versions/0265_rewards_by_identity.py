"""Rewards by identity: a batch's re-count reads its inviters' rewards through their keys.

The read starts at the inviters' identities and joins each of their person's identities to
its rewards; with only the ``(community_id, campaign, identity_id, tier)`` constraint to go
by, the rewards side was a walk over every reward of the community, once per identity — at
4,000 joins 0.6 ms per read, read again after each reward granted in a batch of 100. An
index on ``identity_id`` makes it a probe per identity (0.09 ms there). Issue 22.

Chained onto 0255 (re-chained at merge: 0255 and this were written side by side onto 0185).

Revision ID: 0265
Revises: 0255
Create Date: 2026-12-04 17:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0265"
down_revision = "0255"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_rewards_identity", "rewards", ["identity_id"])


def downgrade() -> None:
    op.drop_index("ix_rewards_identity", table_name="rewards")

"""Counts by status: a group's active members, and whether a community has pending entries.

Every knock at the door counts the seats of its link's groups (active members plus promised
newcomers) and every recorded join asks whether the community has a pending entry. The first
counted through the ``(group_id, identity_id)`` index and read each membership row for its
status; the second scanned every entry of the store. Both grew with the community: at 1,200
joins they were 0.46 and 0.12 ms of a knock's ~3 ms of CPU. Covering indexes make the count
a walk over one index range and the pending check a single probe. Issue 22.

Chained onto 0160, the newest revision present when it was written.

Revision ID: 0180
Revises: 0160
Create Date: 2026-12-04 06:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0180"
down_revision = "0160"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_group_memberships_group_status", "group_memberships", ["group_id", "status"]
    )
    op.create_index("ix_entries_status_community", "entries", ["status", "community_id"])


def downgrade() -> None:
    op.drop_index("ix_entries_status_community", table_name="entries")
    op.drop_index("ix_group_memberships_group_status", table_name="group_memberships")

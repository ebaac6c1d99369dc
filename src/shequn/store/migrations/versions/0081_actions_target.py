"""The outbox is searched by target: a restarted worker's pacing reads the last sends of each
chat or person it is about to pace (and WeCom's monthly cap counts a target's tasks).

Chained onto 0080, the newest revision present when it was written.

Revision ID: 0081
Revises: 0080
Create Date: 2026-12-03 17:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0081"
down_revision = "0080"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_actions_target", "actions", ["target", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_actions_target", table_name="actions")

"""Lookups by person: the identities of a member, and the memberships of an identity.

The join path asks both for every knock (all keys of a person, where a newcomer is already a
member); without these indexes SQLite scanned every identity of the store, and every
membership of the community's groups. Issue 22.

Chained onto 0082, the newest revision present when it was written.

Revision ID: 0090
Revises: 0082
Create Date: 2026-12-03 19:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0090"
down_revision = "0082"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_identities_member_id", "identities", ["member_id"])
    op.create_index("ix_group_memberships_identity_id", "group_memberships", ["identity_id"])


def downgrade() -> None:
    op.drop_index("ix_group_memberships_identity_id", table_name="group_memberships")
    op.drop_index("ix_identities_member_id", table_name="identities")

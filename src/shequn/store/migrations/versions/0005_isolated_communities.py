"""Communities are isolated: a member and an identity belong to one community

Also: a membership keeps what its latest join said itself (``own_inviter_identity_id``,
``own_channel``), so its attribution no longer depends on the order facts arrive in.

Before, ``telegram:42`` was one identity shared by every community of the server, so a merge,
a verified phone or a display name written in one community changed what another saw. Now
members and identities carry ``community_id`` and their keys are unique per community.

Projections are a cache of the log, and this changes what one of their rows means, so the
migration empties them; ``shequn db upgrade`` then replays the log into the new shape (the
same as ``shequn rebuild``). The log itself is untouched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Projection tables as of this revision, children first (a copy: migrations never import
# the live table list, which changes after them).
_PROJECTIONS = (
    "profiles",
    "fraud_cases",
    "rewards",
    "campaigns",
    "entries",
    "links",
    "referrals",
    "roles",
    "group_memberships",
    "identities",
    "members",
    "groups",
    "communities",
)


def _clear() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"TRUNCATE {', '.join(_PROJECTIONS)} RESTART IDENTITY")  # fixed names
        return
    op.execute("UPDATE identities SET member_id = NULL, origin_member_id = NULL")
    op.execute("UPDATE members SET merged_into = NULL")
    for name in _PROJECTIONS:
        op.execute(f"DELETE FROM {name}")  # noqa: S608  # fixed names


def upgrade() -> None:
    _clear()
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        # what the latest join said itself, so attribution does not depend on arrival order
        batch_op.add_column(sa.Column("own_inviter_identity_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("own_channel", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_group_memberships_own_inviter_identity_id_identities"),
            "identities",
            ["own_inviter_identity_id"],
            ["id"],
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("community_id", sa.Integer(), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_members_key"), type_="unique")
        batch_op.create_unique_constraint("uq_members_community_key", ["community_id", "key"])
        batch_op.create_foreign_key(
            batch_op.f("fk_members_community_id_communities"),
            "communities",
            ["community_id"],
            ["id"],
        )
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("community_id", sa.Integer(), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_identities_key"), type_="unique")
        batch_op.create_unique_constraint("uq_identities_community_key", ["community_id", "key"])
        batch_op.create_index(batch_op.f("ix_identities_key"), ["key"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_identities_community_id_communities"),
            "communities",
            ["community_id"],
            ["id"],
        )


def downgrade() -> None:
    _clear()
    with op.batch_alter_table("identities", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_identities_community_id_communities"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_identities_key"))
        batch_op.drop_constraint("uq_identities_community_key", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_identities_key"), ["key"])
        batch_op.drop_column("community_id")
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_group_memberships_own_inviter_identity_id_identities"),
            type_="foreignkey",
        )
        batch_op.drop_column("own_channel")
        batch_op.drop_column("own_inviter_identity_id")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_members_community_id_communities"), type_="foreignkey"
        )
        batch_op.drop_constraint("uq_members_community_key", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_members_key"), ["key"])
        batch_op.drop_column("community_id")

"""The tables: the event log, its projections, and the action outbox.

``events`` is the only table whose rows are facts. Everything else except ``actions`` is a
projection of it, kept up to date in the same transaction as each append and rebuilt from it
by ``shequn rebuild``. The log names things by text keys (community slug, group slug,
identity key) so that it keeps its meaning when projections are dropped and replayed.

The tables live in four modules by chapter (this one: the log and its core projections;
``tables_growth``, ``tables_chapters``, ``tables_ops``), on one ``metadata`` from
``table_types``; this module names them all, so ``from shequn.store.tables import x`` and the
migrations' ``shequn.store.tables.UTCDateTime`` keep working.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from shequn.store.table_types import BigId, Json, UTCDateTime, metadata
from shequn.store.tables_chapters import (
    actions,
    bindings,
    chat_owners,
    operator_tasks,
    paid_memberships,
    qa_entries,
    sessions,
)
from shequn.store.tables_growth import (
    campaigns,
    entries,
    fraud_cases,
    links,
    profiles,
    rewards,
)
from shequn.store.tables_ops import (
    api_tokens,
    audit_log,
    dashboard_sessions,
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("community_slug", String(128), nullable=False),
    Column("group_slug", String(128)),
    Column("actor", String(255)),
    Column("subject", String(255)),
    Column("source", String(255), nullable=False),
    Column("source_ref", String(255), nullable=False),
    Column("data", Json, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("source", "source_ref", name="uq_events_source_ref"),
    Index("ix_events_community_time", "community_slug", "occurred_at"),
)

communities = Table(
    "communities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(128), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("blueprint", Json, nullable=False),
    Column("configured_at", UTCDateTime(), nullable=False),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("slug", String(128), nullable=False),
    Column("name", String(255), nullable=False),
    Column("platform", String(32)),
    Column("theme", String(255)),
    Column("region", String(255)),
    Column("capacity", Integer),
    Column("stage", String(32)),
    Column("chat_id", String(255)),
    Column("configured", Boolean, nullable=False, default=False),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    # Active memberships + entries holding a seat, kept by triggers (0310): the door's read.
    Column("seats_taken", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("community_id", "slug", name="uq_groups_community_slug"),
)

# A member and an identity belong to one community (docs/store.md, "Communities are
# isolated"): the same Telegram account in two communities of one server is two identities,
# two members, so nothing written in one community (a name, a merge) reaches the other.
members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    # The key of the identity that first created this member; stable across rebuilds.
    Column("key", String(255), nullable=False),
    Column("display_name", String(255)),
    Column("merged_into", ForeignKey("members.id")),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    UniqueConstraint("community_id", "key", name="uq_members_community_key"),
)

identities = Table(
    "identities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("key", String(255), nullable=False, index=True),
    Column("platform", String(32), nullable=False),
    Column("platform_user_id", String(255), nullable=False),
    Column("member_id", ForeignKey("members.id")),
    Column("origin_member_id", ForeignKey("members.id")),
    Column("display_name", String(255)),
    Column("name_at", UTCDateTime()),
    Column("phone_sha256", String(64), index=True),
    Column("union_id", String(255), index=True),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    UniqueConstraint("community_id", "key", name="uq_identities_community_key"),
    Index("ix_identities_member_id", "member_id"),  # every key of a person (0090)
    postgresql_with={"fillfactor": 50},  # room for the names' in-place updates (0305)
)

group_memberships = Table(
    "group_memberships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", ForeignKey("groups.id"), nullable=False),
    Column("identity_id", ForeignKey("identities.id"), nullable=False),
    Column("status", String(16), nullable=False),  # active | left | removed
    Column("status_at", UTCDateTime(), nullable=False),
    Column("joined_at", UTCDateTime()),
    Column("left_at", UTCDateTime()),
    Column("join_channel", String(64)),
    Column("inviter_identity_id", ForeignKey("identities.id")),
    Column("times_joined", Integer, nullable=False, default=0),
    # What the latest join itself said (its explicit inviter and channel); inviter and
    # channel above are derived from these and the first invite edge, in any arrival order.
    Column("own_inviter_identity_id", ForeignKey("identities.id")),
    Column("own_channel", String(64)),
    UniqueConstraint("group_id", "identity_id", name="uq_group_memberships_group_identity"),
    Index("ix_group_memberships_identity_id", "identity_id"),  # where a person is (0090)
    Index("ix_group_memberships_group_status", "group_id", "status"),  # seats (0180)
)

roles = Table(
    "roles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("group_id", ForeignKey("groups.id")),  # NULL: community-wide
    Column("identity_id", ForeignKey("identities.id"), nullable=False),
    Column("role", String(32), nullable=False),
    Column("since", UTCDateTime(), nullable=False),
    Index("ix_roles_scope", "community_id", "group_id", "identity_id"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", BigInteger, nullable=False, unique=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("group_id", ForeignKey("groups.id")),
    Column("inviter_identity_id", ForeignKey("identities.id"), nullable=False),
    Column("invitee_identity_id", ForeignKey("identities.id"), nullable=False),
    Column("channel", String(64)),
    Column("link", String(255)),
    Column("campaign", String(128)),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Index("ix_referrals_invitee", "invitee_identity_id"),
    Index("ix_referrals_inviter", "inviter_identity_id"),
)

PROJECTIONS = (
    qa_entries,
    paid_memberships,
    sessions,
    chat_owners,
    bindings,
    profiles,
    fraud_cases,
    rewards,
    campaigns,
    entries,
    links,
    referrals,
    roles,
    group_memberships,
    identities,
    members,
    groups,
    communities,
)
"""Projection tables in an order safe for deletion (children first)."""

__all__ = [
    "PROJECTIONS",
    "BigId",
    "Json",
    "UTCDateTime",
    "actions",
    "api_tokens",
    "audit_log",
    "bindings",
    "campaigns",
    "chat_owners",
    "communities",
    "dashboard_sessions",
    "entries",
    "events",
    "fraud_cases",
    "group_memberships",
    "groups",
    "identities",
    "links",
    "members",
    "metadata",
    "operator_tasks",
    "paid_memberships",
    "profiles",
    "qa_entries",
    "referrals",
    "rewards",
    "roles",
    "sessions",
]

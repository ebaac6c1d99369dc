"""Growth (P-IN, P-FIS): the projections of the entry and fission events — links, entry
requests, campaigns, rewards, fraud cases and intake profiles. Part of :mod:`shequn.store.tables`.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from shequn.store.table_types import Json, UTCDateTime, metadata

links = Table(
    "links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("code", String(255), nullable=False, unique=True),
    Column("purpose", String(16), nullable=False),  # referral | live_code | code
    Column("owner_identity_id", ForeignKey("identities.id")),  # whose referral link
    Column("groups", Json, nullable=False),  # group slugs in fill order
    Column("fill", String(16), nullable=False),
    Column("channel", String(64)),
    Column("campaign", String(128)),
    Column("max_uses", Integer),
    Column("uses", Integer, nullable=False, default=0),
    Column("expires_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), nullable=False),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("group_id", ForeignKey("groups.id")),  # NULL: waitlisted, no group had room
    Column("identity_id", ForeignKey("identities.id"), nullable=False),
    # requested | pending | queued | admitted | joined | rejected | waitlisted
    Column("status", String(16), nullable=False),
    Column("reason", String(1024)),
    Column("reason_said", Json),  # the reason's message id and arguments (i18n.said_payload)
    Column("link", String(255)),
    Column("gates", Json),
    Column("answers", Json),
    Column("reviews", Json),  # [{"judge": key, "verdict": ..., "reason": ...}, ...]
    Column("checkins", Integer, nullable=False, default=0),  # in a camp group
    Column("approvals", Integer, nullable=False, default=0),
    Column("rejections", Integer, nullable=False, default=0),
    Column("wave", Integer),
    Column("requested_at", UTCDateTime()),
    Column("decided_at", UTCDateTime()),
    Index("ix_entries_group_status", "group_id", "status"),
    Index("ix_entries_identity", "identity_id"),
    Index("ix_entries_status_community", "status", "community_id"),  # any pending? (0180)
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("slug", String(128), nullable=False),
    Column("config", Json, nullable=False),
    Column("configured_at", UTCDateTime(), nullable=False),
    UniqueConstraint("community_id", "slug", name="uq_campaigns_community_slug"),
)

rewards = Table(
    "rewards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("campaign", String(128), nullable=False),
    Column("identity_id", ForeignKey("identities.id"), nullable=False),
    Column("tier", Integer, nullable=False),
    Column("reward", String(255)),
    Column("status", String(16), nullable=False),  # granted | revoked
    Column("status_at", UTCDateTime(), nullable=False),
    # One row per inviter and tier: a reward cannot be granted twice, even by racing writers.
    UniqueConstraint("community_id", "campaign", "identity_id", "tier", name="uq_rewards_tier"),
    Index("ix_rewards_identity", "identity_id"),  # an inviter's rewards by key (0265)
)

fraud_cases = Table(
    "fraud_cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("case", String(255), nullable=False, unique=True),
    Column("invitee_identity_id", ForeignKey("identities.id"), nullable=False),
    Column("inviter_identity_id", ForeignKey("identities.id"), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", Json, nullable=False),
    Column("status", String(16), nullable=False),  # blocked | review | upheld | overturned
    Column("flagged_at", UTCDateTime(), nullable=False),
    Column("reviewed_at", UTCDateTime()),
)

profiles = Table(
    "profiles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("identity_id", ForeignKey("identities.id"), nullable=False, unique=True),
    Column("card", Json),
    Column("survey", Json),
    Column("tasks", Json),  # names of tasks done (task.completed)
    Column("paid", Float, nullable=False, default=0),  # payments minus refunds
    Column("answered_at", UTCDateTime()),
    Column("care", String(16)),
    Column("stake", String(16)),
    Column("classified_by", String(16)),
    Column("reason", String(1024)),
    Column("classified_at", UTCDateTime()),
)

__all__ = ["campaigns", "entries", "fraud_cases", "links", "profiles", "rewards"]

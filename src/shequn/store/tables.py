"""The tables: the event log, its projections, and the action outbox.

``events`` is the only table whose rows are facts. Everything else except ``actions`` is a
projection of it, kept up to date in the same transaction as each append and rebuilt from it
by ``shequn rebuild``. The log names things by text keys (community slug, group slug,
identity key) so that it keeps its meaning when projections are dropped and replayed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-assigns INTEGER PRIMARY KEY (the rowid), so BIGINT ids become INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    SQLite keeps no offset, PostgreSQL keeps ``timestamptz``; this hides the difference so
    a value read back always compares equal to the value written.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


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

# --- growth (P-IN, P-FIS): projections of the entry and fission events -----------------

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

actions = Table(
    "actions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("community_slug", String(128), nullable=False),
    Column("group_slug", String(128)),
    Column("payload", Json, nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("result", Json),
    Column("caused_by", BigInteger),  # events.id of the event that caused it, if any
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # The worker's columns (store/outbox.py owns the transitions; docs/worker.md).
    Column("idempotency_key", String(255), nullable=False),  # one row per intended effect
    Column("target", String(255)),  # the chat or person acted on: the rate-limit bucket
    Column("next_run_at", UTCDateTime(), nullable=False),  # due_at, then each retry's time
    Column("leased_until", UTCDateTime()),
    Column("leased_by", String(128)),
    Column("last_error", String(2048)),
    Column("attempt_started_at", UTCDateTime()),  # committed before a non-idempotent call
    Column("platform_ref", String(255)),  # message id, link URL: what the platform answered
    Column("connector", String(64)),
    Index("ix_actions_due", "status", "due_at"),
    Index("ix_actions_next_run", "status", "next_run_at"),
    Index("ux_actions_idempotency_key", "idempotency_key", unique=True),
    Index("ix_actions_target", "target", "updated_at"),  # pacing and caps per target
)

operator_tasks = Table(
    "operator_tasks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key", String(255), nullable=False, unique=True),  # makes creating one idempotent
    Column("kind", String(64), nullable=False),  # action.unsupported | action.review | …
    Column("community_slug", String(128), nullable=False),
    Column("group_slug", String(128)),
    Column("action_id", BigInteger),  # the action waiting for this person, if any
    Column("instruction", String(4096), nullable=False),
    Column("status", String(16), nullable=False),  # open | done
    Column("created_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime()),
    Column("done_by", String(128)),
    Column("note", String(1024)),
    Index("ix_operator_tasks_open", "community_slug", "status"),
)

# Which platform chat is which group (``group.bound`` / ``group.unbound``): one row per chat a
# community ever bound, kept when unbound (``active`` false) so history shows where it went.
bindings = Table(
    "bindings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("group_id", ForeignKey("groups.id"), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("community_id", "platform", "chat_id", name="uq_bindings_chat"),
)

# Who owns each platform chat (``group.owner_changed``, store/chat_owners.py): WeCom counts its
# statistics per owner. Keyed on the chat, so an owner seen before the chat was bound counts.
chat_owners = Table(
    "chat_owners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("community_id", "platform", "chat_id", name="uq_chat_owners_chat"),
)

# Sharing sessions (P-ENG-2; ``session.*`` events, store/engagement.py): one row per planned
# session, ``cause_event_id`` the plan or reschedule whose timeline actions are current.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("group_id", ForeignKey("groups.id"), nullable=False),
    Column("session", String(128), nullable=False),
    Column("title", String(512), nullable=False),
    Column("speaker", String(255)),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),  # planned | cancelled | held
    Column("cause_event_id", BigInteger, nullable=False),
    Column("questions", Integer, nullable=False, default=0),
    Column("attendees", Integer),
    Column("changed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("community_id", "session", name="uq_sessions_session"),
)

# The Q&A knowledge base (P-ENG-3; questions in ``message.posted`` and ``qa.*`` events,
# store/qa.py): one row per question, keyed by the message that asked it (``source|ref``);
# an answered one is a knowledge-base entry. Searched through ``qa_search`` (SQLite FTS5,
# trigram) or pg_trgm indexes (PostgreSQL), both made by migration 0040.
qa_entries = Table(
    "qa_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("group_id", ForeignKey("groups.id")),
    Column("question_ref", String(512), nullable=False),
    Column("asker", String(255)),
    Column("question", Text, nullable=False),
    Column("asked_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),  # open | answered | repeated
    Column("answer", Text),
    Column("answerer", String(255)),
    Column("answer_ref", String(512)),
    Column("answered_at", UTCDateTime()),
    Column("answered_by", String(16)),  # reply | marked | kb (the answer of ``same_as``)
    Column("same_as", String(512)),  # a repeated question: the entry whose answer it got
    Column("surfaced_at", UTCDateTime()),
    UniqueConstraint("community_id", "question_ref", name="uq_qa_entries_question"),
)

# Paid memberships (P-MON-2; ``membership.*`` events, store/money.py): one row per member and
# product; ``until`` the end of the current term (none for lifetime), ``changed_at`` the time of
# the last event folded in, so an older event arriving late changes nothing.
paid_memberships = Table(
    "paid_memberships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id"), nullable=False),
    Column("identity_id", ForeignKey("identities.id"), nullable=False),
    Column("plan", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("until", UTCDateTime()),
    Column("grace_until", UTCDateTime()),
    Column("renewals", Integer, nullable=False, default=0),
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("cancelled_at", UTCDateTime()),  # the member cancelled: runs to ``until``, then ends
    UniqueConstraint("community_id", "identity_id", "plan", name="uq_paid_memberships_plan"),
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

# --- operational records (not community facts; see store/tokens.py) ---------------------

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False),
    # SHA-256 (hex) of the secret; the secret itself is shown once and never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),  # first characters, to recognise a token
    Column("role", String(32), nullable=False),  # owner | manager | group_leader | analyst
    Column("community_slug", String(128), nullable=False),
    Column("groups", Json, nullable=False),  # group slugs; [] = every group (owner, analyst)
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("token_id", ForeignKey("api_tokens.id")),  # NULL: the caller was not authenticated
    Column("method", String(8), nullable=False),
    Column("path", String(1024), nullable=False),
    Column("status", Integer, nullable=False),
    Column("summary", Json, nullable=False),
    # A client's Idempotency-Key and a digest of the request body: a repeated key with the
    # same body gets the stored response instead of running again.
    Column("idempotency_key", String(255)),
    Column("request_sha256", String(64)),
    Index("ix_audit_log_token_key", "token_id", "idempotency_key"),
)

dashboard_sessions = Table(
    "dashboard_sessions",
    metadata,
    # SHA-256 (hex) of the random session id the signed cookie carries; logout ends the row.
    Column("id_hash", String(64), primary_key=True),
    Column("token_id", ForeignKey("api_tokens.id"), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
)

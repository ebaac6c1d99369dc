"""The outbox and the chapters' projections: actions and operator tasks (the live loop), chat
bindings and owners (connectors), sessions, the Q&A knowledge base and paid memberships.
Part of :mod:`shequn.store.tables`.
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
    Text,
    UniqueConstraint,
)

from shequn.store.table_types import BigId, Json, UTCDateTime, metadata

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
    Column("last_error", String(2048)),  # in English, for logs, --json and API clients
    Column("last_error_said", Json),  # its message id and arguments (i18n.said_payload)
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
# trigram) or pg_trgm indexes (PostgreSQL, answered entries only since 0300), both made by
# migration 0040.
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

__all__ = [
    "actions",
    "bindings",
    "chat_owners",
    "operator_tasks",
    "paid_memberships",
    "qa_entries",
    "sessions",
]

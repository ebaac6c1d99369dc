"""Operational records, not community facts (see store/tokens.py): API tokens (hashed), the
audit log and dashboard sessions. Part of :mod:`shequn.store.tables`.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from shequn.store.table_types import BigId, Json, UTCDateTime, metadata

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

__all__ = ["api_tokens", "audit_log", "dashboard_sessions"]

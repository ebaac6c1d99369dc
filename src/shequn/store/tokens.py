"""API tokens and the audit log: who may call the API, and what each write did.

An exception to "only the engine writes", on purpose: that rule protects *community state*,
which is the event log and its projections. A token or an audit row is not a fact about a
community — replaying the log must not recreate tokens, and revoking one must take effect
without an event — so these operational records are written here, directly, each change in
its own short transaction.

Secrets: :func:`create_token` returns the secret once; only its SHA-256 and a short display
prefix are stored. A random 256-bit secret needs no salt or slow hash (nothing to brute-force),
and a hash can be looked up by index, so :func:`verify_token` finds the row by hash and then
compares in constant time. Nothing in this module logs a secret or a hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from shequn.errors import Conflict, NotFound, ShequnError
from shequn.model.i18n import Said
from shequn.store import tables as t
from shequn.store.db import Store

ROLES = ("owner", "manager", "group_leader", "analyst")
"""owner: everything in its community; manager, group_leader: their groups only;
analyst: reads everything in its community, writes nothing."""
SCOPED_ROLES = frozenset({"manager", "group_leader"})
"""Roles that must name the groups they cover."""
SECRET_PREFIX = "shq_"  # noqa: S105  # a marker, not a secret
PREFIX_LENGTH = 8
LAST_USED_EVERY = timedelta(minutes=1)
"""``last_used_at`` is refreshed at most this often, so verifying is not a write per request."""


@dataclass(frozen=True, slots=True)
class Token:
    """A stored token, without its secret."""

    id: int
    name: str
    prefix: str
    role: str
    community: str
    groups: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "role": self.role,
            "community": self.community,
            "groups": list(self.groups),
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _token(row: Any) -> Token:
    return Token(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        role=row.role,
        community=row.community_slug,
        groups=tuple(row.groups or ()),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def check_grant(role: str, groups: Sequence[str]) -> tuple[str, ...]:
    """The groups a token of ``role`` may be given, cleaned; a bad combination raises."""
    if role not in ROLES:
        raise ShequnError(
            Said("unknown role {role!r}; one of {names}", role=role, names=", ".join(ROLES)),
            field="role",
        )
    cleaned = tuple(dict.fromkeys(g.strip() for g in groups if g.strip()))
    if role in SCOPED_ROLES and not cleaned:
        raise ShequnError(
            Said("a {role} token must name the groups it covers", role=role), field="groups"
        )
    if role not in SCOPED_ROLES and cleaned:
        raise ShequnError(
            Said("a {role} token covers every group; give no groups", role=role), field="groups"
        )
    return cleaned


def create_token(
    store: Store,
    *,
    name: str,
    role: str,
    community: str,
    groups: Sequence[str] = (),
    now: datetime | None = None,
) -> tuple[Token, str]:
    """Store a new token and return it with its secret — the only time the secret exists
    outside the caller's hands."""
    grant = check_grant(role, groups)
    if not name.strip():
        raise ShequnError(Said("a token needs a name"), field="name")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        known = conn.execute(
            select(t.communities.c.slug).where(t.communities.c.slug == community)
        ).scalar()
        if known is None:
            raise NotFound(
                Said("no community {community!r}", community=community), community=community
            )
        token_id = conn.execute(
            insert(t.api_tokens)
            .values(
                name=name.strip(),
                token_hash=hash_secret(secret),
                prefix=secret[:PREFIX_LENGTH],
                role=role,
                community_slug=community,
                groups=list(grant),
                created_at=at,
            )
            .returning(t.api_tokens.c.id)
        ).scalar_one()
    return get_token(store, token_id), secret


def get_token(store: Store, token_id: int) -> Token:
    with store.read() as conn:
        row = conn.execute(select(t.api_tokens).where(t.api_tokens.c.id == token_id)).first()
    if row is None:
        raise NotFound(Said("no token {token_id}", token_id=token_id), token=token_id)
    return _token(row)


def list_tokens(store: Store, *, include_revoked: bool = True) -> list[Token]:
    q = select(t.api_tokens).order_by(t.api_tokens.c.id)
    if not include_revoked:
        q = q.where(t.api_tokens.c.revoked_at.is_(None))
    with store.read() as conn:
        return [_token(r) for r in conn.execute(q)]


def revoke_token(store: Store, token_id: int, *, now: datetime | None = None) -> Token:
    """Revoke a token: from now on it is refused. Revoking twice is a conflict."""
    token = get_token(store, token_id)
    if token.revoked_at is not None:
        raise Conflict(
            Said("token {token_id} was already revoked", token_id=token_id), token=token_id
        )
    with store.transaction() as conn:
        conn.execute(
            update(t.api_tokens)
            .where(t.api_tokens.c.id == token_id)
            .values(revoked_at=now or datetime.now(UTC))
        )
    return get_token(store, token_id)


def verify_token(store: Store, secret: str, *, now: datetime | None = None) -> Token | None:
    """The active token whose secret this is, or ``None`` (unknown, malformed or revoked)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    tok = t.api_tokens.c
    with store.read() as conn:
        row = conn.execute(select(t.api_tokens).where(tok.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(str(row.token_hash), digest):
        return None
    token = _token(row)
    if not token.active:
        return None
    at = now or datetime.now(UTC)
    if token.last_used_at is None or at - token.last_used_at >= LAST_USED_EVERY:
        with store.transaction() as conn:
            conn.execute(update(t.api_tokens).where(tok.id == token.id).values(last_used_at=at))
    return token


# --- dashboard sessions -------------------------------------------------------------------
#
# The dashboard's cookie is signed, but a signature cannot be taken back: so it carries a
# random session id whose row here says whether the session still holds. Logout ends the row.


def start_session(
    store: Store, token_id: int, *, lasts: timedelta, now: datetime | None = None
) -> str:
    """A new session of ``token_id``; returns its id (for the cookie, never stored as is)."""
    session_id = secrets.token_urlsafe(32)
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        conn.execute(
            insert(t.dashboard_sessions).values(
                id_hash=hash_secret(session_id),
                token_id=token_id,
                started_at=at,
                expires_at=at + lasts,
            )
        )
    return session_id


def session_token(store: Store, session_id: str, *, now: datetime | None = None) -> int | None:
    """The token id of a session that has neither ended nor expired, else ``None``."""
    s = t.dashboard_sessions.c
    with store.read() as conn:
        row = conn.execute(
            select(s.token_id, s.expires_at, s.ended_at).where(s.id_hash == hash_secret(session_id))
        ).first()
    if row is None or row.ended_at is not None or row.expires_at <= (now or datetime.now(UTC)):
        return None
    return int(row.token_id)


def end_session(store: Store, session_id: str, *, now: datetime | None = None) -> None:
    """Logout: the session is over, whoever still holds its cookie."""
    s = t.dashboard_sessions.c
    with store.transaction() as conn:
        conn.execute(
            update(t.dashboard_sessions)
            .where(s.id_hash == hash_secret(session_id), s.ended_at.is_(None))
            .values(ended_at=now or datetime.now(UTC))
        )


# --- the audit log ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    token_id: int | None
    method: str
    path: str
    status: int
    summary: dict[str, Any]
    idempotency_key: str | None = None


def audit_row(
    *,
    token_id: int | None,
    method: str,
    path: str,
    status: int,
    summary: Mapping[str, Any],
    idempotency_key: str | None = None,
    request_sha256: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The ``audit_log`` row of one API write, whatever its outcome. ``summary`` must hold no
    secrets."""
    return {
        "at": now or datetime.now(UTC),
        "token_id": token_id,
        "method": method,
        "path": path[:1024],
        "status": status,
        "summary": dict(summary),
        "idempotency_key": idempotency_key,
        "request_sha256": request_sha256,
    }


def write_audits(store: Store, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows of :func:`audit_row` in one transaction: the API gathers concurrent calls' rows
    (``api/audit.py``), so a burst of webhook calls commits its audit rows together."""
    if rows:
        with store.transaction() as conn:
            conn.execute(insert(t.audit_log), [dict(r) for r in rows])


def find_idempotent(
    conn: Connection, *, token_id: int, path: str, key: str
) -> tuple[str | None, dict[str, Any]] | None:
    """The earliest successful write by this token under this Idempotency-Key on this path:
    (its request digest, its summary), or ``None``."""
    a = t.audit_log.c
    row = conn.execute(
        select(a.request_sha256, a.summary)
        .where(a.token_id == token_id, a.idempotency_key == key, a.path == path, a.status < 300)
        .order_by(a.id)
        .limit(1)
    ).first()
    return None if row is None else (row.request_sha256, dict(row.summary))


def list_audit(store: Store, *, limit: int = 100) -> list[AuditEntry]:
    a = t.audit_log.c
    with store.read() as conn:
        rows = conn.execute(select(t.audit_log).order_by(a.id.desc()).limit(limit))
        return [
            AuditEntry(
                r.id,
                r.at,
                r.token_id,
                r.method,
                r.path,
                r.status,
                dict(r.summary),
                r.idempotency_key,
            )
            for r in rows
        ]

"""Dashboard sessions: a signed cookie naming a server-side session of an API token.

The operator pastes an API token secret once; the cookie then carries only the token's id,
a random session id and a CSRF token, signed with the site secret (itsdangerous) — never the
secret itself. The session id names a row in ``dashboard_sessions`` (``store/tokens.py``):
logout ends the row, so a copy of the cookie is worthless afterwards, and the row expires
after ``MAX_AGE`` whatever the cookie says. Each request re-reads the token too, so revoking
it (``shequn token revoke``) ends its sessions. The cookie is ``HttpOnly`` and
``SameSite=Lax``, and ``Secure`` when the page came over https.

The signing secret is ``SHEQUN_SECRET_KEY``; without it one is generated and kept next to a
SQLite database (``<db>.secret-key``, mode 0600) so sessions survive a restart. For other
databases an unset key means a per-process key: sessions end on restart and differ between
uvicorn workers — set ``SHEQUN_SECRET_KEY`` there.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import Response

from shequn.api.deps import Operator
from shequn.errors import NotFound
from shequn.store.db import Store
from shequn.store.tokens import (
    SCOPED_ROLES,
    Token,
    end_session,
    get_token,
    session_token,
    start_session,
    verify_token,
)

log = logging.getLogger("shequn.web")

COOKIE = "shequn_session"
MAX_AGE = 12 * 3600
"""Seconds a session lasts; a working day, so a forgotten tab does not stay logged in."""


def secret_key(store: Store) -> str:
    """The key that signs session cookies (see the module docstring for where it lives)."""
    env = os.environ.get("SHEQUN_SECRET_KEY")
    if env:
        return env
    url = make_url(str(store.engine.url))
    db = url.database
    if url.get_backend_name() != "sqlite" or not db or db == ":memory:":
        log.warning("SHEQUN_SECRET_KEY is not set: dashboard sessions end when this process does")
        return secrets.token_urlsafe(32)
    path = Path(db).with_suffix(".secret-key")
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as fp:
                fp.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


@dataclass(frozen=True, slots=True)
class Session:
    """What the cookie holds: the logged-in token and its server-side session id (``None``
    before login), and the CSRF token."""

    token_id: int | None
    csrf: str
    sid: str | None = None


class Sessions:
    """Reads and writes the session cookie for one app."""

    def __init__(self, key: str) -> None:
        self._signer = URLSafeTimedSerializer(key, salt="shequn-dashboard-session")

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data: Any = self._signer.loads(raw, max_age=MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        token_id, sid = data.get("t"), data.get("s")
        if not isinstance(token_id, int) or not isinstance(sid, str):
            token_id = sid = None
        return Session(token_id, data["c"], sid)

    def write(self, request: Request, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            self._signer.dumps({"t": session.token_id, "c": session.csrf, "s": session.sid}),
            max_age=MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def clear(self, request: Request, response: Response) -> None:
        response.delete_cookie(
            COOKIE, httponly=True, samesite="lax", secure=request.url.scheme == "https"
        )


def new_session() -> Session:
    """A session before login: only a CSRF token."""
    return Session(None, secrets.token_urlsafe(24))


def log_in(store: Store, token: Token) -> Session:
    """A new server-side session for ``token``, with a fresh CSRF token."""
    sid = start_session(store, token.id, lasts=timedelta(seconds=MAX_AGE))
    return Session(token.id, secrets.token_urlsafe(24), sid)


def log_out(store: Store, session: Session | None) -> None:
    """End the server-side session: its cookie no longer logs anyone in."""
    if session is not None and session.sid is not None:
        end_session(store, session.sid)


def csrf_ok(session: Session | None, sent: str | None) -> bool:
    """Does the form's CSRF field match the session's? (Constant-time comparison.)"""
    return session is not None and bool(sent) and hmac.compare_digest(session.csrf, sent or "")


def login_token(store: Store, secret: str) -> Token | None:
    """The active token behind a pasted secret, or ``None``."""
    return verify_token(store, secret.strip()) if secret.strip() else None


def operator_for(store: Store, session: Session | None) -> Operator | None:
    """The operator of a logged-in session whose token is still active, else ``None``."""
    if session is None or session.token_id is None or session.sid is None:
        return None
    if session_token(store, session.sid) != session.token_id:  # ended, expired or forged
        return None
    try:
        token = get_token(store, session.token_id)
    except NotFound:  # a deleted token: the session is simply over
        return None
    if not token.active:
        return None
    groups = frozenset(token.groups) if token.role in SCOPED_ROLES else None
    return Operator(token.id, token.role, token.community, groups)

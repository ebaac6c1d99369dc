"""Dashboard sessions: a signed cookie naming the API token an operator logged in with.

The operator pastes an API token secret once; the cookie then carries only the token's id
and a CSRF token, signed with the site secret (itsdangerous) — never the secret itself. Each
request re-reads the token, so revoking it (``shequn token revoke``) ends its sessions too.
The cookie is ``HttpOnly`` and ``SameSite=Lax``, and ``Secure`` when the page came over https.

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
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import Response

from shequn.api.deps import Operator
from shequn.errors import NotFound
from shequn.store.db import Store
from shequn.store.tokens import SCOPED_ROLES, Token, get_token, verify_token

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
    """What the cookie holds: the logged-in token (``None`` before login) and the CSRF token."""

    token_id: int | None
    csrf: str


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
        token_id = data.get("t")
        return Session(token_id if isinstance(token_id, int) else None, data["c"])

    def write(self, request: Request, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            self._signer.dumps({"t": session.token_id, "c": session.csrf}),
            max_age=MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def clear(self, request: Request, response: Response) -> None:
        response.delete_cookie(
            COOKIE, httponly=True, samesite="lax", secure=request.url.scheme == "https"
        )


def new_session(token_id: int | None = None) -> Session:
    return Session(token_id, secrets.token_urlsafe(24))


def csrf_ok(session: Session | None, sent: str | None) -> bool:
    """Does the form's CSRF field match the session's? (Constant-time comparison.)"""
    return session is not None and bool(sent) and hmac.compare_digest(session.csrf, sent or "")


def login_token(store: Store, secret: str) -> Token | None:
    """The active token behind a pasted secret, or ``None``."""
    return verify_token(store, secret.strip()) if secret.strip() else None


def operator_for(store: Store, session: Session | None) -> Operator | None:
    """The operator of a logged-in session whose token is still active, else ``None``."""
    if session is None or session.token_id is None:
        return None
    try:
        token = get_token(store, session.token_id)
    except NotFound:  # a deleted token: the session is simply over
        return None
    if not token.active:
        return None
    groups = frozenset(token.groups) if token.role in SCOPED_ROLES else None
    return Operator(token.id, token.role, token.community, groups)

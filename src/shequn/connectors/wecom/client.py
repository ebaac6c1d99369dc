"""WeCom's HTTP API on httpx: the access token, the calls, and the one place its errors map.

Every call goes to ``{api_url}/cgi-bin/...?access_token=…`` and answers JSON with ``errcode``.
The token comes from ``gettoken`` (corp id + the app's secret), is cached until shortly before
its ``expires_in`` and fetched again when WeCom says it is invalid or expired (40014, 42001,
41001) — once per call, so a wrong secret cannot loop. :func:`error_for` turns every other
errcode into :class:`Transient` or :class:`Permanent` with the reason in words; nothing above
this module sees an errcode.

The secret and the token travel in query strings, which httpx logs at INFO: :class:`_Redact`
blanks them in its log records, so they never reach a log file.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from shequn.connectors.base import ConnectorError, Permanent, Transient, Uncertain
from shequn.model.i18n import N_, Said

DEFAULT_API_URL = "https://qyapi.weixin.qq.com"
TOKEN_SLACK = 300.0
"""Seconds before ``expires_in`` when the cached token is renewed."""
TOKEN_INVALID = frozenset({40014, 42001, 41001})
"""invalid access_token, access_token expired, access_token missing: fetch a new one."""

TRANSIENT: dict[int, tuple[str, float | None]] = {
    -1: (N_("WeCom is busy (errcode -1)"), 5.0),
    45009: (N_("WeCom's call frequency limit was reached (errcode 45009)"), 60.0),
    45033: (N_("too many concurrent calls to WeCom (errcode 45033)"), 5.0),
    45011: (N_("WeCom's frequency limit was reached (errcode 45011)"), 60.0),
    41063: (N_("the message task is still being dispatched (errcode 41063)"), 60.0),
}
PERMANENT: dict[int, str] = {
    40001: N_("the app secret is wrong (SHEQUN_WECOM_SECRET, errcode 40001)"),
    40013: N_("the corp id is wrong (SHEQUN_WECOM_CORP_ID, errcode 40013)"),
    40003: N_("the user id is not a member of the corp (errcode 40003)"),
    40096: N_("the external user id is unknown (errcode 40096)"),
    41054: N_("the member has not activated WeCom or lacks 客户联系 (errcode 41054)"),
    48002: N_(
        "the app has no permission for this API: put it under 客户联系 → 可调用接口的应用 "
        "(errcode 48002)"
    ),
    60020: N_("this server's IP is not in the app's trusted IPs (企业可信IP, errcode 60020)"),
    84061: N_("the customer is not a contact of this corp (errcode 84061)"),
    90501: N_("the chat is not a customer group (errcode 90501)"),
    40056: N_("the app's AgentID is wrong (SHEQUN_WECOM_AGENT_ID, errcode 40056)"),
    60011: N_("the app may not message this member: widen its visible range (errcode 60011)"),
    81013: N_("no recipient is in the app's visible range (errcode 81013)"),
}


def error_for(errcode: int, errmsg: str) -> ConnectorError:
    """The connector error for a non-zero ``errcode`` (unknown codes are permanent: a person
    reads ``errmsg`` rather than the worker retrying something it does not understand)."""
    if errcode in TRANSIENT:
        reason, after = TRANSIENT[errcode]
        return Transient(Said(reason), retry_after=after)
    if errcode in PERMANENT:
        return Permanent(Said(PERMANENT[errcode]))
    return Permanent(
        Said("WeCom refused the call: {errmsg} (errcode {code})", errmsg=errmsg, code=errcode)
    )


class _Redact(logging.Filter):
    """Blanks the secret and the access token in httpx's request log lines."""

    PATTERN = re.compile(r"(corpsecret|access_token)=[^&\s'\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.PATTERN.sub(r"\1=***", str(record.msg))
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                self.PATTERN.sub(r"\1=***", str(a)) if isinstance(a, str | httpx.URL) else a
                for a in args
            )
        return True


_REDACT = _Redact()
for _name in ("httpx", "httpcore"):
    if _REDACT not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_REDACT)


class WeComClient:
    """One corp app's API client. Thread-safe: the worker and the webhook may share it."""

    def __init__(
        self,
        corp_id: str,
        secret: str,
        *,
        api_url: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.corp_id = corp_id
        self._secret = secret
        self._http = httpx.Client(
            base_url=(api_url or DEFAULT_API_URL).rstrip("/"), timeout=timeout, transport=transport
        )
        self._clock = clock
        self._token: tuple[str, float] | None = None  # (token, renew at)
        self._lock = threading.Lock()
        self.token_fetches = 0

    def __repr__(self) -> str:
        return f"WeComClient(corp_id={self.corp_id!r}, api_url={str(self._http.base_url)!r})"

    def close(self) -> None:
        self._http.close()

    # --- the token -------------------------------------------------------------------------

    def token(self, *, fresh: bool = False) -> str:
        """The cached access token, fetched when missing, near its expiry, or ``fresh``."""
        with self._lock:
            now = self._clock()
            if not fresh and self._token is not None and now < self._token[1]:
                return self._token[0]
            body = self._send(
                "GET", "/cgi-bin/gettoken", {"corpid": self.corp_id, "corpsecret": self._secret}
            )
            if body.get("errcode", 0) != 0:
                raise error_for(int(body["errcode"]), str(body.get("errmsg", "")))
            token = str(body["access_token"])
            expires = float(body.get("expires_in", 7200))
            self._token = (token, now + max(expires - TOKEN_SLACK, expires / 2))
            self.token_fetches += 1
            return token

    # --- calls -------------------------------------------------------------------------------

    def post(self, path: str, body: dict[str, Any], *, idempotent: bool = True) -> dict[str, Any]:
        """POST ``body`` to ``/cgi-bin/externalcontact/<path>`` (or to ``path`` itself when it
        starts with ``/``: the app's ``/cgi-bin/message/send``); the answer, errcode 0."""
        return self._call("POST", path, body, idempotent=idempotent)

    def get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return self._call("GET", path, params, idempotent=True)

    def _call(
        self, method: str, path: str, payload: dict[str, Any], *, idempotent: bool
    ) -> dict[str, Any]:
        url = path if path.startswith("/") else f"/cgi-bin/externalcontact/{path}"
        for attempt in (1, 2):
            token = self.token(fresh=attempt == 2)
            if method == "GET":
                body = self._send("GET", url, {**payload, "access_token": token})
            else:
                body = self._send(
                    "POST", url, {"access_token": token}, json=payload, idempotent=idempotent
                )
            code = int(body.get("errcode", 0))
            if code == 0:
                return body
            if code not in TOKEN_INVALID or attempt == 2:
                raise error_for(code, str(body.get("errmsg", "")))
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self,
        method: str,
        url: str,
        params: dict[str, str],
        *,
        json: dict[str, Any] | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """One HTTP exchange; network errors mapped: nothing sent → Transient, an answer
        lost after sending → Uncertain for a call that must not be repeated blindly."""
        try:
            response = self._http.request(method, url, params=params, json=json)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as e:
            raise Transient(
                Said("cannot reach WeCom ({error})", error=type(e).__name__), retry_after=10
            ) from None
        except httpx.TransportError as e:
            if idempotent:
                raise Transient(
                    Said("no answer from WeCom ({error})", error=type(e).__name__)
                ) from None
            raise Uncertain(
                Said("no answer from WeCom after sending ({error})", error=type(e).__name__)
            ) from None
        if response.status_code >= 500:
            raise Transient(
                Said("WeCom answered HTTP {status}", status=response.status_code), retry_after=30
            )
        try:
            body = response.json()
        except ValueError:
            raise Permanent(
                Said("WeCom answered HTTP {status} without JSON", status=response.status_code)
            ) from None
        if not isinstance(body, dict):
            raise Permanent(Said("WeCom answered JSON that is not an object"))
        return body

"""``POST /hooks/telegram``: Telegram's webhook (outside ``/api/v1``: no API token; Telegram's
secret header instead).

``shequn bot webhook set URL`` registers the URL with the secret in
``$SHEQUN_TELEGRAM_WEBHOOK_SECRET``; Telegram sends it back in ``X-Telegram-Bot-Api-Secret-Token``
on every call. Without that secret configured, or with a missing or wrong header, the answer
is 401 and nothing is read or recorded. A good update is recorded before the answer (a
webhook answered 200 is never sent again; a failure is answered 500 and Telegram retries,
which adds nothing twice: events are keyed on the update).

The community is ``$SHEQUN_TELEGRAM_COMMUNITY``, or the store's only one; the bot's id comes
from ``$SHEQUN_TELEGRAM_TOKEN`` (a token starts with it).
"""

from __future__ import annotations

import hmac
import json
import os
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shequn.api.deps import hook_community
from shequn.api.telegram_updates import bot_id_of, record_updates
from shequn.connectors.telegram.client import TOKEN_ENV
from shequn.store.db import Store

SECRET_ENV = "SHEQUN_TELEGRAM_WEBHOOK_SECRET"  # noqa: S105 — the variable's name
COMMUNITY_ENV = "SHEQUN_TELEGRAM_COMMUNITY"
MAX_UPDATE_BYTES = 1 << 20

router = APIRouter(prefix="/hooks", tags=["hooks"], include_in_schema=False)


def _refused() -> JSONResponse:
    return JSONResponse({"ok": False, "detail": "unauthorized"}, status_code=401)


@router.post("/telegram")
async def telegram_webhook(
    request: Request,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> JSONResponse:
    """One update from Telegram, recorded if the secret header is right."""
    expected = os.environ.get(SECRET_ENV, "")
    if not expected or secret is None or not hmac.compare_digest(secret, expected):
        return _refused()  # checked before the body is read
    body = await request.body()
    if len(body) > MAX_UPDATE_BYTES:
        return JSONResponse({"ok": False, "detail": "too large"}, status_code=413)
    try:
        update: Any = json.loads(body)
        int(update["update_id"])
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"ok": False, "detail": "not a Telegram update"}, status_code=400)
    store: Store = request.app.state.store
    bot_id = bot_id_of(os.environ.get(TOKEN_ENV, ""))
    community = await run_in_threadpool(hook_community, store, COMMUNITY_ENV)
    result = await run_in_threadpool(record_updates, store, community, bot_id, [update])
    return JSONResponse({"ok": True, "new": result.new})

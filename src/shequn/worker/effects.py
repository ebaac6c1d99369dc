"""What the worker adds around a platform call: the text (and image) to send and the event
it leaves.

The text is rendered at send time from the payload (``template`` + variables in the community's
language, or a literal ``text``), so a template fixed after an action was queued is the one
sent. The effect of a carried-out action is a fact about the community, recorded as an event
with ``source = worker:<connector>`` and ``source_ref = action:<id>``: recording it twice keeps
one event, which is also how the worker recognises, after a crash, that an attempt succeeded.
A poster is drawn at send time too, from the texts and URL in the payload: the outbox keeps
what to draw, never the image.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shequn.connectors.base import Performed, Permanent
from shequn.errors import ShequnError
from shequn.model.action_kinds import action_kind
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.action_states import ActionRow

MESSAGE_KINDS = frozenset({"message.send", "payment.request", "poster.send"})
PHOTO_KINDS = frozenset({"poster.send"})

Renderer = Callable[[Blueprint, dict[str, Any]], str]


def renderer() -> Renderer:
    """``model.templates.render_payload`` when this build has it, else a plain fallback."""
    try:
        module = importlib.import_module("shequn.model.templates")
    except ImportError:
        return fallback_render
    render: Renderer = module.render_payload
    return render


def fallback_render(_blueprint: Blueprint, payload: dict[str, Any]) -> str:
    """The payload's ``text``, or the template's name and variables for a person to read."""
    if "text" in payload:
        return str(payload["text"])
    variables = ", ".join(f"{k}={v}" for k, v in sorted(payload.items()) if k != "template")
    return f"[{payload.get('template', payload)}] {variables}".rstrip()


def poster_png(payload: dict[str, Any]) -> bytes:
    """The member's poster (``api/poster.py``, loaded only when a poster is sent: Pillow); no
    font that draws its text is a permanent error until a person installs one."""
    from shequn.api.poster import PosterSpec, render_poster

    spec = PosterSpec(
        title=str(payload.get("title") or ""),
        subtitle=str(payload.get("subtitle") or ""),
        name=str(payload.get("name") or ""),
        qr_text=str(payload.get("url") or payload.get("link") or ""),
        language=str(payload.get("language") or "zh"),
    )
    try:
        return render_poster(spec)
    except ShequnError as e:
        raise Permanent(Said("cannot draw the poster: {why}", why=e.message)) from None


def source_ref(action_id: int) -> str:
    return f"action:{action_id}"


def effect_event(row: ActionRow, done: Performed, connector: str, now: datetime) -> Event | None:
    """The event recording what ``row`` changed, or ``None`` when its kind records nothing."""
    effect = action_kind(row.kind).effect
    if effect is None:
        return None
    data: dict[str, Any] = {"action": row.id}
    if done.platform_ref:
        data["platform_ref"] = done.platform_ref[:255]
    subject: str | None = None
    if effect == "message.delivered":
        to = row.payload.get("to")
        subject = to if isinstance(to, str) else None
        data["recipients"] = len(to) if isinstance(to, list) else int(subject is not None)
        if isinstance(row.payload.get("template"), str):
            data["template"] = row.payload["template"]
    elif effect == "message.received":
        subject = row.payload.get("to")
        for key in ("task", "sent", "received", "failed", "unsent"):
            value = row.payload.get("action") if key == "task" else done.result.get(key)
            if value is not None:
                data[key] = value
    elif effect == "link.published":
        data["link"] = row.payload.get("link")
        data["revoked"] = bool(row.payload.get("revoke"))
        for key in ("invite_link", "member_limit"):
            if done.result.get(key) is not None:
                data[key] = done.result[key]
    elif effect == "member.admitted":
        subject = row.payload.get("identity")
        link = done.result.get("invite_link")
        if isinstance(link, str):
            data["invite_link"] = link
    return Event(
        kind=effect,
        occurred_at=now,
        community=row.community,
        source=f"worker:{connector}",
        source_ref=source_ref(row.id),
        group=row.group,
        subject=subject,
        data=data,
    )

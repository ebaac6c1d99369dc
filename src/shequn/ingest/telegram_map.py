"""One Telegram Desktop message (a dict from ``result.json``) → events.

Pure mapping, no I/O: :class:`ChatMapper` knows the chat (source, group, community) and the
name index, and turns each message into ``message.posted``, ``message.reacted``,
``member.*``, ``group.renamed`` and ``message.pinned`` events (docs/import/telegram.md has the
table). Field names follow Telegram Desktop's writer, ``export/output/export_output_json.cpp``
(``SerializeMessage``), and ``export/data/export_data_types.cpp``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from shequn.errors import ShequnError
from shequn.ingest.base import ImportContext, Item, Rejected
from shequn.ingest.telegram_parts import (
    MEDIA_KEYS,
    Chat,
    Names,
    Tally,
    as_list,
    clean_name,
    entities_of,
    peer_key,
    plain_text,
    raw_text,
    reaction_count,
    why_ignored,
)
from shequn.ingest.telegram_service import ServiceMessages
from shequn.ingest.text import message_data
from shequn.model import events
from shequn.model.events import (
    EARLIEST,
    MAX_KEY,
    Event,
    check_event_time,
    check_identity_key,
    parse_time,
)
from shequn.model.i18n import Said

_MISSING = object()
_PEER_ID = str | int
"""What a peer id can be, made once: ``str | int`` written in the test builds a new union
every time, which cost more than the cached key lookup it guards (a call per message)."""
BUILT = frozenset({"message.posted", "message.reacted"})
"""Kinds (most events) whose data is built here by construction: once one event of the chat
passed the whole check (community, source, group never change), only the time and the keys
are checked again. The whole check cost a quarter of reading an export (issue 22)."""


class ChatMapper(ServiceMessages):
    """Maps the messages of one chat; :meth:`items` is called once per message."""

    def __init__(self, ctx: ImportContext, chat: Chat, names: Names, tally: Tally) -> None:
        self.ctx, self.chat, self.names, self.tally = ctx, chat, names, tally
        self.community = ctx.community
        self.chat_id = str(chat.id)
        self.source = f"telegram-export:{self.chat_id}"
        self.group = ctx.group_for(self.chat_id, clean_name(chat.name))
        self.own_peers = {f"channel{self.chat_id}", f"chat{self.chat_id}"}
        self._keys: dict[object, str | None] = {}  # from_id → identity key (ids repeat)
        self._names: dict[object, str | None] = {}  # raw display name → cleaned
        self._checked = False  # one event of this chat passed Event's whole check
        self._latest = EARLIEST  # no time past this is refused (the clock as last read)
        self._valid: set[str] = set()  # identity keys that passed the check
        self._zones: dict[int, tuple[tzinfo, timedelta]] = {}  # reaction times' offsets

    def key(self, value: object) -> str | None:
        if not isinstance(value, _PEER_ID):
            return None
        found = self._keys.get(value, _MISSING)
        if found is _MISSING:
            found = self._keys[value] = peer_key(value)
            if len(self._keys) > 100_000:
                self._keys.clear()
        return found  # type: ignore[return-value]

    def name(self, value: object) -> str | None:
        if not isinstance(value, str):
            return None
        found = self._names.get(value, _MISSING)
        if found is _MISSING:
            found = self._names[value] = clean_name(value)
            if len(self._names) > 100_000:
                self._names.clear()
        return found  # type: ignore[return-value]

    # -- one message ---------------------------------------------------------------------
    def items(self, msg: Any, n: int) -> list[Item]:
        """The events of one message (or its rejection); a message that gives neither is
        counted as ignored, with the reason, so the summary accounts for every message."""
        found = self._items(msg, n)
        self.ctx.record()
        if not found:
            self.ctx.ignore(why_ignored(msg))
        return found

    def _items(self, msg: Any, n: int) -> list[Item]:
        if not isinstance(msg, dict):
            return [
                Rejected(self._where(n), Said("a message must be a JSON object"), raw_text(msg))
            ]
        kind = msg.get("type")
        if kind == "unsupported":
            self.tally.unsupported += 1
            return []
        msg_id = msg.get("id")
        if not isinstance(msg_id, int) or isinstance(msg_id, bool):
            return [Rejected(self._where(n), Said("message has no numeric id"), raw_text(msg))]
        if msg_id < 0:
            self.tally.migrated += 1
        try:
            at = self._time(msg)
            if kind == "service":
                return list(self._service(msg, msg_id, at))
            if kind not in ("message", None):
                why = Said("unknown message type {kind!r}", kind=kind)
                return [Rejected(self._where(n), why, raw_text(msg))]
            return self._message(msg, msg_id, at, n)
        except ShequnError as e:  # InvalidEvent, or a time that does not parse
            return [Rejected(self._where(n), e.message, raw_text(msg))]
        except (TypeError, ValueError) as e:
            why = Said("cannot read this message: {error}", error=str(e))
            return [Rejected(self._where(n), why, raw_text(msg))]

    def _where(self, n: int) -> str:
        """The message's place in the file, e.g. ``$.chats.list[2].messages[14]``."""
        return f"{self.chat.where}.messages[{n}]" if self.chat.index >= 0 else f"$.messages[{n}]"

    def _time(self, msg: dict[str, Any]) -> datetime:
        """``date_unixtime`` when present (exact); else ``date``, the exporter's local time."""
        unix = msg.get("date_unixtime")
        if unix is not None:
            return datetime.fromtimestamp(int(unix), UTC)
        date = msg.get("date")
        if not isinstance(date, str):
            raise ShequnError(Said("message has neither date_unixtime nor date"))
        return self.ctx.localize(datetime.fromisoformat(date))

    def _event(
        self,
        kind: str,
        at: datetime,
        ref: str,
        actor: str | None,
        *,
        subject: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Event:
        if self._checked and kind in BUILT:
            if at.tzinfo is not UTC:
                at = parse_time(at)
            if not EARLIEST <= at <= self._latest:
                self._latest_time(at)
            valid = self._valid
            if actor is not None and actor not in valid:
                self._valid_key(actor, "actor")
            if subject is not None and subject not in valid:
                self._valid_key(subject, "subject")
            return Event.checked_before(
                kind, at, self.community, self.source, ref, self.group, actor, subject, data or {}
            )
        event = Event(
            kind=kind,
            occurred_at=at,
            community=self.community,
            source=self.source,
            source_ref=ref,
            group=self.group,
            actor=actor,
            subject=subject,
            data=data or {},
        )
        self._checked = True
        return event

    def _latest_time(self, at: datetime) -> None:
        """The whole time check, with the clock read now; the bound it leaves only lets
        through times the check itself would let through later (a clock only moves on), so
        the clock is read once per export rather than once per event."""
        check_event_time(at)
        self._latest = datetime.now(UTC) + events.FUTURE_MARGIN

    def _valid_key(self, key: str, field_name: str) -> None:
        """The identity key check, once per key (people post thousands of times)."""
        check_identity_key(key, field_name)
        if len(self._valid) > 100_000:
            self._valid.clear()
        self._valid.add(key)

    # -- ordinary messages ---------------------------------------------------------------
    def _message(self, msg: dict[str, Any], msg_id: int, at: datetime, n: int) -> list[Item]:
        author = self.key(msg.get("from_id"))
        author_name = self.name(msg.get("from"))
        if author is None:
            if author_name is None:
                why = Said("message has no from_id: cannot tell who wrote it")
                return [Rejected(self._where(n), why, raw_text(msg))]
            author = self.names.person(author_name)
        entities = entities_of(msg)
        mentions: list[str] = []
        link = False
        for e in entities:
            t = e.get("type")
            if t == "mention_name":
                key = peer_key(e.get("user_id"))
                if key is not None and key not in mentions:
                    mentions.append(key)
            elif t in ("link", "text_link"):
                link = True
        reply_to = msg.get("reply_to_message_id")
        reply_ref = (
            str(reply_to)
            if isinstance(reply_to, int) and msg.get("reply_to_peer_id") in (None, *self.own_peers)
            else None
        )
        forwarded = None
        if "forwarded_from" in msg:
            forwarded = clean_name(msg["forwarded_from"]) or "hidden"
        data = message_data(
            plain_text(msg.get("text")),
            has_media=not MEDIA_KEYS.isdisjoint(msg),
            reply_to=reply_ref,
            mentions=mentions,
            forwarded_from=forwarded,
            actor_name=author_name,
        )
        if link:
            data["has_link"] = True
        if isinstance(msg.get("author"), str) and msg["author"]:
            data["signature"] = msg["author"]  # the admin's signature on a post as the chat
        reactions = as_list(msg.get("reactions"))
        total = sum(reaction_count(r) for r in reactions) if reactions else 0
        if total:
            data["reactions"] = total
        out: list[Item] = [self._event("message.posted", at, str(msg_id), author, data=data)]
        if total:
            out.extend(self._reactions(msg, msg_id, at, author, author_name, reactions))
        return out

    def _reactions(
        self,
        msg: dict[str, Any],
        msg_id: int,
        at: datetime,
        author: str,
        author_name: str | None,
        reactions: list[Any],
    ) -> Iterable[Event]:
        """One ``message.reacted`` per reactor the export names (``recent``: Telegram lists a
        few recent reactors, not all; the rest are only counted)."""
        zone: tzinfo | None = None
        shift: timedelta | None = None
        for r in reactions:
            if not isinstance(r, dict):
                continue
            kind = r.get("type")
            if kind == "emoji":
                emoji = str(r.get("emoji") or "")
            elif kind == "custom_emoji":
                emoji = f"custom_emoji:{r.get('document_id')}"
            else:
                emoji = str(kind or "reaction")  # "paid" (stars), "empty"
            recent = as_list(r.get("recent"))
            self.tally.anonymous_reactions += max(0, reaction_count(r) - len(recent))
            for who in recent:
                if not isinstance(who, dict):
                    continue
                reactor = self.key(who.get("from_id"))
                if reactor is None:
                    continue
                if zone is None:
                    zone, shift = self._export_zone(msg, at)
                when = at
                date = who.get("date")
                if isinstance(date, str):
                    when = max(at, _local_time(date, zone, shift))
                data: dict[str, Any] = {"message": str(msg_id), "emoji": emoji}
                if name := self.name(who.get("from")):
                    data["actor_name"] = name
                if author_name:
                    data["subject_name"] = author_name
                ref = f"{msg_id}:reacted:{who.get('from_id')}:{emoji}"
                yield self._event(
                    "message.reacted", when, ref[:MAX_KEY], reactor, subject=author, data=data
                )

    def _export_zone(self, msg: dict[str, Any], at: datetime) -> tuple[tzinfo, timedelta | None]:
        """The exporting computer's UTC offset, learnt from this message's ``date`` (local)
        and ``date_unixtime`` (``at``, read from it): reaction times are written in local time
        only. With the offset as a ``timedelta`` as well, or None when it could not be learnt
        (then the import's ``tz``)."""
        unix, date = msg.get("date_unixtime"), msg.get("date")
        if unix is not None and isinstance(date, str):
            local = datetime.fromisoformat(date).replace(tzinfo=UTC)
            minutes = round((local - at).total_seconds() / 60)
            if abs(minutes) < 18 * 60:
                self.tally.reaction_times_offset = True
                found = self._zones.get(minutes)
                if found is None:
                    shift = timedelta(minutes=minutes)
                    found = self._zones[minutes] = (timezone(shift), shift)
                return found
        self.ctx.naive_times = True
        return self.ctx.tz, None


def _local_time(date: str, zone: tzinfo, shift: timedelta | None) -> datetime:
    """A reaction's local ``date`` read in ``zone``; in UTC when the zone is the fixed offset
    ``shift``, the same instant: comparing it with the message's time (UTC) and checking it as
    an event's time then needs no conversion between zones, which cost a quarter of mapping a
    reaction (issue 22). Beyond the range of UTC times, as the zone has it (the check refuses)."""
    local = datetime.fromisoformat(date)
    if shift is not None:
        with contextlib.suppress(OverflowError):
            return local.replace(tzinfo=UTC) - shift
    return local.replace(tzinfo=zone)

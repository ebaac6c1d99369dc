"""Slack workspace export (the admin's "Export data" ZIP, or that ZIP unpacked) → events.

The export holds ``users.json`` (``org_users.json`` on Enterprise Grid), ``channels.json`` and,
for exports that include private conversations, ``groups.json``, ``mpims.json`` and
``dms.json``; then one folder per conversation — named after the channel (the DM's id for
direct messages) — with one ``YYYY-MM-DD.json`` file per day: a JSON array of message
objects. Each day file is streamed with ``ijson``; only the user and conversation directories
(id → name) are kept in memory.

Sources (facts only, no code taken):

- Slack help, "How to read Slack data exports"
  (https://slack.com/help/articles/220556107-How-to-read-Slack-data-exports): the files above
  and which export type contains which.
- Slack API message subtypes (https://docs.slack.dev/reference/events/message/…, e.g.
  ``pinned_item``): ``channel_join`` carries ``inviter`` when someone added the member,
  ``channel_name`` carries ``old_name`` and ``name``, ``pinned_item`` carries ``item_type`` and
  ``item``; ``bot_message`` has ``bot_id``/``username`` instead of ``user``.
- rusq/slackdump ``internal/fixtures/export.go`` (an export from a real workspace):
  ``user_profile`` on messages, ``thread_ts``/``parent_user_id``/``reply_count``/``replies``
  on threads, ``files``, ``ts`` as ``"1555493779.000200"``.

Mapping (docs/import/slack.md): messages → ``message.posted`` (thread replies get
``reply_to`` = ``thread_ts``); reactions → one ``message.reacted`` per listed user;
``channel_join``/``group_join`` → ``member.joined`` (+ ``member.invited`` when an inviter is
named); ``channel_leave``/``group_leave`` → ``member.left``; ``channel_name``/``group_name`` →
``group.renamed``; ``pinned_item`` → ``message.pinned``. Other subtypes are counted in a note.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ijson
import orjson

from shequn.errors import InputFormatError, InvalidEvent
from shequn.ingest.archive import Archive
from shequn.ingest.base import ImportContext, Item, Rejected
from shequn.ingest.shape import cause, expect_array
from shequn.ingest.slack_source import BROKEN, CONVERSATIONS, USERS, Source, looks_like_export
from shequn.ingest.text import message_data
from shequn.model.events import Event, identity_key
from shequn.model.i18n import N_, Said

PLATFORM = "slack"
_POSTED = {
    None,
    "",
    "bot_message",
    "file_share",
    "thread_broadcast",
    "reply_broadcast",
    "me_message",
}
_JOIN, _LEAVE = {"channel_join", "group_join"}, {"channel_leave", "group_leave"}
_RENAME = {"channel_name", "group_name"}
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ANGLE = re.compile(r"<([^<>]+)>")


class SlackImporter:
    """``shequn import`` for a Slack workspace export, as a directory or as the ``.zip``."""

    name = "slack"
    description = "Slack workspace export (admin 'Export data' ZIP or its unpacked folder)"

    def sniff(self, path: Path, head: bytes) -> bool:
        try:
            if path.is_dir():
                return looks_like_export(p.name for p in path.iterdir())
            if Archive.is_zip(path):
                with Archive(path) as archive:
                    return looks_like_export(archive.names)
        except (*BROKEN, InputFormatError):
            return False
        return False

    def read(self, ctx: ImportContext) -> Iterator[Item]:
        try:
            source = Source.open(ctx)
        except BROKEN as e:
            raise InputFormatError(
                str(ctx.path), None, Said("cannot open the export: {error}", error=str(e))
            ) from None
        with source:
            yield from _Reader(ctx, source).run()


class _Reader:
    def __init__(self, ctx: ImportContext, source: Source) -> None:
        self.ctx, self.src = ctx, source
        self.users: dict[str, str] = {}
        self.folders: dict[str, tuple[str, str | None]] = {}  # folder → (id, name)
        self.channel_names: dict[str, str] = {}
        self.skipped: Counter[str] = Counter()
        self.truncated_reactions = 0

    def run(self) -> Iterator[Item]:
        users = self.src.find(*USERS) or "users.json"  # Source made sure it is there
        for _, u in self._items(users, what="users.json"):
            if isinstance(u, dict) and isinstance(u.get("id"), str):
                profile = _dict(u.get("profile"))
                name = profile.get("display_name") or u.get("real_name") or profile.get("real_name")
                self.users[u["id"]] = str(name or u.get("name") or u["id"])
        for listing in CONVERSATIONS:
            found = self.src.find(listing)
            for _, c in self._items(found, what=listing) if found else ():
                if isinstance(c, dict) and isinstance(c.get("id"), str):
                    name = c.get("name") if isinstance(c.get("name"), str) else None
                    self.folders[name if listing != "dms.json" and name else c["id"]] = (
                        c["id"],
                        name,
                    )
                    self.channel_names[c["id"]] = name or c["id"]
        for folder, days in self.src.days():
            if folder not in self.folders:
                self.ctx.record()  # the folder is one record: its messages are not read
                yield Rejected(
                    folder,
                    Said(
                        "conversation folder not listed in channels.json, "
                        "groups.json, mpims.json or dms.json"
                    ),
                )
                continue
            chat_id, chat_name = self.folders[folder]
            group = self.ctx.group_for(chat_id, chat_name)
            for day in days:
                label = day[len(self.src.root) :]
                for i, m in self._items(day, what=label):
                    where = f"{label}[{i}]"
                    self.ctx.record()
                    try:
                        events = list(self._map(m, chat_id, group))
                    except (KeyError, TypeError, ValueError, AttributeError, InvalidEvent) as e:
                        why = Said("cannot map message: {reason}", reason=cause(e))
                        yield Rejected(where, why, _raw(m))
                        continue
                    if not events:  # a subtype with no event kind (counted in self.skipped)
                        self.ctx.ignore(f"Slack messages with no event kind ({m.get('subtype')})")
                    yield from events
        self._notes()

    def _items(self, name: str, *, what: str) -> Iterator[tuple[int, Any]]:
        """The elements of the JSON array in ``name``, streamed; a broken file stops here."""
        i = 0
        try:
            with self.src.read(name) as fp:
                expect_array(fp, str(self.ctx.path), f"{what}[0]", N_("records"))
                for obj in ijson.items(fp, "item", use_float=True):
                    yield i, obj
                    i += 1
        except BROKEN as e:
            raise InputFormatError(
                str(self.ctx.path),
                f"{what}[{i}]",
                Said("not a complete JSON array: {error}", error=str(e)),
            ) from None

    # --- one message ----------------------------------------------------------------------

    def _map(self, m: dict[str, Any], chat_id: str, group: str) -> Iterator[Event]:
        ts = m["ts"]
        if not isinstance(ts, str):
            raise ValueError(Said("ts {ts!r} is not text", ts=ts))
        subtype = m.get("subtype")
        user = m.get("user") or m.get("bot_id")
        actor = identity_key(PLATFORM, user) if isinstance(user, str) and user else None
        name = self._name(m, user)

        def event(kind: str, ref: str, actor: str | None, **kw: Any) -> Event:
            return Event(
                kind=kind,
                occurred_at=_time(ts),
                community=self.ctx.community,
                source=f"slack-export:{chat_id}",
                source_ref=ref,
                group=group,
                actor=actor,
                **kw,
            )

        if subtype in _POSTED:
            yield event("message.posted", ts, actor, data=self._posted(m, name))
            for reaction in m.get("reactions") or []:
                emoji, users = reaction["name"], reaction.get("users") or []
                self.truncated_reactions += max(0, int(reaction.get("count") or 0) - len(users))
                for who in users:
                    who_name = self.users.get(who) if isinstance(who, str) else None
                    data = {"message": ts, "emoji": emoji, "actor_name": who_name}
                    yield event(
                        "message.reacted",
                        f"{ts}:reaction:{emoji}:{who}",
                        identity_key(PLATFORM, who),
                        subject=actor,
                        data=_compact(data | {"subject_name": name}),
                    )
        elif subtype in _JOIN:
            inviter = m.get("inviter")
            joined: dict[str, Any] = {"actor_name": name}
            if not (isinstance(inviter, str) and inviter):
                yield event("member.joined", ts, actor, data=_compact(joined))
                return
            by = identity_key(PLATFORM, inviter)
            joined |= {"channel": "add", "inviter": by}
            yield event("member.joined", ts, actor, data=_compact(joined))
            invited = {
                "channel": "add",
                "actor_name": self.users.get(inviter),
                "subject_name": name,
            }
            yield event(
                "member.invited", f"{ts}:invited", by, subject=actor, data=_compact(invited)
            )
        elif subtype in _LEAVE:
            yield event("member.left", ts, actor, data=_compact({"actor_name": name}))
        elif subtype in _RENAME:
            renamed = {"name": m["name"], "actor_name": name}
            yield event("group.renamed", ts, actor, data=_compact(renamed))
        elif subtype == "pinned_item":
            yield event(
                "message.pinned",
                ts,
                actor,
                data=_compact({"message": _pinned_ts(m), "actor_name": name}),
            )
        else:
            self.skipped[str(subtype)] += 1

    def _posted(self, m: dict[str, Any], name: str | None) -> dict[str, Any]:
        raw_text = m.get("text") or ""
        if not isinstance(raw_text, str):
            raise TypeError(Said("text is not a string"))
        thread = m.get("thread_ts")
        data = message_data(
            self._clean(raw_text),
            has_media=bool(m.get("files")) or m.get("subtype") == "file_share",
            reply_to=thread if isinstance(thread, str) and thread != m["ts"] else None,
            mentions=list(
                dict.fromkeys(identity_key(PLATFORM, u) for u in _MENTION.findall(raw_text))
            ),
            actor_name=name,
        )
        if m.get("pinned_to"):
            data["is_pinned"] = True
        if m.get("subtype") == "bot_message" or m.get("bot_id"):
            data["is_bot"] = True
        return data

    def _name(self, m: dict[str, Any], user: Any) -> str | None:
        profile, bot = _dict(m.get("user_profile")), _dict(m.get("bot_profile"))
        for candidate in (
            self.users.get(user) if isinstance(user, str) else None,
            profile.get("display_name"),
            profile.get("real_name"),
            m.get("username"),
            bot.get("name"),
        ):
            if isinstance(candidate, str) and candidate:
                return candidate
        return None

    def _clean(self, text: str) -> str:
        """Slack's markup as a person reads it: ``<@U1>`` → ``@Name``, ``<url|label>`` →
        ``label (url)``, ``<#C1|general>`` → ``#general``, ``&amp;`` → ``&``."""

        def one(match: re.Match[str]) -> str:
            target, _, label = match.group(1).partition("|")
            if target.startswith("@"):
                return "@" + (self.users.get(target[1:]) or label or target[1:])
            if target.startswith("#"):
                return "#" + (label or self.channel_names.get(target[1:], target[1:]))
            if target.startswith("!"):
                return label or "@" + target[1:].split("^")[0]
            if target.startswith("mailto:"):
                return label or target[7:]
            return f"{label} ({target})" if label and label != target else target

        return html.unescape(_ANGLE.sub(one, text))

    def _notes(self) -> None:
        for subtype, n in sorted(self.skipped.items()):
            self.ctx.note(
                Said("{n} Slack message(s) of subtype {subtype} have no event kind: skipped",
                     n=n, subtype=subtype)
            )  # fmt: skip
        if self.truncated_reactions:
            self.ctx.note(
                Said(
                    "{n} reaction(s) counted by Slack without naming who reacted: not imported",
                    n=self.truncated_reactions,
                )
            )


def _time(ts: str) -> datetime:
    """``"1555493779.000200"`` (epoch seconds, UTC) → an exact aware datetime."""
    seconds, _, fraction = ts.partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(Said("ts {ts!r} is not epoch seconds", ts=ts))
    micro = int((fraction + "000000")[:6])
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(seconds), microseconds=micro)


def _pinned_ts(m: dict[str, Any]) -> str | None:
    """The ts of the pinned message: ``item.ts``, else the quoted message's ``ts``."""
    item = m.get("item")
    if isinstance(item, dict) and isinstance(item.get("ts"), str):
        return str(item["ts"])
    for quoted in m.get("attachments") or []:
        if isinstance(quoted, dict) and isinstance(quoted.get("ts"), str):
            return str(quoted["ts"])
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _raw(obj: Any) -> str:
    try:
        return orjson.dumps(obj, default=str).decode()[:2000]
    except TypeError:
        return repr(obj)[:2000]

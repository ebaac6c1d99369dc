"""Telegram Desktop "Export chat history" / "Export Telegram data", machine-readable JSON.

Reads ``result.json`` — of one chat (top level ``name``, ``type``, ``id``, ``messages``) or of
a whole account (``about``, ``personal_information``, ``chats.list``, ``left_chats.list``) —
given as the file, the export folder, or a zip of either. docs/import/telegram.md describes
the mapping; :mod:`shequn.ingest.telegram_map` does it, one message at a time.

Streaming: the file is read twice and never held in memory.

1. A byte-level scan (regular expressions over 256 KiB chunks) collects display name → user id
   pairs (``"from"``/``"from_id"``, ``"actor"``/``"actor_id"``, reaction ``recent`` entries).
   Service messages name added and removed members without their ids; this index lets most
   of them be identified anyway.
2. The messages, one object at a time. One chat: ``ijson.items(fp, "messages.item")`` does
   all the work in C (the header keys before ``messages`` come from a peek at the start).
   An account: ijson's C parser sends its events to a small watcher (:class:`_Watch`) that
   notes the chat headers (``chats.list.item.id`` …) and passes every event on to ijson's C
   item builder; at each chat boundary the messages built so far are tagged with the chat
   they belong to. A 500 MB chat is never materialized; memory stays flat.

``source = telegram-export:<chat id>`` (the bare id the export writes), ``source_ref`` the
message id (plus a suffix when one message makes several events), so re-importing the same
or a later, overlapping export adds only what is new.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import IO, Any

import ijson
import orjson

from shequn.errors import InputFormatError
from shequn.ingest.archive import Archive
from shequn.ingest.base import ImportContext, Item
from shequn.ingest.shape import FOUND, expect
from shequn.ingest.telegram_export import Export
from shequn.ingest.telegram_map import (
    NAME_KEY,
    PRIVATE_TYPES,
    Chat,
    ChatMapper,
    Names,
    Tally,
    clean_name,
    peer_key,
)
from shequn.model.i18n import Said

_BACKEND = ijson.get_backend(ijson.backend_name)
CHUNK = 1 << 18
"""Bytes per read of the name scan (pass 1)."""
READ_SIZE = 1 << 16
"""Bytes fed to the parser at a time in an account export (pass 2)."""

_CHAT_TYPE = re.compile(
    rb'"type"\s*:\s*"(?:personal_chat|bot_chat|private_group|private_supergroup|'
    rb'public_supergroup|private_channel|public_channel|saved_messages|replies)"'
)
_PAIR = re.compile(
    rb'"(?:from|actor)"\s*:\s*("(?:[^"\\]|\\.)*"|null)\s*,\s*'
    rb'"(?:from|actor)_id"\s*:\s*"?((?:user|channel|chat)?\d+)"?'
)
_ACCOUNT_KEYS = frozenset(
    {
        "about",
        "personal_information",
        "profile_pictures",
        "stories",
        "contacts",
        "frequent_contacts",
        "sessions",
        "web_sessions",
        "other_data",
        "chats",
        "left_chats",
    }
)
_SHAPE = {
    "chats": ("start_map", "chat lists"),
    "chats.list": ("start_array", "chats"),
    "chats.list.item.messages": ("start_array", "messages"),
}
"""An account export's containers (left_chats are read as chats) and what each must be."""
_CHAT_KEYS = frozenset({"name", "type", "id", "messages"})


class TelegramImporter:
    """``shequn import`` for Telegram Desktop JSON exports."""

    name = "telegram"
    description = (
        "Telegram Desktop export in machine-readable JSON: result.json of one chat or of a "
        "whole account (the file, its folder, or a .zip)"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        with contextlib.suppress(OSError, InputFormatError):
            if path.is_dir() or Archive.is_zip(path):
                with Export.open(path) as export:
                    return _looks_like_export(export.head())
        return _looks_like_export(head)

    def read(self, ctx: ImportContext) -> Iterator[Item]:
        with Export.open(ctx.path, ctx.limits) as export:
            names = Names()
            with export.reader(ctx, counted=False) as fp:
                scan_names(fp, names)
            stream = _Stream(ctx, export, names)
            yield from stream.run()
        _notes(ctx, stream)


def _looks_like_export(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith(b"{"):
        return False
    if b'"personal_information"' in head and b'"about"' in head:
        return True
    return b'"messages"' in head and bool(_CHAT_TYPE.search(head))


# -- pass 1: who is who -------------------------------------------------------------------


def scan_names(fp: IO[bytes], names: Names) -> None:
    """Collect display name → user id pairs from the raw bytes (fast: no JSON parsing).

    Relies on the exporter writing ``"from_id"`` right after ``"from"`` (and ``"actor_id"``
    after ``"actor"``), as Telegram Desktop always does. A file written otherwise only loses
    this help: added and removed members then keep placeholder keys."""
    pairs: set[tuple[bytes, bytes]] = set()
    buf = bytearray()  # the last 4 KiB of the previous chunk (a pair cut in two) + the next
    while chunk := fp.read(CHUNK):
        buf += chunk
        del chunk
        pairs.update(_PAIR.findall(buf))  # a pair seen twice (in the kept tail) is one pair
        del buf[:-4096]
    decoded: dict[bytes, str | None] = {}
    for name_json, ident in pairs:
        if name_json == b"null" or ident.startswith((b"channel", b"chat")):
            continue
        if name_json not in decoded:
            try:
                decoded[name_json] = clean_name(orjson.loads(name_json))
            except orjson.JSONDecodeError:
                decoded[name_json] = None
        name, key = decoded[name_json], peer_key(ident.decode())
        if name is not None and key is not None:
            names.add(name, key)


# -- pass 2: the messages -------------------------------------------------------------------


class _Watch:
    """Sits between ijson's C parser and its C item builder in an account export: passes
    every parse event on, notes chat headers, and tags each built message with its chat.

    Per event it does one dict lookup; a chat boundary moves the finished messages out of
    ``sink`` (tagged with the chat they belong to) before the next chat's events go in."""

    def __init__(self, sink: list[Any], out: list[tuple[Chat, Any]], label: str) -> None:
        self.sink, self.out, self.label = sink, out, label
        self.chat = Chat(index=-1)
        self.chats: list[Chat] = []
        self.counts = {False: -1, True: -1}  # chats seen in chats.list / left_chats.list

    def flush(self) -> None:
        if self.sink:
            chat = self.chat
            self.out.extend((chat, msg) for msg in self.sink)
            self.sink.clear()

    def coroutine(self, send: Callable[[Any], None]) -> Generator[None, Any, None]:
        fields = {"chats.list.item.name": "name", "chats.list.item.type": "type"}
        fields["chats.list.item.id"] = "id"
        left = False
        while True:
            ev = yield
            prefix = ev[0]
            if left:
                if prefix.startswith("left_chats"):
                    prefix = "chats" + prefix[10:]
                    ev = (prefix, ev[1], ev[2])
                elif prefix == "":
                    left = False
            name = fields.get(prefix)
            if name is not None:
                if ev[1] != "map_key":
                    setattr(self.chat, name, ev[2])
            elif prefix == "chats.list.item":
                if ev[1] == "start_map":
                    self.flush()
                    self.counts[left] += 1
                    self.chat = Chat(index=self.counts[left], left=left)
                    self.chats.append(self.chat)
            elif prefix == "" and ev[1] == "map_key" and ev[2] == "left_chats":
                left = True
            elif prefix in _SHAPE and ev[1] in FOUND:
                want, what = _SHAPE[prefix]
                expect(ev[1], want, self.label, "$." + prefix, what)
            send(ev)


class _Stream:
    """Pass 2: messages in file order, each mapped by its chat's :class:`ChatMapper`."""

    def __init__(self, ctx: ImportContext, export: Export, names: Names) -> None:
        self.ctx, self.export, self.names = ctx, export, names
        self.label = export.label
        self.tally = Tally()
        self.chats: list[Chat] = []

    def run(self) -> Iterator[Item]:
        single = self._peek()
        if single is not None:
            yield from self._single(single)
            return
        with self.export.reader(self.ctx, counted=True) as fp:
            yield from self._account(fp)

    # -- one chat: ijson's C parser and builder do all the work ------------------------------
    def _single(self, chat: Chat) -> Iterator[Item]:
        self._late_header(chat)
        self.chats.append(chat)
        mapper = self._mapper(chat)
        with self.export.reader(self.ctx, counted=True) as fp:
            try:
                for n, msg in enumerate(ijson.items(fp, "messages.item", use_float=True)):
                    if mapper is None:
                        self._private(chat)
                    else:
                        yield from mapper.items(msg, n)
            except ijson.JSONError as e:
                raise self._broken(e) from None

    def _peek(self) -> Chat | None:
        """A one-chat export's header (as far as it comes before ``messages``), or None for an
        account export; from the first top-level keys."""
        chat = Chat(index=-1)
        with self.export.reader(self.ctx, counted=False) as fp:
            try:
                events = ijson.parse(fp, use_float=True)
                for prefix, event, value in events:
                    if prefix in ("name", "type", "id"):
                        setattr(chat, prefix, value)
                    elif prefix != "" or event == "start_map":
                        continue
                    elif event != "map_key":
                        break  # the end of the top-level object, or no object at all
                    elif value == "messages":
                        expect(next(events)[1], "start_array", self.label, "$.messages", "messages")
                        return chat
                    elif value in _ACCOUNT_KEYS:
                        return None
            except ijson.JSONError as e:
                raise self._broken(e) from None
        if chat.id is not None:
            return chat  # a chat without messages
        raise InputFormatError(
            self.label, None, "not a Telegram export: expected an object with 'messages' "
            "(one chat) or 'chats' (a whole account)"
        )  # fmt: skip

    def _late_header(self, chat: Chat) -> None:
        """Header keys written after ``messages`` (a re-serialised file): one C pass each."""
        for key in ("id", "type", "name"):
            if getattr(chat, key) is None and chat.type not in PRIVATE_TYPES:
                with self.export.reader(self.ctx, counted=False) as fp:
                    setattr(chat, key, next(iter(ijson.items(fp, key, use_float=True)), None))
            if chat.id is None:
                raise InputFormatError(self.label, "$.id", "the chat has no 'id'")

    # -- an account: chats one after another --------------------------------------------------
    def _account(self, fp: IO[bytes]) -> Iterator[Item]:
        sink = ijson.sendable_list()
        out: list[tuple[Chat, Any]] = []
        watch = _Watch(sink, out, self.label)
        items = _BACKEND.items_basecoro(sink, "chats.list.item.messages.item")
        target = watch.coroutine(items.send)
        next(target)
        parser = ijson.parse_coro(target, use_float=True)
        current: Chat | None = None
        mapper: ChatMapper | None = None  # None: a private chat, or not decided yet
        decided = False
        held: list[Any] = []  # messages of a chat whose id comes after them
        n = 0
        done = False
        while not done:
            chunk = fp.read(READ_SIZE)
            try:
                if chunk:
                    parser.send(chunk)
                else:
                    parser.close()
                    done = True
            except ijson.JSONError as e:
                raise self._broken(e) from None
            watch.flush()
            for chat, msg in out:
                if chat is not current:
                    if current is not None and held:
                        yield from self._flush(current, held)
                    current, n, mapper, decided = chat, 0, None, False
                if not decided:
                    if not _header_known(chat):
                        held.append(msg)
                        continue
                    mapper, decided = self._mapper(chat), True
                if mapper is not None:
                    yield from mapper.items(msg, n)
                else:
                    self._private(chat)
                n += 1
            out.clear()
        if current is not None and held:
            yield from self._flush(current, held)
        self.chats = watch.chats

    def _flush(self, chat: Chat, held: list[Any]) -> Iterator[Item]:
        if chat.id is None:
            raise InputFormatError(self.label, chat.where, "this chat has messages but no 'id'")
        self.ctx.note(
            Said(
                "chat {chat}: its name, type or id comes after its messages in the file, so "
                "its {n} messages were held in memory",
                chat=chat.id,
                n=f"{len(held):,}",
            )
        )
        mapper = self._mapper(chat)
        for n, msg in enumerate(held):
            if mapper is not None:
                yield from mapper.items(msg, n)
            else:
                self._private(chat)
        held.clear()

    def _private(self, chat: Chat) -> None:
        """Count a message of a private chat: read, and ignored by rule."""
        self.ctx.record()
        self.ctx.ignore(f"Telegram private chats ({chat.type}): shequn imports groups")

    def _mapper(self, chat: Chat) -> ChatMapper | None:
        """The mapper for a chat, or None when the chat is skipped (private)."""
        if chat.type in PRIVATE_TYPES:
            return None
        return ChatMapper(self.ctx, chat, self.names, self.tally)

    def _broken(self, e: Exception) -> InputFormatError:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return InputFormatError(
            self.label, None, f"not valid JSON ({first}): is the file complete?"
        )


def _header_known(chat: Chat) -> bool:
    """Whether a chat's header is complete (``name`` is absent only for saved messages)."""
    if chat.id is None or chat.type is None:
        return False
    return chat.name is not None or chat.type in PRIVATE_TYPES


def _notes(ctx: ImportContext, stream: _Stream) -> None:
    names, tally = stream.names, stream.tally
    skipped = Counter(str(c.type) for c in stream.chats if c.type in PRIVATE_TYPES)
    if skipped:
        listed = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items()))
        ctx.note(
            Said("private chats skipped ({listed}): shequn imports groups and channels",
                 listed=listed)
        )  # fmt: skip
    if names.placeholders:
        shared = len(names.ambiguous)
        unseen = len(names.placeholders) - shared
        ctx.note(
            Said(
                "{n} people named in service messages (added or removed "
                "members, invite-link owners) could not be tied to one Telegram id ({unseen} never "
                "appear with an id in the export, {shared} share their name with someone else): "
                "they are keyed {key}<name>; `shequn members suggest-merges` pairs each with "
                "the real member once both are known (docs/import/telegram.md)",
                n=len(names.placeholders),
                unseen=unseen,
                shared=shared,
                key=NAME_KEY,
            )
        )
    if tally.nameless_members:
        ctx.note(
            Said(
                "{n} added or removed members were deleted accounts (no name, no id) and were "
                "left out",
                n=tally.nameless_members,
            )
        )
    if tally.ignored_actions:
        listed = ", ".join(f"{k} ×{v}" for k, v in tally.ignored_actions.most_common())
        ctx.note(Said("service messages with no event kind, not imported: {listed}", listed=listed))
    if tally.unsupported:
        ctx.note(
            Said("{n} messages the exporter marks 'unsupported' were skipped", n=tally.unsupported)
        )
    if tally.anonymous_reactions:
        ctx.note(
            Said(
                "{n} reactions are only counted in the export (Telegram names a few recent "
                "reactors per emoji): they are in message.posted data.reactions",
                n=tally.anonymous_reactions,
            )
        )
    if tally.reaction_times_offset:
        ctx.note(
            Said(
                "reaction times carry no zone in the export: read at the exporting computer's "
                "UTC offset, learnt from each message's date and date_unixtime"
            )
        )
    if tally.migrated:
        ctx.note(
            Said(
                "{n} messages come from the group before it became a supergroup (Telegram "
                "numbers them below zero)",
                n=tally.migrated,
            )
        )

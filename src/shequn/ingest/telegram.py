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
2. The messages. One chat (the header keys before ``messages`` come from a peek at the
   start): the array is cut into pieces of whole messages by bytes and each piece parsed by
   orjson (:mod:`shequn.ingest.telegram_frames`); a minified file, by ``ijson.items(fp,
   "messages.item")``. An account: :mod:`shequn.ingest.telegram_account`. Memory stays flat.

The re-import quick check: each piece of a one-chat export is a :class:`Stretch`, named by a
digest of its bytes and of where its events go; a piece imported before (its digest stored,
``ImportContext.known``) is counted from the stored account and not parsed. Pass 1 runs only
once a piece needs mapping, so an export imported before is hardly read at all.

``source = telegram-export:<chat id>`` (the bare id the export writes), ``source_ref`` the
message id (plus a suffix when one message makes several events), so re-importing the same
or a later, overlapping export adds only what is new.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import ijson
import orjson

from shequn.errors import InputFormatError
from shequn.ingest.archive import Archive
from shequn.ingest.base import ImportContext, Item, Stretch
from shequn.ingest.scan_halves import in_halves
from shequn.ingest.shape import expect
from shequn.ingest.telegram_account import read_account
from shequn.ingest.telegram_export import Export
from shequn.ingest.telegram_frames import Broken, Layout, layout, pieces
from shequn.ingest.telegram_map import ChatMapper
from shequn.ingest.telegram_parts import (
    NAME_KEY,
    PRIVATE_TYPES,
    Chat,
    Names,
    Tally,
    clean_name,
    peer_key,
)
from shequn.model.i18n import N_, Said

CHUNK = 1 << 18
"""Bytes per read of the name scan (pass 1)."""
KEPT = 4096
"""Bytes of one read kept before the next in the name scan (a pair cut in two is whole)."""
STRETCHES = b"telegram-frames/1"
"""Part of every stretch digest: a new way of cutting or mapping gets a new number."""

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
            stream = _Stream(ctx, export)
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
    add_names(name_pairs(fp, b"", None), names)


def name_pairs(fp: IO[bytes], kept: bytes, stop: int | None) -> set[tuple[bytes, bytes]]:
    """The raw (name JSON, id) pairs of ``fp`` from where it stands, in :data:`CHUNK` reads,
    the first buffer starting with ``kept``; until ``stop`` bytes were read (None: the end).
    The shape :func:`~shequn.ingest.scan_halves.in_halves` splits in two.

    Each buffer is searched only up to its last ``}`` in the last half of the :data:`KEPT`
    bytes kept for the next one: a read can end inside an id's digits (``"from_id": "user12``
    of ``user1234``), which the pattern would take as a whole id — a second id for that name,
    which then resolves to a placeholder (16 such pairs in the 300,000-message benchmark
    export, issue 22, session 40: docs/speed/). What lies after that ``}`` is searched in the
    next buffer, whole; the file's last buffer in full. (A pair over ~2 KiB with a ``}`` in
    its name can be missed at a read's end, as one over 4 KiB always could.)"""
    pairs: set[tuple[bytes, bytes]] = set()
    buf = bytearray(kept)  # the previous chunk's last KEPT bytes (a pair cut in two) + the next
    read = 0
    while (stop is None or read < stop) and (chunk := fp.read(CHUNK)):
        read += len(chunk)
        buf += chunk
        del chunk
        end = buf.rfind(b"}", max(0, len(buf) - KEPT // 2)) + 1 or len(buf)
        pairs.update(_PAIR.findall(buf, 0, end))  # a pair seen twice (kept) is one pair
        del buf[:-KEPT]
    if stop is None or read < stop:  # the end of the file: the rest of the last buffer
        pairs.update(_PAIR.findall(buf))
    return pairs


def add_names(pairs: set[tuple[bytes, bytes]], names: Names) -> None:
    """The pairs' display names and user ids into ``names`` (channels and chats left out)."""
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


class _Stream:
    """Pass 2: messages in file order, each mapped by its chat's :class:`ChatMapper`."""

    def __init__(self, ctx: ImportContext, export: Export) -> None:
        self.ctx, self.export = ctx, export
        self.label = export.label
        self.tally = Tally()
        self.chats: list[Chat] = []
        self.scanned: Names | None = None

    @property
    def names(self) -> Names:
        """Pass 1's index, made on first use."""
        if self.scanned is None:
            self.scanned = Names()
            pairs = None
            if self.export.archive is None:  # a plain file: its halves at once
                pairs = in_halves(self.export.path, name_pairs, chunk=CHUNK, tail=KEPT)
            if pairs is None:
                with self.export.reader(self.ctx, counted=False) as fp:
                    pairs = name_pairs(fp, b"", None)
            add_names(pairs, self.scanned)
        return self.scanned

    def run(self) -> Iterator[Item]:
        single = self._peek()
        if single is not None:
            yield from self._single(single)
            return
        with self.export.reader(self.ctx, counted=True) as fp:
            yield from read_account(self, fp)

    # -- one chat: cut into pieces for orjson, or ijson's C parser and builder -----------------
    def _single(self, chat: Chat) -> Iterator[Item]:
        self._late_header(chat)
        self.chats.append(chat)
        if chat.type not in PRIVATE_TYPES:
            lay = layout(self.export.head())
            if lay is not None and lay.header.get("id") == chat.id:
                yield from self._pieces(chat, lay)
                return
        mapper = self.mapper(chat)
        with self.export.reader(self.ctx, counted=True) as fp:
            try:
                for n, msg in enumerate(ijson.items(fp, "messages.item", use_float=True)):
                    if mapper is None:
                        self.private(chat)
                    else:
                        yield from mapper.items(msg, n)
            except ijson.JSONError as e:
                raise self.broken(e) from None

    def _pieces(self, chat: Chat, lay: Layout) -> Iterator[Item]:
        """The messages of a one-chat export piece by piece; with the quick check on, each
        piece is a :class:`Stretch` and one imported before is skipped unparsed."""
        ctx, n = self.ctx, 0
        mapper: ChatMapper | None = None
        seed = hashlib.blake2b(STRETCHES, digest_size=20)
        source = f"telegram-export:{chat.id}"
        group = ctx.group_for(str(chat.id), clean_name(chat.name))
        seed.update(f"\0{ctx.community}\0{source}\0{group}\0".encode())
        digest = ""

        def known(raw: bytes) -> str | None:
            nonlocal digest
            h = seed.copy()
            h.update(raw)
            digest = h.hexdigest()
            return ctx.known(digest) if ctx.known is not None else None

        with self.export.reader(ctx, counted=True) as fp:
            try:
                for piece in pieces(fp, lay, known if ctx.known is not None else None):
                    if piece.messages is None:
                        yield Stretch(digest, piece.done)
                        n += int(orjson.loads(piece.done or "{}").get("records", 0))
                        continue
                    if ctx.known is not None and not piece.salvaged:
                        yield Stretch(digest)
                    if mapper is None:  # not private: _single sends private chats to ijson
                        mapper = ChatMapper(ctx, chat, self.names, self.tally)
                    for msg in piece.messages:
                        yield from mapper.items(msg, n)
                        n += 1
            except Broken as e:
                raise self.broken(e) from None

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
                        expect(
                            next(events)[1], "start_array", self.label, "$.messages", N_("messages")
                        )
                        return chat
                    elif value in _ACCOUNT_KEYS:
                        return None
            except ijson.JSONError as e:
                raise self.broken(e) from None
        if chat.id is not None:
            return chat  # a chat without messages
        raise InputFormatError(
            self.label, None, Said("not a Telegram export: expected an object with 'messages' "
                                   "(one chat) or 'chats' (a whole account)")
        )  # fmt: skip

    def _late_header(self, chat: Chat) -> None:
        """Header keys written after ``messages`` (a re-serialised file): one C pass each."""
        for key in ("id", "type", "name"):
            if getattr(chat, key) is None and chat.type not in PRIVATE_TYPES:
                with self.export.reader(self.ctx, counted=False) as fp:
                    setattr(chat, key, next(iter(ijson.items(fp, key, use_float=True)), None))
            if chat.id is None:
                raise InputFormatError(self.label, "$.id", Said("the chat has no 'id'"))

    def private(self, chat: Chat) -> None:
        """Count a message of a private chat: read, and ignored by rule."""
        self.ctx.record()
        self.ctx.ignore(f"Telegram private chats ({chat.type}): shequn imports groups")

    def mapper(self, chat: Chat) -> ChatMapper | None:
        """The mapper for a chat, or None when the chat is skipped (private)."""
        if chat.type in PRIVATE_TYPES:
            return None
        return ChatMapper(self.ctx, chat, self.names, self.tally)

    def broken(self, e: Exception) -> InputFormatError:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if e.args and isinstance(e.args[0], Said):  # Broken: said by us, kept as said
            first = e.args[0]
        return InputFormatError(
            self.label, None, Said("not valid JSON ({error}): is the file complete?", error=first)
        )


def _notes(ctx: ImportContext, stream: _Stream) -> None:
    names, tally = stream.scanned or Names(), stream.tally
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

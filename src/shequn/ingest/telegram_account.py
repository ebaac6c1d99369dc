"""A whole-account Telegram export (``chats.list``, ``left_chats.list``): chats one after another.

ijson's C parser sends its events to a small watcher (:class:`Watch`) that notes the chat
headers (``chats.list.item.id`` …) and passes every event on to ijson's C item builder; at
each chat boundary the messages built so far are tagged with the chat they belong to. A 500 MB
chat is never materialized; memory stays flat. :mod:`shequn.ingest.telegram` maps them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import IO, Any, Protocol

import ijson

from shequn.errors import InputFormatError
from shequn.ingest.base import ImportContext, Item
from shequn.ingest.shape import FOUND, expect
from shequn.ingest.telegram_map import ChatMapper
from shequn.ingest.telegram_parts import PRIVATE_TYPES, Chat
from shequn.model.i18n import N_, Said

_BACKEND = ijson.get_backend(ijson.backend_name)
READ_SIZE = 1 << 16
"""Bytes fed to the parser at a time."""
_SHAPE = {
    "chats": ("start_map", N_("chat lists")),
    "chats.list": ("start_array", N_("chats")),
    "chats.list.item.messages": ("start_array", N_("messages")),
}
"""An account export's containers (left_chats are read as chats) and what each must be."""


class Chats(Protocol):
    """What reading an account needs of the importer's stream (``telegram._Stream``)."""

    ctx: ImportContext
    label: str
    chats: list[Chat]

    def mapper(self, chat: Chat) -> ChatMapper | None: ...

    def private(self, chat: Chat) -> None: ...

    def broken(self, e: Exception) -> InputFormatError: ...


class Watch:
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


def read_account(stream: Chats, fp: IO[bytes]) -> Iterator[Item]:
    """The items of every chat of an account export, in file order."""
    sink = ijson.sendable_list()
    out: list[tuple[Chat, Any]] = []
    watch = Watch(sink, out, stream.label)
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
            raise stream.broken(e) from None
        watch.flush()
        for chat, msg in out:
            if chat is not current:
                if current is not None and held:
                    yield from _flush(stream, current, held)
                current, n, mapper, decided = chat, 0, None, False
            if not decided:
                if not _header_known(chat):
                    held.append(msg)
                    continue
                mapper, decided = stream.mapper(chat), True
            if mapper is not None:
                yield from mapper.items(msg, n)
            else:
                stream.private(chat)
            n += 1
        out.clear()
    if current is not None and held:
        yield from _flush(stream, current, held)
    stream.chats = watch.chats


def _flush(stream: Chats, chat: Chat, held: list[Any]) -> Iterator[Item]:
    if chat.id is None:
        raise InputFormatError(stream.label, chat.where, Said("this chat has messages but no 'id'"))
    stream.ctx.note(
        Said(
            "chat {chat}: its name, type or id comes after its messages in the file, so "
            "its {n} messages were held in memory",
            chat=chat.id,
            n=f"{len(held):,}",
        )
    )
    mapper = stream.mapper(chat)
    for n, msg in enumerate(held):
        if mapper is not None:
            yield from mapper.items(msg, n)
        else:
            stream.private(chat)
    held.clear()


def _header_known(chat: Chat) -> bool:
    """Whether a chat's header is complete (``name`` is absent only for saved messages)."""
    if chat.id is None or chat.type is None:
        return False
    return chat.name is not None or chat.type in PRIVATE_TYPES

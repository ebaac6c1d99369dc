"""WhatsApp "Export chat": the ``.txt`` (Android and iOS) or the ``.zip`` that holds it.

The export is plain text, one message per header line, continuation lines for multi-line
messages, and no ids at all: people are known by the name (or phone) the exporting phone shows,
so they become ``whatsapp:<name>`` or ``whatsapp:+<digits>``. The file is read twice, line by
line: a quick first pass decides the day/month order from every date in the file (a first
part above 12 can only be a day, …) and the second pass yields events, holding one pending
message for the multi-line lookahead. Memory does not grow with the file.

``source`` is ``whatsapp-export:<chat>``: the ``--group`` given, else the chat name in the file
name (``WhatsApp Chat with <chat>.txt`` on Android, ``WhatsApp Chat - <chat>.zip`` on iOS),
else the file name. ``source_ref`` hashes (time as written, author, first line of text) and
counts repeats of the same key, so a later export that overlaps this one repeats its refs and
adds only what is new.

Facts about the format were learnt from (facts only; no code taken):

* linuswillner/whatsapp-export-inconsistencies (fork AyazKhuraishi/…): user and system message
  layouts on iOS and Android, iOS encryption notices attributed like messages, media
  placeholders (``<Media omitted>``, ``image omitted``, ``<attached: 00000001-PHOTO-….jpg>``,
  ``IMG-…jpg (file attached)``, ``… • 2 pages document omitted``, ``Contact card omitted``);
* Pustur/whatsapp-chat-parser: header regexes and date layouts (``[dd.mm.yy hh:mm:ss]``,
  ``yyyy/mm/dd``, ``a.m.``/``p. m.``), LRM (U+200E) prefixes, ``<attached: …>``; its issue
  #248 (U+202F NARROW NO-BREAK SPACE before AM/PM, Android 2023) and #258 (iOS system lines
  attributed to the group name or the actor: ``[…] Group: ‎Boris added you``);
* joweich/chat-miner (test/whatsapp/testlog.txt, chatminer/chatparsers.py): the
  day-first/month-first inference from parts above 12, ``p.m.`` variants, bracketed dotted
  dates;
* lucasrodes/whatstk issues #139/#140 (iOS ``[m/d/yy, H:M:S]``, ``\\u202fpm``) and sample
  exports quoted in public repositories (ricardomaia/wa-stats README: ``X added Y``,
  ``X removed Y``, ``X left``, ``X changed the subject from A to B``, ``X changed to Y``,
  ``X joined using this group's invite link``; textshq's stub table: ``changed their phone
  number``, ``changed this group's icon``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from shequn.errors import InputFormatError, InvalidEvent
from shequn.ingest.archive import Archive, record_too_long
from shequn.ingest.base import ImportContext, Item, Rejected
from shequn.ingest.text import message_data
from shequn.ingest.whatsapp_lines import (
    DateOrder,
    Header,
    SystemLine,
    is_mapped,
    is_you,
    parse_header,
    person,
    read_body,
    read_system,
    split_author,
    to_datetime,
)
from shequn.ingest.whatsapp_locales import MARKS
from shequn.ingest.whatsapp_source import ChatSource, chat_member, looks_like_chat
from shequn.model.events import Event, identity_key
from shequn.model.i18n import Said, told

PLATFORM = "whatsapp"
_CHAT_FILE = re.compile(r"WhatsApp Chat (?:with|-) (?P<name>.+?)(?: \(\d+\))?", re.IGNORECASE)
_RECENT_KEYS = 4096  # repeat counters kept for this many recent keys (same-time duplicates)


@dataclass
class _Pending:
    """One message being collected: its header and its lines (the first is the header's)."""

    line: int
    header: Header
    lines: list[str] = field(default_factory=list)
    size: int = 0  # characters in lines


class _Reader:
    """One run of :meth:`WhatsAppImporter.read`: state for refs, counts and notes."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx, self.path = ctx, str(ctx.path)
        self.line: int | None = None
        self.ignored: Counter[str] = Counter()
        self.recent: OrderedDict[str, int] = OrderedDict()
        self.day_first = True
        self.chat = self.source = self.group = ""

    def lines(self, fp: IO[bytes]) -> Iterator[tuple[int, str]]:
        with fp:
            for n, raw in enumerate(fp, 1):
                self.line = n
                yield n, self._decode(raw, n).rstrip("\r\n").lstrip("\ufeff")

    def _decode(self, raw: bytes, n: int) -> str:
        """UTF-8, as WhatsApp writes; a file cut inside its last character loses only that."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            if not raw.endswith(b"\n") and e.end == len(raw) and "end of data" in e.reason:
                return self._decode(raw[: e.start], n)
            raise InputFormatError(
                self.path,
                n,
                Said("not UTF-8 text ({error}); is this a WhatsApp export?", error=e.reason),
            ) from None

    def run(self) -> Iterator[Item]:
        with ChatSource(self.ctx) as src:
            order = DateOrder()
            for _, text in self.lines(src.open(counted=False)):
                header = parse_header(text)
                if header is not None:
                    order.feed(header)
            self.line = None
            if order.headers == 0:
                raise InputFormatError(
                    self.path,
                    None,
                    Said(
                        "no line looks like a WhatsApp message, e.g. '12/31/23, 9:41 PM - Name: "
                        "text' or '[31.12.23, 21:41:05] Name: text'"
                    ),
                )
            self.day_first, decision = order.decide()
            self.ctx.note(decision)
            self._name_chat(src)
            yield from self._messages(src.open(counted=True))
        if self.ignored:
            parts = ", ".join(f"{n} {kind}" for kind, n in self.ignored.most_common())
            self.ctx.note(
                Said("{n} system lines ignored: {parts}", n=sum(self.ignored.values()), parts=parts)
            )

    def _name_chat(self, src: ChatSource) -> None:
        named = src.chat_name()
        if self.ctx.group is not None:
            self.chat = self.ctx.group
        elif named:
            self.chat = named
        else:
            self.chat = src.path.stem.strip("_ ") or "chat"
            self.ctx.note(
                Said(
                    "the file name does not name the chat ('WhatsApp Chat with NAME.txt'): "
                    "called it {chat!r}; give --group to keep later exports of this chat together",
                    chat=self.chat,
                )
            )
        self.source = f"whatsapp-export:{self.chat}"
        words = unicodedata.normalize("NFKD", self.chat).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^A-Za-z0-9]+", "-", words).strip("-").lower()[:60]
        if not slug or len(slug) < len(self.chat) // 2:
            digest = hashlib.sha256(self.chat.encode()).hexdigest()[:8]
            slug = f"{slug}-{digest}".strip("-") if slug else f"whatsapp-{digest}"
        self.group = self.ctx.group_for(slug)

    def _messages(self, fp: IO[bytes]) -> Iterator[Item]:
        pending: _Pending | None = None
        for n, text in self.lines(fp):
            header = parse_header(text)
            if header is None:
                if pending is not None:
                    pending.lines.append(text)
                    pending.size += len(text) + 1
                    if pending.size > self.ctx.limits.line_bytes:
                        raise record_too_long(self.path, pending.line, self.ctx.limits)
                elif text.strip(MARKS + " "):
                    self.ctx.record()
                    yield Rejected(str(n), Said("text before the first message header"), text)
                continue
            if pending is not None:
                yield from self._finish(pending)
            pending = _Pending(n, header, [header.rest])
        if pending is not None:
            yield from self._finish(pending)

    def _finish(self, p: _Pending) -> Iterator[Item]:
        self.ctx.record()
        self.line = p.line
        raw = "\n".join(p.lines)
        naive = to_datetime(p.header, self.day_first)
        if naive is None:
            order = Said("day/month") if self.day_first else Said("month/day")
            why = Said("impossible date {parts} read as {order}", parts=p.header.parts, order=order)
            yield Rejected(str(p.line), why, raw)
            return
        author, first = split_author(p.lines[0])
        if author is None:
            yield from self._system(p, naive, " ".join(p.lines), raw)
            return
        body = read_body([first, *p.lines[1:]])
        if len(p.lines) == 1 and not (body.has_media or body.deleted):
            system = read_system(first)
            if (  # iOS writes system lines as if someone said them, marked with U+200E
                first.startswith("\u200e")
                or author == self.chat
                or (system is not None and first.strip(MARKS + " ").startswith(author + " "))
                or (system is not None and system.kind == "encryption notice")
            ):
                yield from self._system(p, naive, first, raw)
                return
        who, shown = person(author)
        key = "\x00deleted" if body.deleted else body.text.split("\n")[0]
        data = message_data(
            body.text,
            has_media=body.has_media,
            mentions=[identity_key(PLATFORM, m) for m in body.mentions] or None,
            actor_name=shown,
        )
        if body.deleted:
            data["deleted"] = True
        ref = self._ref(naive, who, "\x00media" if body.has_media else key)
        yield self._event(
            p, raw, "message.posted", naive, ref, identity_key(PLATFORM, who), data=data
        )

    def _system(self, p: _Pending, naive: datetime, text: str, raw: str) -> Iterator[Item]:
        """A system line's events; a line that makes none is counted as ignored, by why."""
        before = self.ignored.copy()
        items = list(self._system_items(p, naive, text, raw))
        if not items:
            why = next(iter((self.ignored - before).keys()), "lines with no event kind")
            self.ctx.ignore(f"WhatsApp system lines: {why}")
        yield from items

    def _system_items(self, p: _Pending, naive: datetime, text: str, raw: str) -> Iterator[Item]:
        line = read_system(text)
        if line is None:
            self.ignored["unrecognised (not English?)"] += 1
            return
        if not is_mapped(line):
            self.ignored[line.kind] += 1
            return
        base = self._ref(naive, "", text.strip(MARKS + " "))
        yield from self._membership(p, naive, line, base, raw)

    def _membership(
        self, p: _Pending, at: datetime, s: SystemLine, base: str, raw: str
    ) -> Iterator[Item]:
        actor = None if s.actor is None or is_you(s.actor) else person(s.actor)
        names: dict[str, Any] = {"actor_name": actor[1]} if actor else {}
        actor_key = identity_key(PLATFORM, actor[0]) if actor else None
        if s.kind == "renamed":
            data = {"name": s.name, **names}
            yield self._event(p, raw, "group.renamed", at, f"{base}:renamed", actor_key, data=data)
            return
        if s.kind in ("joined_link", "joined", "left"):
            if actor_key is None:
                self.ignored["lines about you (the export does not name its owner)"] += 1
                return
            kind = "member.left" if s.kind == "left" else "member.joined"
            data = {"channel": "link", **names} if s.kind == "joined_link" else names
            yield self._event(p, raw, kind, at, f"{base}:{s.kind}", actor_key, data=data)
            return
        for i, shown in enumerate(s.subjects):
            if is_you(shown):
                self.ignored["lines about you (the export does not name its owner)"] += 1
                continue
            who, display = person(shown)
            subject = identity_key(PLATFORM, who)
            if s.kind == "removed":
                data = {**names, "subject_name": display}
                ref = f"{base}:removed.{i}"
                yield self._event(p, raw, "member.removed", at, ref, actor_key, subject, data)
                continue
            if actor_key == subject:  # "X added X" (a rejoin shown so): no invitation edge
                joined_self: dict[str, Any] = {"channel": "add", "actor_name": display}
                ref = f"{base}:joined.{i}"
                yield self._event(p, raw, "member.joined", at, ref, subject, None, joined_self)
                continue
            if actor_key is not None:  # "X added Y": an invitation, then the join
                data = {"channel": "add", **names, "subject_name": display}
                ref = f"{base}:invited.{i}"
                yield self._event(p, raw, "member.invited", at, ref, actor_key, subject, data)
            joined: dict[str, Any] = {"channel": "add", "actor_name": display}
            if actor_key is not None:
                joined["inviter"] = actor_key
            yield self._event(
                p, raw, "member.joined", at, f"{base}:joined.{i}", subject, None, joined
            )

    def _ref(self, naive: datetime, who: str, first_line: str) -> str:
        """Hash of (time, author, first line) plus a repeat counter for identical keys.

        Repeats are counted only among recent keys: identical keys share a minute, so they
        sit next to each other, and memory stays bounded.
        """
        text = " ".join(first_line.strip(MARKS).split())
        key = f"{naive.isoformat()}\x1f{who}\x1f{text}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:20]
        seen = self.recent.pop(digest, -1) + 1
        self.recent[digest] = seen
        if len(self.recent) > _RECENT_KEYS:
            self.recent.popitem(last=False)
        return digest if seen == 0 else f"{digest}.{seen}"

    def _event(
        self,
        p: _Pending,
        raw: str,
        kind: str,
        naive: datetime,
        ref: str,
        actor: str | None = None,
        subject: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Item:
        try:
            return Event(
                kind=kind,
                occurred_at=self.ctx.localize(naive),
                community=self.ctx.community,
                source=self.source,
                source_ref=ref,
                group=self.group,
                actor=actor,
                subject=subject,
                data=data or {},
            )
        except InvalidEvent as e:
            return Rejected(str(p.line), e.message, raw)


class WhatsAppImporter:
    """``shequn import`` for WhatsApp's "Export chat" (``.txt``, or the ``.zip`` with media)."""

    name = "whatsapp"
    description = (
        "WhatsApp 'Export chat' .txt or .zip (Android and iOS layouts, any date locale; "
        "English system lines)"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        try:
            if path.is_dir():
                return False
            if Archive.is_zip(path):
                with Archive(path) as archive:
                    member = chat_member(archive)
                    if member is None:
                        return False
                    head = archive.head(member)
            return looks_like_chat(head)
        except (OSError, InputFormatError):
            return False

    def read(self, ctx: ImportContext) -> Iterator[Item]:
        reader = _Reader(ctx)
        try:
            yield from reader.run()
        except InputFormatError:
            raise
        except Exception as e:  # a broken zip member, zlib, …: report it as the file's problem
            raise InputFormatError(
                str(ctx.path),
                reader.line,
                Said(
                    "cannot read: {error}",
                    error=Said("{kind}: {error}", kind=type(e).__name__, error=told(e)),
                ),
            ) from e

"""QQ group history from the classic QQ (PC, before QQ NT) message manager's TXT export.

消息管理器 → right-click a group → 导出消息记录 → "文本文件 (*.txt)" writes::

    消息记录（此消息记录为文本格式，不支持重新导入）

    ================================================================
    消息分组:我的QQ群
    ================================================================
    消息对象:读书会
    ================================================================

    2019-09-23 20:43:38 【管理员】阿青(87200175)
    大家好

    2019-09-23 8:49:12 PM 系统消息(1000000)
    书虫加入本群。

The layout is taken from real exports quoted in parsers' tests and READMEs (the
``QQ TXT`` fixtures of the ChatLab importer, ``parser_chat`` snapshots with 12-hour
``8:43:38 PM`` times and ``系统消息(10000)``/``系统消息(1000000)`` senders, the Ruby ``MsgParse``
and Python ``QQ()`` readers, which split on the header line ``date time nickname(QQ号)`` or
``nickname<email>``, with nicknames that may themselves contain brackets). Times carry no zone,
seconds may be missing in old exports, an "export all" file repeats the header block per chat.
QQ NT's JSON exporters are not read (see docs/import/qq.md).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from shequn.errors import InputFormatError, ShequnError
from shequn.ingest.archive import record_too_long
from shequn.ingest.base import ImportContext, Item, Rejected
from shequn.ingest.text import message_data
from shequn.model.events import Event, identity_key
from shequn.model.i18n import N_, Said

TITLE = "消息记录（此消息记录为文本格式，不支持重新导入）"
_STAMP = r"^(\d{4}-\d{1,2}-\d{1,2}) (\d{1,2}:\d{2}(?::\d{2})?)(?: ?([AP]M))? "
_HEADER = re.compile(_STAMP + r"(.*?)(?:\((\d{4,12}|[^()\s@]+@[^()\s@]+)\)|<([^<>\s]+)>)\s*$")
"""A message line: time, then ``昵称(QQ号)``, ``昵称(mail)`` or ``昵称<mail>`` (the nickname may
be empty and may itself hold brackets: the *last* bracket is the sender's id)."""
_LOOKS_LIKE_HEADER = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2} +\d{1,2}:\d{2}")
"""Starts like a message line: one that then does not parse is reported, never glued on."""
_QQ_MAIL = re.compile(r"^(\d{4,12})@(?:vip\.)?qq\.com$", re.IGNORECASE)
_OBJECT = re.compile(r"^消息对象[:：](.*)$")
_BADGE = re.compile(r"^【[^】]*】")  # group title badge: 【管理员】, 【潜水】 …
_MEDIA = re.compile(r"\[(?:图片|表情|语音|视频|文件)\]")
_MENTION = re.compile(r"@(\S+)")
SYSTEM_IDS = {"10000", "1000000"}
_SYS: list[tuple[str, re.Pattern[str]]] = [
    ("invited", re.compile(r"^(.+?)邀请(.+?)加入(?:了)?本群")),
    ("joined", re.compile(r"^(.+?)加入(?:了)?本群")),
    ("removed", re.compile(r"^(.+?)被(.+?)(?:移除|移出|踢出)(?:了)?本群")),
    ("left", re.compile(r"^(.+?)退出(?:了)?本群")),
]


@dataclass(slots=True)
class Bad:
    """Lines that are no message: reported with the line they start on, never merged."""

    line: int
    reason: str
    lines: list[str] = field(default_factory=list)
    size: int = 0


@dataclass(frozen=True, slots=True)
class Chat:
    """A ``消息对象:`` line: the chat the following messages belong to."""

    name: str
    titled: bool  # the file starts with the title line (a full header block)


@dataclass(slots=True)
class Block:
    """One message: header fields and its content lines."""

    line: int
    at: datetime
    name: str
    user: str
    lines: list[str] = field(default_factory=list)
    size: int = 0  # characters in lines

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")


def _user_id(in_parens: str | None, in_angles: str | None) -> str:
    """The QQ number; ``12345@qq.com`` and ``12345@vip.qq.com`` are one too; other addresses
    stay as they are."""
    found = in_parens or in_angles or ""
    if "@" not in found:
        return found
    number = _QQ_MAIL.match(found)
    return number.group(1) if number else found


def _header_block(line: str) -> bool:
    """A line of the header block the message manager writes (optional: guides tell people to
    strip it)."""
    text = line.strip()
    return (
        not text
        or text == TITLE
        or text.startswith("=====")
        or text.startswith(("消息分组:", "消息分组："))
        or _OBJECT.match(text) is not None
    )


def _block(n: int, m: re.Match[str]) -> Block | None:
    """The message a header line starts (None when its time is impossible)."""
    day, clock, half, name, in_parens, in_angles = m.groups()
    try:
        at = _time(day, clock, half)
    except ValueError:
        return None
    return Block(n, at, _BADGE.sub("", name).strip(), _user_id(in_parens, in_angles))


def _time(day: str, clock: str, half: str | None) -> datetime:
    fmt = "%Y-%m-%d %H:%M:%S" if clock.count(":") == 2 else "%Y-%m-%d %H:%M"
    at = datetime.strptime(f"{day} {clock}", fmt)
    if half == "PM" and at.hour < 12:
        at = at.replace(hour=at.hour + 12)
    elif half == "AM" and at.hour == 12:
        at = at.replace(hour=0)
    return at


def _encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) when the head decodes as such, else GB18030 (QQ's ANSI)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


class QQImporter:
    """``shequn import`` for the classic QQ message manager's TXT export."""

    name = "qq"
    description = "QQ message manager TXT export (classic PC QQ, 消息管理器 → 导出 → .txt)"

    def sniff(self, path: Path, head: bytes) -> bool:
        """The title line, the header block, or (header block stripped) a message line first."""
        text = head[:4096].decode(_encoding(head[:4096]), "ignore").lstrip("\ufeff").lstrip()
        first = text.split("\n", 1)[0].rstrip("\r")
        if first.startswith(TITLE):
            return True
        if first.startswith("=====") and "消息对象" in text:
            return True
        return _HEADER.match(first) is not None

    def read(self, ctx: ImportContext) -> Iterator[Item]:
        try:
            names = self._names(ctx)
            yield from self._read(ctx, names)
        except ShequnError:
            raise
        except Exception as e:  # anything unforeseen still names the file
            raise InputFormatError(
                str(ctx.path), None, Said("cannot read: {error}", error=repr(e))
            ) from e

    def _lines(self, ctx: ImportContext, *, counted: bool) -> Iterator[tuple[int, str]]:
        with ctx.path.open("rb") as probe:
            encoding = _encoding(probe.read(65536))
        if counted and encoding != "utf-8":
            label = {"utf-8-sig": N_("UTF-8 with BOM"), "gb18030": "GB18030"}[encoding]
            ctx.note(Said("read as {encoding}", encoding=Said(label)))
        raw = ctx.open(ctx.path, lines=True, counted=counted)
        n = 0
        with io.TextIOWrapper(raw, encoding=encoding, newline=None) as fp:
            try:
                for n, line in enumerate(fp, 1):  # n names the line on error
                    yield n, line.rstrip("\n")
            except UnicodeDecodeError as e:
                raise InputFormatError(
                    str(ctx.path),
                    n + 1,
                    Said("not {encoding}: {error}", encoding=encoding, error=str(e)),
                ) from e

    def _blocks(self, ctx: ImportContext, *, counted: bool) -> Iterator[Block | Bad | Chat]:
        """Messages as :class:`Block`, lines that are no message as :class:`Bad`, and
        :class:`Chat` where the header block names the chat."""
        current: Block | Bad | None = None
        saw_title = saw_any = False
        for n, line in self._lines(ctx, counted=counted):
            saw_any = True
            if n == 1 and line.lstrip("\ufeff").strip() == TITLE:
                saw_title = True
            obj = _OBJECT.match(line)
            m = _HEADER.match(line) if obj is None else None
            bad = m is None and obj is None and _LOOKS_LIKE_HEADER.match(line) is not None
            outside = current is None and not _header_block(line) and m is None
            if obj is not None or m is not None or bad or outside or line.startswith("====="):
                if current is not None:
                    yield current
                current = None
            if obj is not None:
                yield Chat(obj.group(1).strip(), saw_title)
            elif m is not None:
                current = _block(n, m) or Bad(n, Said("bad time in the message line"), [line])
            elif bad:
                current = Bad(n, Said("looks like a message line but the sender is not written "
                                   "昵称(QQ号), 昵称(mail) or 昵称<mail>"), [line])  # fmt: skip
            elif outside:
                current = Bad(
                    n, Said("text outside any message (no message line above it)"), [line]
                )
            elif current is not None:
                current.lines.append(line)
                current.size += len(line) + 1
                if current.size > ctx.limits.line_bytes:
                    raise record_too_long(str(ctx.path), current.line, ctx.limits)
        if current is not None:
            yield current
        if not saw_any:
            raise InputFormatError(str(ctx.path), None, Said("empty file: not a QQ TXT export"))

    def _titled(self, ctx: ImportContext) -> bool:
        """The file starts with the title line (so a message before 消息对象 is damage)."""
        with ctx.path.open("rb") as probe:
            head = probe.read(4096)
        return head.decode(_encoding(head), "ignore").lstrip("\ufeff").strip().startswith(TITLE)

    def _names(self, ctx: ImportContext) -> dict[str, set[str]]:
        """Nickname → QQ numbers, from every sender in the file: system lines name people by
        nickname, and a newcomer's join line comes before their first message."""
        names: dict[str, set[str]] = {}
        for b in self._blocks(ctx, counted=False):
            if isinstance(b, Block) and b.user not in SYSTEM_IDS and b.name:
                names.setdefault(b.name, set()).add(b.user)
        return names

    def _read(self, ctx: ImportContext, names: dict[str, set[str]]) -> Iterator[Item]:
        chat: str | None = None
        titled = self._titled(ctx)
        seen: dict[str, int] = {}
        skipped = 0
        by_name: set[str] = set()

        def person(name: str) -> tuple[str, str]:
            name = name.strip()
            found = re.match(r"^(.*?)\((\d{4,12})\)$", name)
            if found:
                return identity_key("qq", found.group(2)), found.group(1)
            qq = names.get(name, set())
            if len(qq) == 1:
                return identity_key("qq", next(iter(qq))), name
            by_name.add(name)
            return identity_key("qq", f"name:{name}"), name

        for b in self._blocks(ctx, counted=True):
            if isinstance(b, Chat):
                chat = b.name
                titled = b.titled
                continue
            ctx.record()
            if isinstance(b, Bad):
                yield Rejected(str(b.line), b.reason, "\n".join(b.lines)[:500])
                continue
            if chat is None and titled:
                raise InputFormatError(
                    str(ctx.path), b.line, Said("message before any 消息对象: line")
                )
            if chat is None:
                chat = _chat_name(ctx.path)
                ctx.note(
                    Said("no 消息对象: line: the chat is named after the file, {chat!r}", chat=chat)
                )
            text = b.text
            raw = f"{b.at.isoformat()}\x1f{b.user}\x1f{text}"
            digest = hashlib.sha256(raw.encode()).hexdigest()[:20]
            ref = f"{digest}-{seen.get(digest, 0)}"
            seen[digest] = seen.get(digest, 0) + 1
            base: dict[str, Any] = {
                "occurred_at": ctx.localize(b.at),
                "community": ctx.community,
                "source": f"qq-export:{chat}",
                "group": ctx.group_for(_chat_id(chat), chat),
            }
            try:
                if b.user in SYSTEM_IDS:
                    events = list(_system(text, base, ref, person))
                    skipped += not events
                    if not events:
                        ctx.ignore("QQ system messages with no event kind (recalls, notices)")
                    yield from events
                    continue
                mentions = [k for k, _ in (person(m) for m in _MENTION.findall(text))
                            if not k.startswith("qq:name:")]  # fmt: skip
                media = bool(_MEDIA.search(text))
                words = _MEDIA.sub("", text).strip()
                data = message_data(words, has_media=media, mentions=mentions, actor_name=b.name)
                actor = identity_key("qq", b.user)
                yield Event("message.posted", source_ref=ref, actor=actor, data=data, **base)
            except ShequnError as e:
                yield Rejected(str(b.line), e.message, text[:500])
        if skipped:
            ctx.note(
                Said("skipped {n} QQ system messages with no event kind (recalls, notices)",
                     n=skipped)
            )  # fmt: skip
        if by_name:
            ctx.note(
                Said(
                    "{n} people named in QQ system messages could not be matched to a QQ "
                    "number and are keyed by nickname (qq:name:…)",
                    n=len(by_name),
                )
            )


def _system(text: str, base: dict[str, Any], ref: str, person: Any) -> Iterator[Event]:
    """A ``系统消息`` line → membership events (nothing for recalls and other notices)."""
    line = text.strip().rstrip("。.")
    for kind, pattern in _SYS:
        m = pattern.match(line)
        if m is None:
            continue
        if kind == "invited":
            by, by_name = person(m.group(1))
            who, who_name = person(m.group(2))
            data = {"channel": "invite", "inviter": by, "actor_name": who_name}
            yield Event("member.joined", source_ref=ref, actor=who, data=data, **base)
            data = {"channel": "invite", "actor_name": by_name, "subject_name": who_name}
            yield Event(
                "member.invited", source_ref=f"{ref}.1", actor=by, subject=who, data=data, **base
            )
        elif kind == "joined":
            who, who_name = person(m.group(1))
            data = {"actor_name": who_name}
            yield Event("member.joined", source_ref=ref, actor=who, data=data, **base)
        elif kind == "left":
            who, who_name = person(m.group(1))
            data = {"actor_name": who_name}
            yield Event("member.left", source_ref=ref, actor=who, data=data, **base)
        else:
            who, who_name = person(m.group(1))
            remover = m.group(2)
            by, by_name = (None, None) if remover == "管理员" else person(remover)
            data = {"subject_name": who_name} | ({"actor_name": by_name} if by_name else {})
            yield Event("member.removed", source_ref=ref, actor=by, subject=who, data=data, **base)
        return


def _chat_name(path: Path) -> str:
    """A chat's name when the header block was stripped: the file's (QQ names it so)."""
    return path.stem.strip() or "qq"


def _chat_id(name: str) -> str:
    return "qq-" + hashlib.sha256(name.encode()).hexdigest()[:10]

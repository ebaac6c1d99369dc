"""WeChat group history, from the CSV files the common desktop exporters write.

WeChat itself exports nothing; the open-source tools read the decrypted PC database (``MSG.db``,
one row per message with ``Type``/``SubType``/``StrContent``) and write it out. Two are known:

* **MemoTrace / 留痕 (LC044/WeChatMsg) v1.0–v2.0.x**, "导出聊天记录 → CSV": ``<备注>_utf8.csv``
  (UTF-8 with BOM) with ``localId, TalkerId, Type, SubType, IsSender, CreateTime, Status,
  StrContent, StrTime, Remark, NickName, Sender`` (``app/util/exporter/exporter_csv.py``; for a
  group the last three are the sender's remark, nickname and wxid, ``app/DataBase/msg.py``
  ``parser_chatroom_message``). ``localId`` and ``TalkerId`` are *not* stable: MemoTrace merges
  the ``MSG0..n.db`` shards into a fresh table on every decrypt (``app/DataBase/merge.py``
  inserts without ``localId`` and copies each shard's own ``TalkerId``), so messages are keyed by
  a hash of their content instead, and the chat by the file's name.
* **PyWxDump 3.x (xaoyaoo/PyWxDump)**, web UI "导出 → CSV": ``<chatroom>_<from>_<to>.csv``
  with ``id, MsgSvrID, type_name, is_sender, talker, room_name, msg, src, CreateTime``
  (``pywxdump/api/export/exportCSV.py``; ``id`` is a ``ROW_NUMBER()``, ``MsgSvrID`` the server's
  id, which we use; ``type_name`` from ``common_utils.type_converter``).

System lines (``Type`` 10000) name people by display name; the wordings follow the wechaty
puppets' regexes and bots that parse them: ``"A"邀请"B"加入了群聊``,
``"B"通过扫描"A"分享的二维码加入群聊``, ``"B"通过"A"的邀请二维码加入群聊``, ``你将"B"移出了群聊``,
``"A"修改群名为“X”``, red envelope notices ``<img src="SystemMessages_HongbaoIcon.png"/>
A领取了你的<_wc_custom_link_ href="weixin://weixinhongbao/opendetail?sendid=…">红包
</_wc_custom_link_>``, and the ``<sysmsg type="sysmsgtemplate">`` XML form (templates such as
``"$username$"邀请"$names$"加入了群聊`` with member lists that carry wxids).
docs/import/wechat.md has the tables.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shequn.errors import InputFormatError, ShequnError
from shequn.ingest.base import ImportContext, Item, Rejected
from shequn.ingest.shape import csv_problem
from shequn.ingest.text import message_data
from shequn.ingest.wechat_cells import LABELS, Times, file_encoding, old_content
from shequn.ingest.wechat_system import Names, SystemLine, parse_system
from shequn.model.events import Event, identity_key
from shequn.model.i18n import Said, told

MEMOTRACE = [
    "localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status",
    "StrContent", "StrTime", "Remark", "NickName", "Sender",
]  # fmt: skip
PYWXDUMP = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src",
            "CreateTime"]  # fmt: skip
MEDIA_TYPES = {3: "图片", 34: "语音", 43: "视频", 47: "动画表情", 48: "位置", 42: "名片"}
# PyWxDump writes a Chinese type name instead of the numbers: map back what we need.
PYWXDUMP_TYPES = {
    "文本": (1, 0), "图片": (3, 0), "语音": (34, 0), "视频": (43, 0), "动画表情": (47, 0),
    "位置": (48, 0), "推荐公众号": (42, 0), "文件": (49, 6), "(分享)卡片式链接": (49, 5),
    "引用回复": (49, 57), "合并转发的聊天记录": (49, 19), "系统通知": (10000, 0),
    "拍一拍": (10000, 4), "邀请加群": (10000, 8000), "转账": (49, 2000),
}  # fmt: skip
RED_ENVELOPE_TYPES = {(49, 2001), (436207665, 0)}
RED_ENVELOPE_TEXT = "收到红包，请在手机上查看"
_MENTION = re.compile(r"@([^\s@\u2005]+)[\u2005 ]")
_SENDID = re.compile(r"sendid=(\d+)")
_URL_TAG = re.compile(r"<url>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</url>", re.DOTALL)
_TITLE = re.compile(r"<title>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</title>", re.DOTALL)


@dataclass(slots=True)
class Row:
    """One exported message, whichever exporter wrote it."""

    line: int
    ref: str | None  # server id when the export has one
    type: int
    subtype: int
    is_sender: bool
    at: datetime
    text: str
    sender: str  # wxid, "" when the export has none
    name: str  # sender's display name, "" when the export has none
    link: str = ""
    room: str = ""  # the chat's id (xxx@chatroom) when the export has it


PYWXDUMP_OLD = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "content",
                "CreateTime"]  # fmt: skip
"""PyWxDump before the 3.x web export (``dbpreprocess/export/exportCSV.py``, 2024-04): 8 columns,
``content`` a JSON object ``{"src": …, "msg": …}``."""


def _layout(header: list[str]) -> str | None:
    if header == MEMOTRACE or header == MEMOTRACE[:9]:
        return "memotrace"
    if header == PYWXDUMP:
        return "pywxdump"
    return "pywxdump-old" if header == PYWXDUMP_OLD else None


def _memotrace_row(rec: list[str], line: int) -> Row:
    sender = rec[11].split(":")[0] if len(rec) > 11 else ""
    return Row(
        line=line,
        ref=None,
        type=int(rec[2]),
        subtype=int(rec[3] or 0),
        is_sender=rec[4].strip() == "1",
        at=datetime.fromtimestamp(int(rec[5]), UTC),
        text=rec[7],
        sender=sender,
        name=(rec[10] or rec[9]) if len(rec) > 11 and rec[10] != sender else "",
    )


def _pywxdump_row(rec: list[str], line: int, ctx: ImportContext, times: Times) -> Row:
    if len(rec) == len(PYWXDUMP_OLD):  # content is {"src": …, "msg": …}: spread it out
        msg, src = old_content(rec[6])
        rec = [*rec[:6], msg, src, rec[7]]
    type_, sub = PYWXDUMP_TYPES.get(rec[2], (0, 0))
    if rec[2].startswith("消息撤回"):
        type_ = 10002
    talker = rec[4] if rec[4] not in ("未知", "系统", "我") else ""
    svr = rec[1].strip()
    return Row(
        line=line,
        # a spreadsheet writes a 19-digit id as 7.16E+18: no longer an id, hash the content
        ref=svr if svr.isdigit() and svr != "0" else None,
        type=type_,
        subtype=sub,
        is_sender=rec[3].strip() == "1",
        at=ctx.localize(times.parse(rec[8])),
        text=rec[6],
        sender=talker,
        name="",
        link=rec[7] if rec[7].startswith("http") else "",
        room=rec[5].strip(),
    )


class WeChatImporter:
    """``shequn import`` for WeChat group CSVs written by MemoTrace/留痕 or PyWxDump."""

    name = "wechat"
    description = "WeChat group CSV from MemoTrace/留痕 (v1–2.0) or PyWxDump (3.x)"

    def sniff(self, path: Path, head: bytes) -> bool:
        first = head.split(b"\n", 1)[0].decode("utf-8-sig", "replace").strip()
        try:
            header = next(csv.reader([first]))
        except (csv.Error, StopIteration):
            return False
        return _layout(header) is not None

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

    def _rows(self, ctx: ImportContext, *, counted: bool) -> Iterator[Row | Rejected]:
        """Every row, normalised; the header decides the exporter."""
        raw = ctx.open(ctx.path, lines=True, counted=counted)
        encoding = file_encoding(ctx.path)
        if counted and encoding == "gb18030":
            ctx.note(Said("read as GB18030 (the file is not UTF-8: saved by a spreadsheet?)"))
        times = Times()
        with io.TextIOWrapper(raw, encoding=encoding, newline="") as fp:
            reader = csv.reader(fp, strict=True)
            try:
                header = next(reader, [])
                layout = _layout(header)
                if layout is None:
                    raise InputFormatError(
                        str(ctx.path), 1, Said("not a MemoTrace/留痕 or PyWxDump CSV header "
                        "(expected {memotrace}, {pywxdump} or {old})",
                        memotrace=",".join(MEMOTRACE), pywxdump=",".join(PYWXDUMP),
                        old=",".join(PYWXDUMP_OLD)),
                    )  # fmt: skip
                if layout == "memotrace" and len(header) == 9:
                    raise InputFormatError(
                        str(ctx.path), 1, Said("MemoTrace CSV without the Remark, NickName, "
                        "Sender columns (before Dec 2023) has no senders; export again with v1.0 "
                        "or later"),
                    )  # fmt: skip
                width = len(header)
                for rec in reader:
                    n = reader.line_num
                    if not rec:
                        continue
                    if len(rec) != width:
                        why = Said("{n} columns, expected {width}", n=len(rec), width=width)
                        yield Rejected(str(n), why, ",".join(rec))
                        continue
                    try:
                        yield (
                            _memotrace_row(rec, n)
                            if layout == "memotrace"
                            else _pywxdump_row(rec, n, ctx, times)
                        )
                    except (ValueError, OverflowError, OSError) as e:
                        why = Said("unreadable field: {error}", error=told(e))
                        yield Rejected(str(n), why, ",".join(rec))
                if counted:
                    times.note(ctx)
            except UnicodeDecodeError as e:
                raise InputFormatError(
                    str(ctx.path),
                    reader.line_num + 1,
                    Said("not {encoding}: {error}", encoding=LABELS[encoding], error=str(e)),
                ) from e
            except csv.Error as e:
                raise InputFormatError(
                    str(ctx.path),
                    reader.line_num,
                    Said("broken CSV: {problem}", problem=csv_problem(e)),
                ) from e

    def _names(self, ctx: ImportContext) -> Names:
        """A first pass: who is who. Join lines come before the newcomer's first message, so
        names seen anywhere in the file are collected before events are made (memory grows with
        the number of members, not of messages)."""
        names = Names()
        for row in self._rows(ctx, counted=False):
            if isinstance(row, Row) and row.sender:
                if row.is_sender:
                    names.me = row.sender
                elif row.name:
                    names.add(row.name, row.sender)
        return names

    def _read(self, ctx: ImportContext, names: Names) -> Iterator[Item]:
        chat = _chat_name(ctx.path)
        group: str | None = None
        source = ""
        seen: dict[str, int] = {}
        skipped: dict[str, int] = {}
        for row in self._rows(ctx, counted=True):
            ctx.record()
            if isinstance(row, Rejected):
                yield row
                continue
            if group is None:
                room = row.room
                source = f"wechat-export:{room or chat}"
                group = ctx.group_for(room, None) if room else ctx.group_for(_short_id(chat), chat)
            ref = row.ref or _content_ref(row, seen)
            before = sum(skipped.values())
            try:
                made = list(self._events(ctx, row, names, group, source, ref, skipped))
            except ShequnError as e:  # InvalidEvent: the row does not make a valid event
                yield Rejected(str(row.line), e.message, row.text[:500])
                continue
            if not made and sum(skipped.values()) == before:  # e.g. "你" joined, exporter unknown
                skipped["system messages about people shequn cannot key"] = (
                    skipped.get("system messages about people shequn cannot key", 0) + 1
                )
            yield from made
        for what, n in sorted(skipped.items()):
            ctx.note(Said("skipped {n} WeChat {what} (no event kind for them)", n=n, what=what))
            ctx.ignore(f"WeChat {what}", n)
        if names.by_name_used:
            ctx.note(
                Said(
                    "some people in WeChat system lines could not be matched to a wxid and are "
                    "keyed by display name (wechat:name:…); merge them with `shequn members merge`"
                )
            )

    def _events(
        self, ctx: ImportContext, row: Row, names: Names, group: str, source: str, ref: str,
        skipped: dict[str, int],
    ) -> Iterator[Event]:  # fmt: skip
        made = 0

        def event(kind: str, actor: str | None, subject: str | None = None, **data: Any) -> Event:
            nonlocal made  # one row can make several events: later ones get .1, .2 …
            key = ref if made == 0 else f"{ref}.{made}"
            made += 1
            clean = {k: v for k, v in data.items() if v is not None}
            return Event(kind, row.at, ctx.community, source, key, group, actor, subject, clean)

        sender = row.sender or (names.me if row.is_sender else None)
        author = identity_key("wechat", sender) if sender else None
        name = row.name or None
        if (row.type, row.subtype) in RED_ENVELOPE_TYPES or row.text.strip() == RED_ENVELOPE_TEXT:
            found = _SENDID.search(row.text)
            if author is not None:
                envelope = found.group(1) if found else f"wechat:{ref}"
                yield event("redenvelope.sent", author, envelope=envelope, actor_name=name)
                return
        if row.type in (10000, 10002):
            line = parse_system(row.text, names)
            what = "system messages of other kinds" if line is None else line.name
            if line is None or line.kind == "skip":
                skipped[str(what)] = skipped.get(str(what), 0) + 1
                return
            if line.kind == "grabbed" and line.name is None:
                line.name = f"wechat:{ref}"
            yield from _system_events(line, event)
            return
        if author is None:
            skipped["messages without a sender"] = skipped.get("messages without a sender", 0) + 1
            return
        text, media = _content(row)
        mentions = [k for k in (names.key(m) for m in _MENTION.findall(text + " ")) if k]
        data = message_data(text, has_media=media, mentions=mentions, actor_name=name)
        yield event("message.posted", author, **data)


def _system_events(line: SystemLine, event: Any) -> Iterator[Event]:
    """Events for one parsed system line (``event`` builds them with the row's keys)."""
    by, by_name = line.actor, line.actor_name
    for who, who_name in line.subjects:
        if line.kind == "renamed":
            break
        if line.kind == "joined":
            yield event("member.joined", who, channel=line.channel, inviter=by, actor_name=who_name)
            if by is not None and by != who:
                yield event(
                    "member.invited", by, who, channel=line.channel,
                    actor_name=by_name, subject_name=who_name,
                )  # fmt: skip
        elif line.kind == "left":
            yield event("member.left", who, actor_name=who_name)
        elif line.kind == "removed":
            yield event("member.removed", by, who, actor_name=by_name, subject_name=who_name)
        elif line.kind == "grabbed":
            yield event(
                "redenvelope.grabbed", who, by, envelope=line.name,
                actor_name=who_name, subject_name=by_name,
            )  # fmt: skip
    if line.kind == "renamed":
        yield event("group.renamed", by, name=line.name, actor_name=by_name)


def _content(row: Row) -> tuple[str, bool]:
    """(text, has media): text messages as they are; media rows carry XML or a label, not
    words, so they count as media with no text; app messages keep their title and link."""
    if row.type == 1:
        return row.text, False
    if row.type == 49:
        found = _TITLE.search(row.text)
        title = found.group(1).strip() if found else row.text.split("<a href", 1)[0].strip()
        if title.startswith("<"):
            title = ""
        if row.subtype == 57:
            title = title.split("\n\n[引用]", 1)[0]
        url = _URL_TAG.search(row.text)
        link = row.link or (url.group(1).strip() if url else "")
        text = " ".join(t for t in (title, link) if t)
        return text, row.subtype not in (5, 57)
    return "", True


def _content_ref(row: Row, seen: dict[str, int]) -> str:
    """A key that survives re-exports: hash of time, sender, type and text, plus how often that
    same hash came before in this file (two identical messages in one second)."""
    raw = f"{int(row.at.timestamp())}\x1f{row.sender}\x1f{row.type}/{row.subtype}\x1f{row.text}"
    digest = hashlib.sha256(raw.encode()).hexdigest()[:20]
    n = seen.get(digest, 0)
    seen[digest] = n + 1
    return f"{digest}-{n}"


def _chat_name(path: Path) -> str:
    """MemoTrace names the file ``<备注>_utf8.csv`` after the chat; keep the name."""
    return re.sub(r"_utf8$", "", path.stem) or path.stem


def _short_id(name: str) -> str:
    return "wx-" + hashlib.sha256(name.encode()).hexdigest()[:10]

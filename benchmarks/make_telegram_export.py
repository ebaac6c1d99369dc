"""A realistic Telegram Desktop JSON export of one busy group, for import benchmarks and tests.

    python benchmarks/make_telegram_export.py                       # 1,000,000 messages
    python benchmarks/make_telegram_export.py -n 20000 -o /tmp/result.json --members 300
    python benchmarks/make_telegram_export.py --account             # full-account shape

The file has the shape Telegram Desktop writes for "Export chat history" in machine-readable
JSON (``result.json``: ``name``, ``type``, ``id``, ``messages``), or with ``--account`` the
shape of "Export Telegram data" (``about``, ``personal_information``, ``chats.list``). The
messages are what a big supergroup produces over a year or two: a founder creates the group,
~2,000 people join (added by admins, through invite links, or by themselves), some leave or
are removed and a few come back; members talk with replies, links, mentions, photos,
stickers, forwards, edits, reactions (``recent`` reactors as the 2024+ exporters write them),
pins and the odd title change; a few posts come from the group itself (anonymous admins).
Text is a plain string or a list of strings and entity objects, with ``text_entities``.

Output is deterministic for a seed and written line by line with orjson (one message a line,
no pretty printing), so a million messages take a few seconds and little memory. Times are
local times of a UTC+08:00 exporter (no zone, as Telegram writes them) plus
``date_unixtime``.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

LOCAL = timezone(timedelta(hours=8))
START = datetime(2024, 1, 8, 9, 0, tzinfo=LOCAL)
CHAT_NAME = "Reading Circle 读书会"
CHAT_ID = 1987654321


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_GIVEN = _words(
    "Wei Li Na Jun Mei Hao Yan Lei Fang Jie Ming Xin Yu Tao Ling Bo Qing Hui Lan Ping "
    "Anna Ben Chloe David Emma Felix Grace Henry Iris Jack Kate Leo Mia Noah Olga Paul "
    "Rosa Sam Tina Umar Vera Will Xena Yuri Zoe Ivan Maria Omar Sara Tom Lucy Karl"
)
_FAMILY = _words(
    "Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Hu Zhu Gao Lin He Guo Ma Luo "
    "Smith Jones Brown Garcia Müller Rossi Novak Ivanov Kim Tanaka Silva Dubois Khan"
)
_CN_NAMES = _words(
    "小鹿 阿青 大鹏 清风徐来 潘潘 田野 阿May 王小明 李娜 刘洋 陈静 张伟 晓雯 老周 书虫 "
    "夜读人 木子 一苇 南风 北辰 星河 小满 阿杰 Coco 读书狗 茶叶蛋 半夏 知秋"
)

_DECOR = ("1", "2", "7", "8", "9", " 🌸", " 📚", " ✨", "_", " Jr", " L.", "0")

_SENTENCES = (
    "早上好，今天读到第三章了",
    "这本书的翻译有点问题",
    "有人读过《百年孤独》吗？",
    "Just finished chapter 5, the ending surprised me",
    "What edition are you all using?",
    "我觉得作者的观点很有意思",
    "今晚的分享几点开始？",
    "Thanks for the recommendation!",
    "打卡 day 12 ✅",
    "同意楼上",
    "哈哈哈哈",
    "Can someone explain the part about memory?",
    "I'll post my notes later tonight",
    "周末线下活动有人去吗",
    "收到，谢谢群主",
    "这段话写得太好了，分享一下",
    "Does anyone have the audiobook version?",
    "下一本读什么呢？",
    "推荐大家看看这个访谈",
    "Good point, I hadn't thought of that",
    "请问电子版在哪里下载",
    "我上周也遇到同样的问题",
    "👍",
    "👏👏👏",
    "晚安各位",
    "Welcome to the group!",
    "欢迎新朋友",
    "How do you keep the reading streak going?",
    "讨论得很热烈啊",
    "I disagree, the second half is much stronger",
)
_LINKS = (
    "https://example.org/books/one-hundred-years",
    "https://mp.weixin.qq.com/s/k3Jd8Qm2TfZr",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://en.wikipedia.org/wiki/Reading",
    "https://t.me/readingcircle/1024",
    "https://book.douban.com/subject/6082808/",
)
_EMOJI = ("👍", "❤", "🔥", "😁", "👏", "🙏", "🤔", "😢")
_STICKER_EMOJI = ("😀", "👍", "🥰", "😂", "🙏")


@dataclass(eq=False)
class Member:
    uid: int
    name: str | None  # None: a deleted account, exported as "from": null
    admin: bool = False
    active: bool = False
    fid: str = ""  # "user<uid>", as from_id

    def __post_init__(self) -> None:
        self.fid = f"user{self.uid}"


@dataclass
class State:
    rng: random.Random
    members: list[Member]
    unjoined: list[Member]
    active: list[Member] = field(default_factory=list)
    left: list[Member] = field(default_factory=list)
    recent: list[int] = field(default_factory=list)  # ids of recent ordinary messages
    next_id: int = 1
    now: float = 0.0


def make_members(rng: random.Random, n: int) -> list[Member]:
    """``n`` people with distinct ids; about 2% share a display name with someone else (as in
    real groups: two "Alex"), and the last account is deleted (exported with no name)."""
    ids = rng.sample(range(100_000_000, 7_999_999_999), n)
    members = []
    used: set[str] = set()
    for i, uid in enumerate(ids):
        r = rng.random()
        if r < 0.3:
            name = rng.choice(_CN_NAMES)
        elif r < 0.9:
            name = f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}"
        else:
            name = rng.choice(_GIVEN)
        while name in used and rng.random() > 0.02:
            name = f"{name}{rng.choice(_DECOR)}"
        used.add(name)
        members.append(Member(uid, name, admin=i < 6))
    if n > 20:
        members[-1].name = None  # a deleted account
    return members


_HOURS: dict[int, str] = {}
_MMSS = [f"{i // 60:02d}:{i % 60:02d}" for i in range(3600)]
_OFFSET = int(LOCAL.utcoffset(None).total_seconds())  # type: ignore[union-attr]


def _local(ts: int) -> str:
    """The exporter's local time without a zone, as Telegram writes ``date``."""
    hour, rest = divmod(ts + _OFFSET, 3600)
    prefix = _HOURS.get(hour)
    if prefix is None:
        prefix = _HOURS[hour] = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H:")
    return prefix + _MMSS[rest]


def _base(st: State, kind: str) -> dict[str, Any]:
    ts = int(st.now)
    msg = {
        "id": st.next_id,
        "type": kind,
        "date": _local(ts),
        "date_unixtime": str(ts),
    }
    st.next_id += 1
    return msg


def _text(st: State) -> tuple[Any, list[dict[str, Any]]]:
    """(``text``, ``text_entities``) the way the exporter writes them."""
    rng = st.rng
    r = rng.random()
    sentence = _SENTENCES[int(rng.random() * len(_SENTENCES))]
    if r < 0.72:
        return sentence, [{"type": "plain", "text": sentence}]
    if r < 0.84:
        url = _LINKS[int(rng.random() * len(_LINKS))]
        parts: list[Any] = [sentence + " ", {"type": "link", "text": url}]
    elif r < 0.90:
        who = st.active[int(rng.random() * len(st.active))]
        shown = who.name or "Deleted Account"
        parts = [{"type": "mention_name", "text": shown, "user_id": who.uid}, " " + sentence]
    elif r < 0.94:
        parts = [
            {"type": "text_link", "text": "这篇文章", "href": _LINKS[0]},
            "，" + sentence,
        ]
    elif r < 0.97:
        parts = [{"type": "mention", "text": "@readingbot"}, " /checkin"]
    else:
        tag = {"type": "hashtag", "text": "#打卡"}
        parts = [{"type": "bold", "text": "重要："}, sentence, " ", tag]
    entities = [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts]
    return parts, entities


def _actor(msg: dict[str, Any], m: Member, key: str = "actor") -> None:
    msg[key] = m.name
    msg[key + "_id"] = m.fid


def _pick_active(st: State) -> Member:
    # Early joiners talk more: a power curve over the join order.
    return st.active[int(len(st.active) * st.rng.random() ** 2.2)]


def _admin(st: State) -> Member:
    admins = [m for m in st.active if m.admin] or st.active
    return admins[int(st.rng.random() * len(admins))]


def _join(st: State, m: Member) -> None:
    m.active = True
    st.active.append(m)


def _leave(st: State, m: Member) -> None:
    m.active = False
    st.active.remove(m)
    st.left.append(m)


def service_create(st: State) -> dict[str, Any]:
    founder = st.unjoined.pop(0)
    first = [st.unjoined.pop(0) for _ in range(min(5, len(st.unjoined)))]
    msg = _base(st, "service")
    _actor(msg, founder)
    msg["action"] = "create_group"
    msg["title"] = CHAT_NAME
    msg["members"] = [m.name for m in first]
    msg["text"] = ""
    msg["text_entities"] = []
    _join(st, founder)
    for m in first:
        _join(st, m)
    return msg


def service_join(st: State) -> dict[str, Any]:
    rng = st.rng
    msg = _base(st, "service")
    if st.left and (not st.unjoined or rng.random() < 0.15):  # back through a link
        m = st.left.pop(int(rng.random() * len(st.left)))
        how = 0.5
    else:
        m = st.unjoined.pop(int(rng.random() * len(st.unjoined)))
        how = rng.random()
    if how < 0.35:
        inviter = _admin(st) if rng.random() < 0.7 else _pick_active(st)
        _actor(msg, inviter)
        msg["action"] = "invite_members"
        batch = [m]
        while st.unjoined and rng.random() < 0.25:  # an admin adds several at once
            batch.append(st.unjoined.pop(int(rng.random() * len(st.unjoined))))
        msg["members"] = [b.name for b in batch]
        for b in batch:
            _join(st, b)
    elif how < 0.8:
        _actor(msg, m)
        msg["action"] = "join_group_by_link"
        msg["inviter"] = _admin(st).name
        _join(st, m)
    else:
        _actor(msg, m)  # joined a public group by themselves
        msg["action"] = "invite_members"
        msg["members"] = [m.name]
        _join(st, m)
    msg["text"] = ""
    msg["text_entities"] = []
    return msg


def service_leave(st: State) -> dict[str, Any] | None:
    rng = st.rng
    candidates = len(st.active)
    if candidates < 20:
        return None
    m = st.active[int(candidates * rng.random())]
    if m.admin:
        return None
    msg = _base(st, "service")
    if rng.random() < 0.2:
        _actor(msg, _admin(st))  # removed by an admin
    else:
        _actor(msg, m)  # left by themselves
    msg["action"] = "remove_members"
    msg["members"] = [m.name]
    msg["text"] = ""
    msg["text_entities"] = []
    _leave(st, m)
    return msg


def service_other(st: State) -> dict[str, Any]:
    rng = st.rng
    msg = _base(st, "service")
    _actor(msg, _admin(st))
    r = rng.random()
    if r < 0.85 and st.recent:
        msg["action"] = "pin_message"
        msg["message_id"] = st.recent[int(rng.random() * len(st.recent))]
    elif r < 0.95:
        msg["action"] = "edit_group_title"
        msg["title"] = rng.choice((CHAT_NAME, "Reading Circle 读书会 🔥", "读书会 · 2024"))
    else:
        msg["action"] = "group_call"
        msg["duration"] = rng.randrange(60, 5400)
    msg["text"] = ""
    msg["text_entities"] = []
    return msg


def ordinary(st: State) -> dict[str, Any]:
    rand = st.rng.random
    active = st.active
    ts = int(st.now)
    msg_id = st.next_id
    st.next_id = msg_id + 1
    if rand() < 0.005:  # an anonymous admin posts as the group
        name, from_id = CHAT_NAME, f"channel{CHAT_ID}"
    else:
        m = active[int(len(active) * rand() ** 2.2)]  # early joiners talk more
        name, from_id = m.name, m.fid
    msg = {
        "id": msg_id,
        "type": "message",
        "date": _local(ts),
        "date_unixtime": str(ts),
        "from": name,
        "from_id": from_id,
    }
    r = rand()
    if r < 0.05:
        if r < 0.03:
            edited = int(st.now) + 30 + int(rand() * 3600)
            msg["edited"] = _local(edited)
            msg["edited_unixtime"] = str(edited)
        else:
            msg["forwarded_from"] = st.rng.choice(("Reading Daily", "豆瓣读书", None, "Anna Smith"))
    if rand() < 0.18 and st.recent:
        msg["reply_to_message_id"] = st.recent[int(rand() * len(st.recent))]
    r = rand()
    if r >= 0.10:
        text, entities = _text(st)
    elif r < 0.06:
        msg["photo"] = f"photos/photo_{msg['id']}@{msg['date'][:10]}.jpg"
        msg["photo_file_size"] = 20_000 + int(rand() * 380_000)
        msg["width"], msg["height"] = 1280, 960
        text, entities = _text(st) if rand() < 0.4 else ("", [])
    elif r < 0.09:
        msg["file"] = "(File not included. Change data exporting settings to download.)"
        msg["file_size"] = 10_000 + int(rand() * 50_000)
        msg["media_type"] = "sticker"
        msg["sticker_emoji"] = _STICKER_EMOJI[int(rand() * len(_STICKER_EMOJI))]
        msg["width"], msg["height"] = 512, 512
        text, entities = "", []
    else:
        msg["file"] = f"voice_messages/audio_{msg['id']}.ogg"
        msg["file_size"] = 5_000 + int(rand() * 195_000)
        msg["media_type"] = "voice_message"
        msg["mime_type"] = "audio/ogg"
        msg["duration_seconds"] = 2 + int(rand() * 88)
        text, entities = "", []
    msg["text"] = text
    msg["text_entities"] = entities
    if rand() < 0.1:
        msg["reactions"] = _reactions(st)
    recent = st.recent
    recent.append(msg["id"])
    if len(recent) > 60:
        del recent[:20]
    return msg


def _reactions(st: State) -> list[dict[str, Any]]:
    rand = st.rng.random
    active = st.active
    now = int(st.now)
    first = int(rand() * len(_EMOJI))
    kinds = [_EMOJI[first]]
    if rand() < 0.3:
        kinds.append(_EMOJI[(first + 1 + int(rand() * (len(_EMOJI) - 1))) % len(_EMOJI)])
    out = []
    for emoji in kinds:
        recent = []
        seen = set()
        for _ in range(1 + int(rand() * 3)):
            who = active[int(len(active) * rand() ** 2.2)]
            if who.uid in seen:
                continue
            seen.add(who.uid)
            when = _local(now + 5 + int(rand() * 7200))
            recent.append({"from": who.name, "from_id": who.fid, "date": when})
        count = len(recent) + (1 + int(rand() * 5) if rand() < 0.15 else 0)
        out.append({"type": "emoji", "count": count, "emoji": emoji, "recent": recent})
    return out


def messages(n: int, *, members: int = 2_000, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``n`` messages (service and ordinary) of one group, in id and time order."""
    rng = random.Random(seed)
    people = make_members(rng, members)
    st = State(rng=rng, members=people, unjoined=list(people), now=START.timestamp())
    # Nearly everyone has joined by 70% of the history; ~15% of joiners leave again.
    join_p = (members - 6) / max(n * 0.7, 1)
    leave_p = join_p * 0.15
    gap = max(1.0, 540 * 86_400 / max(n, 1))  # about a year and a half of history
    rand, log = rng.random, math.log
    produced = 0
    if n:
        yield service_create(st)
        produced = 1
    while produced < n:
        st.now += 1 - log(1.0 - rand()) * gap  # exponential gaps
        r = rand()
        item: dict[str, Any] | None
        if r < join_p:
            item = service_join(st) if st.unjoined or st.left else ordinary(st)
        elif r < join_p + leave_p:
            item = service_leave(st)
        elif r < join_p + leave_p + 0.0015:
            item = service_other(st)
        else:
            item = ordinary(st)
        if item is not None:
            yield item
            produced += 1


def write_export(
    path: Path, n: int, *, members: int = 2_000, seed: int = 7, account: bool = False
) -> int:
    """Write the export to ``path``; returns the number of bytes written."""
    dumps = orjson.dumps
    head = {"name": CHAT_NAME, "type": "private_supergroup", "id": CHAT_ID}
    written = 0
    with path.open("wb", buffering=1 << 20) as fp:
        if account:
            fp.write(
                b'{\n "about": "Here is the data you requested. Remember: Telegram is ad free, '
                b'it doesn\'t collect your data for advertising.",\n "personal_information": '
                + dumps(
                    {
                        "user_id": 4242,
                        "first_name": "Export",
                        "last_name": "Owner",
                        "phone_number": "+86 138 0000 0000",
                        "bio": "",
                    }
                )
                + b',\n "chats": {\n  "about": "This page lists all chats from this export.",'
                b'\n  "list": [\n'
                + dumps({"name": "Mum", "type": "personal_chat", "id": 777, "messages": []})
                + b",\n"
            )
        fp.write(dumps(head)[:-1] + b', "messages": [')
        sep = b"\n"
        buf: list[bytes] = []
        for msg in messages(n, members=members, seed=seed):
            buf.append(sep)
            buf.append(dumps(msg))
            sep = b",\n"
            if len(buf) >= 4096:
                fp.writelines(buf)
                buf.clear()
        fp.writelines(buf)
        fp.write(b"\n]}")
        if account:
            fp.write(b"\n  ]\n }\n}")
        fp.write(b"\n")
        written = fp.tell()
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--messages", type=int, default=1_000_000, help="messages to write")
    ap.add_argument("--members", type=int, default=2_000, help="people in the group")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--account", action="store_true", help="full-account export shape")
    ap.add_argument("-o", "--out", type=Path, default=Path("telegram-result.json"))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    size = write_export(
        args.out, args.messages, members=args.members, seed=args.seed, account=args.account
    )
    dt = time.perf_counter() - t0
    print(
        f"{args.out}: {args.messages:,} messages, {size / 1e6:.1f} MB in {dt:.1f}s "
        f"({args.messages / max(dt, 1e-9):,.0f} messages/s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

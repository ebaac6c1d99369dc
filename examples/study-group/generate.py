"""Generate one week of the 读书会 (``study-circle``) community as canonical shequn JSONL.

    python examples/study-group/generate.py > examples/study-group/events.jsonl

The output is the README's first-run demo and a fixture for metrics, so it is deterministic
(``random.Random(2026)``; a rerun is byte-identical) and tries to look like a real week:
Monday 2025-03-03 to Sunday 2025-03-09, Beijing time (+08:00), one event per line in the
order things happened. The groups are those of ``community.toml``: ``main`` (the fan
group), ``camp-21`` (the 9.9 yuan reading camp) and ``senior`` (the paid circle).

What happens:

* Monday morning the founder 林老师 and the two monitors (阿青, 小周) are in the groups
  (``member.joined`` with channel ``founder``/``manager``) and get their roles
  (``role.changed``). 林老师 posts and pins the reading schedule and announces Saturday's
  sharing session (``session.scheduled``).
* A wave of newcomers joins ``main`` on Monday (QR code on the official account, invite
  links, referral posters of the ``spring-2025`` campaign with ``member.invited`` first);
  a trickle follows during the week.
* Chat with a heavy tail (a few people write most messages) and a daily rhythm (morning
  commute, lunch, the 20:00–22:30 peak, quiet nights): questions answered by others,
  replies, mentions, stickers and photos, reactions, shared links.
* ``camp-21``: 15 people pay 9.9 yuan (``payment.made``) and join; 小周 reminds them every
  morning and evening; daily ``checkin.done`` (day 1–7) decays as people drop out, and one
  drop-out leaves the camp group.
* Tuesday an advert without a red envelope gets a warning (``rule.violated``,
  ``moderation.applied``); Thursday a spammer is removed (``member.removed``).
* Wednesday evening a celebration red envelope is sent and grabbed within minutes.
* Thursday night a debate runs past midnight; a quiet member leaves right after it. Another
  newcomer left silently on Tuesday.
* Saturday 20:00 the sharing session is held, with a burst of questions. Afterwards 张伟
  signs up on 知识星球 (a second identity, same display name), buys the 999 yuan yearly
  membership and joins ``senior``; both identities verify the same phone (a fake number,
  hashed by shequn on input), so shequn merges them into one member.

Sources: group facts come from ``wechat-export:study-circle`` (``zsxq-export:…`` for the
知识星球 group), payments and memberships from the shop (``shop:study-circle``).
"""

from __future__ import annotations

import json
import random
import string
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

COMMUNITY = "study-circle"
WECHAT = "wechat-export:study-circle"
ZSXQ = "zsxq-export:study-circle"
SHOP = "shop:study-circle"
CST = timezone(timedelta(hours=8))
MONDAY = date(2025, 3, 3)
DAYS = [MONDAY + timedelta(days=i) for i in range(7)]
CAMP = "camp-21"
SESSION = "share-2025-03-08"
AD_RULE = "advertising without a red envelope"

rng = random.Random(2026)  # noqa: S311  # sample data, not secrets


def words(text: str) -> list[str]:
    return text.split()


# --- the cast ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Person:
    """One identity; ``chat`` is how much they talk in ``main`` (0 = lurker)."""

    key: str
    name: str
    chat: float = 0.0


def wxid() -> str:
    return "wechat:wxid_" + "".join(rng.choices(string.ascii_lowercase + string.digits, k=14))


def person(name: str, chat: float | None = None) -> Person:
    if chat is None:
        chat = rng.choice([0.0, 0.0, 0.3, 0.5, 0.5, 0.8, 1.0, 1.5])
    return Person(wxid(), name, chat)


FOUNDER = person("林老师", 5.0)
AQING = person("阿青（主群班长）", 6.0)
XIAOZHOU = person("小周（打卡营班长）", 1.0)
HEAVY = {"张伟": 10.0, "陈静": 8.0, "大鹏": 6.0, "书虫阿黄": 4.0, "Momo": 3.0, "清风徐来": 2.5}
WAVE = [  # Monday's newcomers
    person(n, HEAVY.get(n))
    for n in words(
        "张伟 陈静 大鹏 小鹿🦌 Momo 王小明 清风徐来 李娜 刘洋 杨帆 赵磊 书虫阿黄 "
        "周末读书人 孙悦 Echo 何佳 吴昊 郑媛 橘子汽水 冯晓 许诺 慢慢 沈青青 马骁"
    )
]
TRICKLE = [  # later in the week
    person(n) for n in words("韩梅梅 唐果 老K 曹雪 邓超凡 夏天 蒋丽 Vivian 袁野 程程 罗一 谢婷")
]
CAMP_ONLY = [person(n, 0.0) for n in ("阿May", "潘潘", "田野", "钟晴")]
LILY = person("好物分享-Lily", 0.0)
SPAMMER = person("兼职小助手", 0.0)
ZHANGWEI = WAVE[0]
ZHANGWEI_ZSXQ = Person("knowledge_planet:" + str(rng.randrange(10**10, 10**11)), "张伟")
XIAOLU = WAVE[3]  # leaves after the Thursday night debate
PHONE = "+86 138 0000 1234"


# --- the event log being written -----------------------------------------------------------
@dataclass
class Ev:
    """An event before its ``source_ref`` is known (refs are numbered in time order)."""

    kind: str
    at: datetime
    prefix: str
    group: str | None
    actor: Person | None
    subject: Person | None
    data: dict[str, Any]
    source: str
    seq: int
    ref: str = ""


@dataclass
class Log:
    events: list[Ev] = field(default_factory=list)
    joined: dict[tuple[str, str], datetime] = field(default_factory=dict)
    ended: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def emit(
        self,
        kind: str,
        at: datetime,
        prefix: str,
        group: str | None,
        actor: Person | None,
        subject: Person | None = None,
        source: str = WECHAT,
        **data: Any,
    ) -> Ev:
        names = {"actor_name": actor.name} if actor else {}
        if subject:
            data["subject_name"] = subject.name
        ev = Ev(kind, at, prefix, group, actor, subject, names | data, source, len(self.events))
        self.events.append(ev)
        return ev

    def present(self, group: str, p: Person, at: datetime) -> bool:
        start, end = self.joined.get((group, p.key)), self.ended.get((group, p.key))
        return start is not None and start < at and (end is None or at < end)

    def join(
        self, group: str, p: Person, at: datetime, channel: str, source: str = WECHAT, **data: Any
    ) -> Ev:
        self.joined[(group, p.key)] = at
        return self.emit(
            "member.joined", at, "join", group, p, source=source, channel=channel, **data
        )

    def leave(self, group: str, p: Person, at: datetime) -> Ev:
        self.ended[(group, p.key)] = at
        return self.emit("member.left", at, "left", group, p)

    def post(
        self,
        group: str,
        p: Person,
        at: datetime,
        text: str | None = None,
        *,
        reply_to: Ev | None = None,
        question: bool = False,
        media: bool = False,
        link: bool = False,
        mentions: tuple[Person, ...] = (),
        source: str = WECHAT,
    ) -> Ev:
        if mentions:
            text = " ".join(f"@{m.name}" for m in mentions) + " " + (text or "")
        data: dict[str, Any] = {"length": len(text or "")}
        if text:
            data["text"] = text
        if reply_to is not None:
            data["reply_to"] = reply_to
        data |= {"has_link": link, "has_media": media, "is_question": question}
        if mentions:
            data["mentions"] = [m.key for m in mentions]
        return self.emit("message.posted", at, "msg", group, p, source=source, **data)

    def react(self, p: Person, msg: Ev, at: datetime) -> Ev:
        emoji = rng.choice(["👍", "👍", "❤️", "🌹", "😂", "🙏", "💪"])
        return self.emit(
            "message.reacted", at, "react", msg.group, p, msg.actor, message=msg, emoji=emoji
        )

    def share(self, group: str, p: Person, at: datetime, url: str, title: str, comment: str) -> Ev:
        msg = self.post(group, p, at, f"{comment} {url}", link=True)
        self.emit(
            "content.shared", at + timedelta(seconds=1), "share", group, p, url=url, title=title
        )
        return msg

    def pick(
        self, group: str, at: datetime, weights: dict[str, float], exclude: tuple[Person, ...] = ()
    ) -> Person | None:
        cands = [
            p
            for p in EVERYONE
            if weights.get(p.key, 0) > 0 and p not in exclude and self.present(group, p, at)
        ]
        if not cands:
            return None
        return rng.choices(cands, [weights[p.key] for p in cands])[0]


EVERYONE = [FOUNDER, AQING, XIAOZHOU, *WAVE, *TRICKLE, *CAMP_ONLY, LILY, SPAMMER]
MAIN_WEIGHTS = {p.key: p.chat for p in EVERYONE}
log = Log()


def at(day: date, hh: int, mm: int, ss: int | None = None) -> datetime:
    sec = rng.randrange(60) if ss is None else ss
    return datetime(day.year, day.month, day.day, hh, mm, sec, tzinfo=CST)


def later(t: datetime, lo: float, hi: float) -> datetime:
    """``t`` plus between ``lo`` and ``hi`` minutes."""
    return t + timedelta(seconds=rng.randint(int(lo * 60), int(hi * 60)))


# How busy each hour 0..23 is: commute, lunch, the evening peak, quiet nights.
WEEKDAY_HOURS = [
    float(w) for w in words("1 .3 0 0 0 .1 .6 2.5 3 1.5 1 1.2 3 2.2 .8 .8 .8 1 1.2 1.8 4 4.5 3 1.2")
]
WEEKEND_HOURS = [
    float(w)
    for w in words("1.5 .5 .1 0 0 0 .1 .4 1 2 2.5 2 1.8 1.2 1.5 1.5 1.5 1.2 1 1.5 4 4.5 3.2 1.8")
]


def clock(day: date, after: int = 0, before: int = 24) -> datetime:
    """A moment of ``day`` following the group's daily rhythm (between the given hours)."""
    hours = WEEKEND_HOURS if day.weekday() >= 5 else WEEKDAY_HOURS
    weights = [w if after <= h < before else 0 for h, w in enumerate(hours)]
    hour = rng.choices(range(24), weights)[0]
    return at(day, hour, rng.randrange(60))


# --- what people say -----------------------------------------------------------------------
BOOK = "《被讨厌的勇气》"
QUESTIONS = [
    (
        f"{BOOK}大家是看纸质书还是电子版？",
        ["纸质书，喜欢划线", "微信读书，通勤方便", "两个都有，家里看纸质的"],
    ),
    (
        "有人读过阿德勒的《自卑与超越》吗？和这本比怎么样？",
        ["读过，那本更像讲座，这本对话体好读很多", "建议先读这本再读那本"],
    ),
    (
        "“课题分离”怎么理解比较好？感觉有点冷漠",
        ["不是不管，是不替别人做决定", "我理解是分清哪些是自己能控制的"],
    ),
    ("微信读书上有这本吗？", ["有的，搜书名就行", "有，体验卡就能看"]),
    (
        "每天读多少页比较合适？我总是读着读着就困了",
        ["先定 10 页，养成习惯再加", "可以试试早上读，晚上太累了"],
    ),
    ("读书笔记大家用什么记？", ["flomo", "直接写在书上哈哈", "备忘录 + 每周整理一次"]),
    (
        "第三夜那段“横向关系”没太看懂，有人能解释一下吗？",
        ["就是不分上下，表扬和批评都是纵向关系", "我也卡在这，周六分享会可以问林老师"],
    ),
    ("有没有适合通勤听的有声书推荐？", ["樊登和得到都有", "喜马拉雅上有这本的精读"]),
    ("群公告里的书单在哪里看？", ["点右上角群公告就有", "置顶消息里有"]),
    ("周六分享会需要提前读完吗？", ["不用，读到第三夜就够了", "林老师说读多少算多少"]),
    ("打卡营现在还能报名吗？", ["可以的，找小周", "还能报，9.9 元"]),
]
STATEMENTS = [
    "早上通勤读了 30 页，“一切烦恼都来自人际关系”这句太扎心了",
    "早安各位📚",
    "午休读了一会儿，对话体读起来好快",
    "刚读完第二夜，哲人和青年吵得好激烈哈哈",
    "“重要的不是被给予了什么，而是如何去利用被给予的东西”，抄下来贴在桌上了",
    "今天加班到九点，只读了 5 页，但好歹读了",
    "这本书适合慢慢读，每天一点",
    "晚上好！今天大家读到哪了？",
    "孩子终于睡了，开始我的读书时间",
    "想起以前总在意别人的评价，读到这里有点释然",
    "青年好像就是当年的我",
    "今天在地铁上看到有人也在读这本，好巧",
    "周末打算把前三夜再读一遍",
]
REPLIES = words(
    "同感！ 哈哈哈一样 +1 我也是这样 说得好 这句我也划线了 坚持就是胜利💪 有道理 学到了 "
    "周末补上 太真实了 我还在第一夜😂"
)
SHARES = [
    (
        "https://mp.weixin.qq.com/s/k3Jd8Qm2TfZr",
        "课题分离的 5 个常见误解",
        "这篇讲课题分离讲得挺清楚",
    ),
    (
        "https://book.douban.com/subject/26369699/",
        "被讨厌的勇气 (豆瓣读书)",
        "豆瓣上的书评也可以看看",
    ),
    (
        "https://www.bilibili.com/video/BV1xK4y1Z7aQ",
        "10 分钟读懂阿德勒心理学",
        "通勤可以听这个视频",
    ),
    ("https://www.xiaohongshu.com/explore/65f0a1c2", "我的读书手帐模板", "分享一个做笔记的模板"),
    ("https://mp.weixin.qq.com/s/Vb7pQw9LmX2e", "为什么我们总是读不完一本书", "这篇说的就是我"),
    ("https://weread.qq.com/web/bookDetail/7f632b", "微信读书｜被讨厌的勇气", "微信读书链接在这"),
]
INTROS = ["大家好，我是{n}，{c}做{j}的，{g}", "hello～{c}{j}一枚，{g}", "大家好！{g}，请多指教🙏"]
CITIES = ["杭州", "上海", "深圳", "北京", "成都", "武汉", "南京", "广州", "西安", "苏州"]
JOBS = ["产品经理", "前端开发", "小学老师", "会计", "HR", "设计师", "医生", "销售", "运营"]
GOALS = [
    "今年想把读书习惯捡回来",
    "想每月读完两本书",
    "想多读点心理学",
    "想找一起读书的朋友",
    "想少刷手机多看书",
]


def intro(p: Person) -> str:
    return rng.choice(INTROS).format(
        n=p.name, c=rng.choice(CITIES), j=rng.choice(JOBS), g=rng.choice(GOALS)
    )


def maybe_react(group: str, msg: Ev, chance: float = 0.08) -> None:
    while rng.random() < chance:
        who = log.pick(
            group, msg.at, {p.key: 1.0 for p in EVERYONE}, exclude=(msg.actor,) if msg.actor else ()
        )
        if who is None:
            return
        log.react(who, msg, later(msg.at, 0.2, 15))
        chance /= 2


def thread(group: str, start: datetime, weights: dict[str, float]) -> None:
    """One conversation: a question, a remark, a photo or a link, and the replies to it."""
    asker = log.pick(group, start, weights)
    if asker is None:
        return
    roll = rng.random()
    answers: list[str] = []
    if roll < 0.3:
        question, answers = rng.choice(QUESTIONS)
        first = log.post(group, asker, start, question, question=True)
    elif roll < 0.75:
        first = log.post(group, asker, start, rng.choice(STATEMENTS))
    elif roll < 0.9:
        caption = rng.choice([None, "今天的进度", "书签好看吗", "划线的这段"])
        first = log.post(group, asker, start, caption, media=True)
    else:
        url, title, comment = rng.choice(SHARES)
        first = log.share(group, asker, start, url, title, comment)
    maybe_react(group, first, 0.25)
    t, last = start, first
    replies = rng.choices(range(7), [3, 3, 3, 2, 1.5, 1, 0.5])[0]
    if answers:
        replies = max(replies, 1)
    for i in range(replies):
        t = later(t, 0.3, 8)
        who = log.pick(group, t, weights, exclude=(last.actor,) if last.actor else ())
        if who is None:
            return
        if i == 0 and answers:
            msg = log.post(group, who, t, rng.choice(answers), reply_to=first, mentions=(asker,))
        elif rng.random() < 0.15:
            msg = log.post(group, who, t, None, media=True)  # a sticker
        else:
            msg = log.post(
                group, who, t, rng.choice(REPLIES), reply_to=last if rng.random() < 0.5 else None
            )
        maybe_react(group, msg)
        last = msg


# --- the week ------------------------------------------------------------------------------
def opening() -> Ev:
    """Monday morning: staff in place, roles, pinned schedule, session announced."""
    mon = MONDAY
    t = at(mon, 7, 58, 12)
    log.join("main", FOUNDER, t, "founder")
    log.join(CAMP, FOUNDER, t + timedelta(seconds=40), "founder")
    log.join("main", AQING, at(mon, 8, 1, 5), "manager", inviter=FOUNDER.key)
    log.join("main", XIAOZHOU, at(mon, 8, 1, 9), "manager", inviter=FOUNDER.key)
    log.join(CAMP, XIAOZHOU, at(mon, 8, 2, 30), "manager", inviter=FOUNDER.key)
    roles = [
        (FOUNDER, None, "owner"),
        (AQING, None, "manager"),
        (XIAOZHOU, None, "manager"),
        (AQING, "main", "group_leader"),
        (XIAOZHOU, CAMP, "group_leader"),
    ]
    for i, (who, group, role) in enumerate(roles):
        log.emit("role.changed", at(mon, 8, 4, 10 * i), "role", group, FOUNDER, who, role=role)
    log.post("main", FOUNDER, at(mon, 8, 8, 0), "欢迎来到读书会！我们的口号是“一起读完一本书”📖")
    schedule = log.post(
        "main",
        FOUNDER,
        at(mon, 8, 10, 30),
        f"【本周共读安排】{BOOK}：周一第一夜、周二第二夜、周三第三夜、周四第四夜、周五第五夜；"
        "周六晚 8 点线上分享会，周日自由讨论。每天读完可以在群里聊聊感受～",
    )
    log.emit("message.pinned", at(mon, 8, 11, 2), "pin", "main", FOUNDER, message=schedule)
    log.post("main", AQING, at(mon, 8, 14, 40), "收到！我是主群班长阿青，有问题随时找我🙋")
    announce = log.post(
        "main",
        FOUNDER,
        at(mon, 12, 31, 0),
        "预告：本周六 3 月 8 日晚 8 点，共读分享会“课题分离与人际关系”，欢迎带着问题来～",
    )
    log.emit(
        "session.scheduled",
        at(mon, 12, 31, 5),
        "session",
        "main",
        FOUNDER,
        session=SESSION,
        title="《被讨厌的勇气》共读分享：课题分离与人际关系",
        starts_at="2025-03-08T20:00:00+08:00",
    )
    maybe_react("main", announce, 0.6)
    return schedule


def arrivals(
    people: list[Person], times: list[datetime], inviters: list[Person], welcome: bool = True
) -> None:
    """Newcomers join ``main`` at ``times``; 阿青 welcomes them, some introduce themselves."""
    for p, t in zip(people, sorted(times), strict=True):
        how = rng.choices(["qr", "invite", "link"], [4, 4, 2])[0]
        if how == "invite":
            ready = t - timedelta(minutes=10)
            inviter = rng.choice([q for q in inviters if log.present("main", q, ready)])
            extra: dict[str, Any] = {"inviter": inviter.key}
            if rng.random() < 0.6:  # a referral poster scanned shortly before the join
                since = max(
                    log.joined[("main", inviter.key)] + timedelta(minutes=1),
                    t - timedelta(minutes=40),
                )
                invited = since + (t - timedelta(minutes=1) - since) * rng.random()
                log.emit(
                    "member.invited",
                    invited.replace(microsecond=0),
                    "invite",
                    "main",
                    inviter,
                    p,
                    channel="poster",
                    campaign="spring-2025",
                )
                extra["campaign"] = "spring-2025"
            log.join("main", p, t, "invite", **extra)
        elif how == "qr":
            log.join("main", p, t, "qr", campaign="公众号文末二维码")
        else:
            log.join("main", p, t, "link")
        inviters.append(p)
        if welcome and rng.random() < 0.4:
            log.post(
                "main",
                AQING,
                later(t, 1, 6),
                "欢迎新朋友～请先看一下群公告和置顶的共读安排",
                mentions=(p,),
            )
        if p.chat > 0 or rng.random() < 0.3:
            msg = log.post("main", p, later(t, 3, 25), intro(p))
            maybe_react("main", msg, 0.3)


def camp() -> list[Person]:
    """The 9.9 yuan camp: payments, joins, daily reminders and check-ins (day 1-7)."""
    mon, tue = DAYS[0], DAYS[1]
    log.post(
        "main",
        XIAOZHOU,
        at(mon, 12, 2, 0),
        "21 天阅读打卡营今天开营！每天读《原子习惯》20 页并打卡，9.9 元报名，"
        "全勤返还并送书签🎁 报名链接：https://example.org/study-circle/camp-21",
        link=True,
    )
    early = [p for p in WAVE[1:] if log.joined[("main", p.key)] < at(mon, 19, 0, 0)]
    payers = [(p, mon) for p in rng.sample(early, 9)]
    payers += [(p, mon) for p in CAMP_ONLY]
    late = [p for p in WAVE[1:] if p not in dict(payers)]
    payers += [(p, tue) for p in rng.sample(late, 2)]
    people: list[Person] = []
    for p, day in payers:
        if day == mon:
            since = max(log.joined.get(("main", p.key), at(mon, 12, 2, 0)), at(mon, 12, 2, 0))
            paid = min(later(since, 5, 240), at(mon, 20, 40))
        else:
            paid = at(day, rng.randrange(7, 12), rng.randrange(60))
        log.emit(
            "payment.made",
            paid,
            "order",
            None,
            p,
            source=SHOP,
            amount=9.9,
            currency="CNY",
            product="21 天打卡营",
            tier="low",
        )
        log.join(CAMP, p, later(paid, 1, 4), "qr", campaign="camp-21-signup")
        people.append(p)
    grit = {p.key: rng.uniform(0.7, 0.99) for p in people}
    missed = {p.key: 0 for p in people}
    dropped: dict[str, int] = {}  # identity key -> camp day of the second miss in a row
    for n, day in enumerate(DAYS, 1):
        if n == 1:  # the camp opens at noon on Monday
            morning = (at(day, 20, 45), "欢迎来到打卡营🎉 今天第 1 天，读《原子习惯》前言和第 1 章")
        else:
            morning = (at(day, 7, 0), f"早安☀️ 打卡营第 {n} 天，今天读《原子习惯》第 {n} 章")
        log.post(CAMP, XIAOZHOU, morning[0], morning[1] + "，读完记得打卡～")
        active = [
            p for p in people if p.key not in dropped and log.present(CAMP, p, at(day, 23, 59, 0))
        ]
        checked: dict[str, datetime] = {}
        for p in active:
            if rng.random() >= grit[p.key] - 0.025 * (n - 1):
                missed[p.key] += 1
                if missed[p.key] == 2:
                    dropped[p.key] = n
                continue
            missed[p.key] = 0
            t = (
                at(day, rng.randrange(21, 24), rng.randrange(60))
                if rng.random() < 0.45
                else at(day, rng.choice([6, 7, 7, 8]), rng.randrange(60))
            )
            if not log.present(CAMP, p, t):
                t = later(log.joined[(CAMP, p.key)], 2, 30)
            note = rng.choice(
                [
                    "",
                    "，两分钟法则很实用",
                    "，今天有点困但读完了",
                    "，习惯叠加明天就试",
                    "，环境设计这段好",
                ]
            )
            msg = log.post(
                CAMP, p, t, f"Day {n} 打卡✅ 读到第 {20 * n} 页{note}", media=rng.random() < 0.5
            )
            log.emit("checkin.done", later(t, 0, 0.1), "checkin", CAMP, p, camp=CAMP, day=n)
            if rng.random() < 0.2:
                log.react(XIAOZHOU, msg, later(t, 1, 30))
            checked[p.key] = t
        reminder = at(day, 21, 58)
        waiting = tuple(p for p in active if checked.get(p.key, reminder) >= reminder)
        if waiting:
            log.post(
                CAMP,
                XIAOZHOU,
                reminder,
                "今天还没打卡的同学记得哦，读几页也算～",
                mentions=waiting[:6],
            )
        for _ in range(rng.randint(1, 2)):
            thread(CAMP, clock(day, 12, 23), {p.key: 1.0 for p in people} | {XIAOZHOU.key: 2})
    quitters = [p for p in people if dropped.get(p.key, 7) < 7]
    if quitters:  # the first who gave up leaves the camp group the evening after
        quitter = quitters[0]
        log.leave(CAMP, quitter, at(DAYS[dropped[quitter.key]], 19, 21))
    return people


def advert() -> None:
    """Tuesday: an advert without a red envelope earns a warning."""
    tue = DAYS[1]
    log.join("main", LILY, at(tue, 11, 20), "link")
    ad = log.post(
        "main",
        LILY,
        at(tue, 15, 42),
        "【限时特价】正品补水面膜 9.9 包邮，需要的姐妹私聊我～ https://t.cn/A6bK2xQ",
        link=True,
    )
    log.emit("rule.violated", later(ad.at, 1, 2), "rule", "main", LILY, rule=AD_RULE, message=ad)
    t = later(ad.at, 3, 4)
    log.emit(
        "moderation.applied",
        t,
        "mod",
        "main",
        AQING,
        LILY,
        step="warning",
        reason="发广告未先发红包（群规第 3 条）",
    )
    log.post(
        "main",
        AQING,
        later(t, 0, 0.5),
        "群规：发广告需要先发红包哦，这次先提醒一次，再发就移出了～",
        mentions=(LILY,),
    )


def spam() -> None:
    """Thursday: a spammer floods job ads and is removed."""
    thu = DAYS[3]
    log.join("main", SPAMMER, at(thu, 14, 3), "qr", campaign="公众号文末二维码")
    ads = [
        log.post(
            "main",
            SPAMMER,
            at(thu, 14, 20 + i),
            "兼职刷单日结 300+，宝妈学生都可做，加 V：jz8866 详聊",
            link=False,
        )
        for i in (0, 1, 3)
    ]
    log.emit(
        "rule.violated",
        later(ads[0].at, 4, 5),
        "rule",
        "main",
        SPAMMER,
        rule=AD_RULE,
        message=ads[0],
    )
    t = at(thu, 14, 27, 10)
    log.emit(
        "moderation.applied",
        t,
        "mod",
        "main",
        AQING,
        SPAMMER,
        step="removal",
        reason="刷屏发兼职广告",
    )
    log.emit(
        "member.removed",
        t + timedelta(seconds=3),
        "remove",
        "main",
        AQING,
        SPAMMER,
        reason="刷屏发兼职广告，疑似诈骗",
    )
    log.ended[("main", SPAMMER.key)] = t
    log.post("main", AQING, later(t, 0.5, 1), "已移出。大家不要加陌生人私聊，谨防刷单诈骗⚠️")


def red_envelope() -> None:
    """Wednesday evening: 林老师 celebrates the first half week with a red envelope."""
    t = at(DAYS[2], 21, 8, 5)
    log.post("main", FOUNDER, t, "🧧 庆祝共读第一周过半，大家继续加油！")
    envelope = "rp-20250305-01"
    log.emit(
        "redenvelope.sent",
        t + timedelta(seconds=2),
        "rp",
        "main",
        FOUNDER,
        envelope=envelope,
        amount=20.0,
        count=10,
        purpose="celebration",
    )
    cuts = sorted(rng.sample(range(1, 2000), 9))
    cents = [b - a for a, b in zip([0, *cuts], [*cuts, 2000], strict=True)]
    grabbed: list[Person] = []
    g = t
    for amount in cents:
        g = later(g, 0.05, 0.6)
        who = log.pick(
            "main", g, {p.key: 1.0 + p.chat for p in EVERYONE}, exclude=(FOUNDER, *grabbed)
        )
        assert who is not None  # noqa: S101  # the group is full of people by Wednesday
        grabbed.append(who)
        log.emit(
            "redenvelope.grabbed",
            g,
            "grab",
            "main",
            who,
            FOUNDER,
            envelope=envelope,
            amount=round(amount / 100, 2),
        )
    for who in grabbed[:4]:
        g = later(g, 0.2, 2)
        log.post(
            "main",
            who,
            g,
            rng.choice(["谢谢林老师！🙏", "手气不错哈哈", "抢到了！谢谢老板", "继续加油💪"]),
        )


def night_debate() -> None:
    """Thursday night: a debate on 课题分离 runs past midnight; 小鹿 leaves afterwards."""
    t = at(DAYS[3], 23, 12)
    lines = [
        (ZHANGWEI, "说真的，我觉得课题分离用到亲子关系上就是冷漠"),
        (WAVE[2], "不同意，父母替孩子做决定才是问题的根源吧"),
        (ZHANGWEI, "那孩子不写作业，父母也不管？"),
        (WAVE[1], "书里说的是可以提供帮助，但不能强迫，这两个不一样"),
        (WAVE[2], "对，是“我可以陪你，但选择是你的”"),
        (ZHANGWEI, "理论上没错，现实里做不到啊"),
        (WAVE[11], "所以青年一直在跟哲人吵哈哈"),
        (WAVE[1], "做不到不代表不对，这本书本来就是讲勇气的"),
        (ZHANGWEI, "好吧，明天我再读一遍第三夜"),
        (WAVE[2], "周六分享会正好问问林老师"),
        (WAVE[1], "都快一点了，大家早点睡😂"),
        (ZHANGWEI, "晚安晚安"),
    ]
    last: Ev | None = None
    for who, text in lines:
        t = later(t, 1, 9)
        last = log.post("main", who, t, text, reply_to=last if rng.random() < 0.5 else None)
        maybe_react("main", last, 0.1)
    log.leave("main", XIAOLU, later(t, 6, 12))


def session() -> None:
    """Saturday 20:00: the sharing session, a burst of questions, then the senior circle."""
    sat = DAYS[5]
    log.post("main", AQING, at(DAYS[4], 20, 30), "提醒：明晚 8 点共读分享会，记得准时来～")
    log.post("main", AQING, at(sat, 19, 50, 3), "还有十分钟，分享会就在本群进行，大家准备好问题")
    start = at(sat, 20, 0, 0)
    log.emit("session.held", start, "session", "main", FOUNDER, session=SESSION)
    t = start
    for text in [
        "大家晚上好，今天我们聊课题分离",
        None,
        None,
        "小结：分清“这是谁的课题”，是尊重别人，也是放过自己",
        None,
    ]:
        t = later(t, 2, 9)
        msg = log.post("main", FOUNDER, t, text, media=text is None)  # None: a voice message
        maybe_react("main", msg, 0.5)
    asked = [
        "孩子的学习到底算谁的课题？",
        "领导总是否定我，这算不算我的课题？",
        "课题分离会不会让人变得自私？",
        "“被讨厌的勇气”是不是就是不在乎别人？",
        "横向关系在职场里怎么做到？",
        "读完很有道理，但第二天又回到老样子，怎么办？",
        "林老师接下来会读阿德勒的其他书吗？",
        "分享会有回放吗？",
        "表扬孩子也不对吗？",
    ]
    answers = [
        "好问题，最终承担结果的人是谁，就是谁的课题",
        "可以先从一件小事练习",
        "不是自私，是不越界，也不让别人越界",
        "不是不在乎，是不把别人的评价当成目标",
        "书里的意思是平等地看待每个人",
        "很正常，所以我们一起读、一起练",
    ]
    t = at(sat, 20, 45, 0)
    for text in asked:
        t = later(t, 0.3, 3)
        asker = log.pick(
            "main",
            t,
            {p.key: 1.0 + p.chat for p in EVERYONE},
            exclude=(FOUNDER, AQING, XIAOZHOU, LILY),
        )
        assert asker is not None  # noqa: S101
        q = log.post("main", asker, t, text, question=True)
        reply = log.post(
            "main", FOUNDER, later(t, 1, 4), rng.choice(answers), reply_to=q, mentions=(asker,)
        )
        maybe_react("main", reply, 0.4)
    pitch = log.share(
        "main",
        FOUNDER,
        at(sat, 21, 38, 0),
        "https://example.org/study-circle/senior",
        "深度共读圈 · 年费会员介绍",
        "今晚就到这里，谢谢大家！想长期深度共读的朋友可以看看深度共读圈：",
    )
    maybe_react("main", pitch, 0.6)


def senior() -> None:
    """张伟 signs up on 知识星球, buys the yearly membership and joins the senior circle.

    Both of his identities verify the same phone, so shequn merges them. The 知识星球 sign-up
    comes first: shequn decides a merge when it meets the verification stored first and
    dates the merge at that event, so the other identity must already be known by then.
    """
    sat = DAYS[5]
    signup = at(sat, 21, 45, 10)
    log.emit("identity.verified", signup, "verify", None, ZHANGWEI_ZSXQ, source=ZSXQ, phone=PHONE)
    paid = at(sat, 21, 52, 17)
    log.emit(
        "payment.made",
        paid,
        "order",
        None,
        ZHANGWEI,
        source=SHOP,
        amount=999,
        currency="CNY",
        product="深度共读圈年费",
        tier="high",
    )
    log.emit(
        "membership.started",
        paid + timedelta(seconds=2),
        "membership",
        None,
        ZHANGWEI,
        source=SHOP,
        plan="深度共读圈年费",
        until="2026-03-08",
    )
    log.emit(
        "identity.verified",
        paid + timedelta(seconds=3),
        "verify",
        None,
        ZHANGWEI,
        source=SHOP,
        phone=PHONE,
    )
    joined = at(sat, 21, 53, 40)
    log.join("senior", ZHANGWEI_ZSXQ, joined, "link", source=ZSXQ, campaign="深度共读圈")
    note = "第一次来星球报到，先把这周的读书笔记放上来"
    log.post("senior", ZHANGWEI_ZSXQ, at(sat, 22, 21), note, media=True, source=ZSXQ)
    log.post("main", ZHANGWEI, at(sat, 22, 30), "刚加入了深度共读圈，期待下一本书！")


def recap() -> None:
    """Sunday evening: 阿青 sums up the week."""
    sun = DAYS[6]
    msg = log.share(
        "main",
        AQING,
        at(sun, 20, 15, 0),
        "https://example.org/study-circle/notes/week-1",
        "第一周共读笔记汇总",
        "第一周共读笔记汇总好了，感谢大家的分享🌷",
    )
    maybe_react("main", msg, 0.7)
    log.post(
        "main", FOUNDER, at(sun, 20, 40), "下周我们读《原子习惯》，周一早上发安排，大家周末愉快"
    )


def week() -> None:
    opening()
    wave_times = [clock(DAYS[0], 8, 23) for _ in WAVE]
    wave_times = [max(t, at(DAYS[0], 8, 20, 0)) for t in wave_times]
    arrivals(WAVE, wave_times, [FOUNDER, AQING])
    trickle_days = sorted(rng.choices(DAYS[1:], k=len(TRICKLE)))
    arrivals(TRICKLE, [clock(d, 7, 23) for d in trickle_days], [FOUNDER, AQING, *WAVE])
    quiet = [p for p in WAVE if p.chat == 0 and p is not XIAOLU]
    log.leave("main", quiet[0], at(DAYS[1], 16, 31))
    camp()
    advert()
    spam()
    red_envelope()
    night_debate()
    session()
    senior()
    recap()
    threads = [8, 8, 8, 7, 7, 4, 6]
    for day, n in zip(DAYS, threads, strict=True):
        for _ in range(n):
            thread("main", clock(day, 6), MAIN_WEIGHTS)


def render(events: list[Ev]) -> list[str]:
    """Sort by time, number the refs per prefix, and serialize canonically."""
    events = sorted(events, key=lambda e: (e.at, e.seq))
    counters: dict[str, int] = {}
    for e in events:
        counters[e.prefix] = counters.get(e.prefix, 0) + 1
        width = 6 if e.prefix == "msg" else 4
        e.ref = f"{e.prefix}-{counters[e.prefix]:0{width}d}"
    lines = []
    for e in events:
        obj: dict[str, Any] = {
            "kind": e.kind,
            "occurred_at": e.at.isoformat(),
            "community": COMMUNITY,
        }
        if e.group:
            obj["group"] = e.group
        if e.actor:
            obj["actor"] = e.actor.key
        if e.subject:
            obj["subject"] = e.subject.key
        obj |= {
            "source": e.source,
            "source_ref": e.ref,
            "data": {k: v.ref if isinstance(v, Ev) else v for k, v in e.data.items()},
        }
        lines.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
    return lines


def main() -> None:
    week()
    sys.stdout.write("".join(line + "\n" for line in render(log.events)))


if __name__ == "__main__":
    main()

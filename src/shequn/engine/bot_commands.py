"""What a bot answers when a member writes to it privately: ``/start``, ``/rules``, ``/help``,
the rules-of-order commands of ``engine.org_commands`` (``/motion``, ``/vote``, …) and the
money commands of ``engine.money_commands`` (``/cancel``, ``/nooffers``, ``/offers``).

Pure decisions over the blueprint (:func:`decide_command`), applied by :func:`answer`: a reply
is a ``message.send`` action to the member (the worker sends it, paced like every message),
and ``/start <code>`` — a deep link ``t.me/<bot>?start=<code>`` from a referral link or a live
code — is a knock at the door (``engine.entry``), so the link's rules decide. Each command is
keyed on the platform's update, so a re-delivered one is answered once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shequn.engine.decisions import Decision, apply
from shequn.engine.engagement import bot as engagement_bot
from shequn.engine.entry import Request, enter_many
from shequn.engine.money_commands import HELP as MONEY_HELP
from shequn.engine.money_commands import NAMES as MONEY_NAMES
from shequn.engine.money_commands import handle as handle_money
from shequn.engine.org_commands import HANDLERS as ORG_HANDLERS
from shequn.engine.org_commands import Said, handle
from shequn.errors import NotFound
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.outbox import answered


@dataclass(frozen=True, slots=True)
class BotCommand:
    """``/name args`` from ``identity``, keyed on the platform's ``ref``."""

    identity: str
    name: str
    args: str
    ref: str
    at: datetime


HELP = {
    "zh": "可用命令：\n/start 代码 — 通过邀请链接或活码入群\n/rules — 群规\n/help — 本帮助\n"
    "/motion 内容 — 提出动议；/second 编号 — 附议；/vote 编号 赞成|反对|弃权 — 表决\n"
    "/nominate 选举 [成员] — 提名；/accept 选举 — 接受提名；/ballot 选举 — 不记名投票",
    "en": "Commands:\n/start CODE — join through an invite link or live code\n"
    "/rules — the group rules\n/help — this help\n"
    "/motion TEXT — move a motion; /second ID — second it; /vote ID yes|no|abstain\n"
    "/nominate ELECTION [MEMBER]; /accept ELECTION; /ballot ELECTION — a secret ballot",
}
HELP = {lang: f"{text}\n{MONEY_HELP[lang]}" for lang, text in HELP.items()}
RULES = {"zh": ("我们的价值观", "请勿讨论"), "en": ("Our values", "Please keep off")}
HELP = {lang: f"{text}\n{engagement_bot.HELP[lang]}" for lang, text in HELP.items()}


def rules_text(bp: Blueprint) -> str:
    """The community's values and banned topics, in its language."""
    lang = bp.community.language
    values_title, banned_title = RULES[lang]
    culture = bp.culture
    lines = (
        [f"{values_title}: {'; '.join(str(v) for v in culture.values)}"] if culture.values else []
    )
    if culture.banned_topics:
        lines.append(f"{banned_title}: {'; '.join(str(t) for t in culture.banned_topics)}")
    return "\n".join(lines) or HELP[lang]


def reply(bp: Blueprint, command: BotCommand, text: str) -> Decision:
    """``text`` to the member who wrote ``command``, keyed on it."""
    payload = {"to": [command.identity], "text": text, "command": command.ref}
    return Decision(actions=[Action("message.send", bp.community.slug, command.at, None, payload)])


def decide_command(bp: Blueprint, command: BotCommand) -> tuple[Decision, Request | None]:
    """The reply (an action) and, for ``/start <code>``, the knock at the door."""
    if command.name == "start" and command.args:
        knock = Request(command.identity, link=command.args, ref=command.ref, at=command.at)
        return Decision.none(), knock
    text = rules_text(bp) if command.name == "rules" else HELP[bp.community.language]
    return reply(bp, command, text), None


def _rules_of_order(
    store: Store, bp: Blueprint, commands: list[BotCommand], *, source: str
) -> None:
    """Each rules-of-order command through the engine (its own transaction), then its reply;
    one already answered (a re-delivered update) is left alone."""
    for command in commands:
        with store.read() as conn:
            if answered(conn, bp.community.slug, command.ref):
                continue
        said = Said(command.identity, command.name, command.args, command.ref, command.at, source)
        if command.name in MONEY_NAMES:  # /cancel, /nooffers, /offers: the member's own word
            text = handle_money(store, bp, said.identity, said.name, said.args, ref=said.ref,
                                at=said.at, source=source)  # fmt: skip
        else:
            text = handle(store, bp, said)
        if text is not None:
            with store.transaction() as conn:
                apply(conn, reply(bp, command, text))


def answer(store: Store, community: str, commands: list[BotCommand], *, source: str) -> None:
    """Queue the replies, and knock for each ``/start`` link (one by one: an unknown code
    is answered with the help, not allowed to fail the others)."""
    if not commands:
        return
    mine = [c for c in commands if c.name in engagement_bot.NAMES]
    if mine:  # /checkin, /ask, /rank, /stop (engine/engagement/bot.py)
        _engagement(store, community, mine, source=source)
        commands = [c for c in commands if c not in mine]
    knocks: list[tuple[BotCommand, Request]] = []
    orders = [c for c in commands if c.name in ORG_HANDLERS or c.name in MONEY_NAMES]
    with store.transaction() as conn:
        bp = get_blueprint(conn, community)
        for command in (c for c in commands if c not in orders):
            decision, knock = decide_command(bp, command)
            if decision:
                apply(conn, decision)
            if knock is not None:
                knocks.append((command, knock))
    _rules_of_order(store, bp, orders, source=source)
    for command, knock in knocks:
        try:
            enter_many(store, community, [knock], source=source)
        except NotFound:
            unknown = BotCommand(command.identity, "help", "", command.ref, command.at)
            with store.transaction() as conn:
                apply(conn, decide_command(bp, unknown)[0])


def _engagement(store: Store, community: str, commands: list[BotCommand], *, source: str) -> None:
    """Each engagement command through the engine, then its reply; one already answered (a
    re-delivered update) is left alone."""
    with store.read() as conn:
        bp = get_blueprint(conn, community)
    for c in commands:
        with store.read() as conn:
            if answered(conn, community, c.ref):
                continue
        text = engagement_bot.handle(store, bp, c.identity, c.name, c.args, ref=c.ref, at=c.at,
                                     source=source)  # fmt: skip
        with store.transaction() as conn:
            apply(conn, reply(bp, c, text))

"""What a bot answers when a member writes to it privately: ``/start``, ``/rules``, ``/help``,
and the commands of the playbook's chapters, each family in its own module (:data:`FAMILIES`):
rules of order (``engine.org_commands``: ``/motion``, ``/vote``, …), engagement
(``engine.engagement.bot``: ``/checkin``, ``/ask``, ``/rank``, ``/stop``), referrals
(``engine.fission_commands``: ``/myinvites``, ``/leaderboard``; ``engine.poster_command``:
``/poster``, the member's poster as a photo) and money
(``engine.money_commands``: ``/cancel``, ``/nooffers``, ``/offers``) and the group rules
(``engine.rules.appeal_command``: ``/appeal``). A plain message (a command with no name) is
an answer to the intake card (``engine.intake_card``) when one is open, else left alone.

Pure decisions over the blueprint (:func:`decide_command`), applied by :func:`answer`: a reply
is a ``message.send`` action to the member (the worker sends it, paced like every message),
and ``/start <code>`` — a deep link ``t.me/<bot>?start=<code>`` from a referral link or a live
code — is a knock at the door (``engine.entry``), so the link's rules decide; through a known
link it opens the intake card too. Each command is keyed on the platform's update, so a
re-delivered one is answered once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from shequn.engine import fission_commands
from shequn.engine.decisions import Decision, apply
from shequn.engine.engagement import bot as engagement_bot
from shequn.engine.entry import Request
from shequn.engine.gather import enter_some
from shequn.engine.intake_card import open_card, take_answer
from shequn.engine.money_commands import HELP as MONEY_HELP
from shequn.engine.money_commands import NAMES as MONEY_NAMES
from shequn.engine.money_commands import handle as handle_money
from shequn.engine.org_commands import HANDLERS as ORG_HANDLERS
from shequn.engine.org_commands import Heard, handle
from shequn.engine.poster_command import HELP as POSTER_HELP
from shequn.engine.poster_command import NAMES as POSTER_NAMES
from shequn.engine.poster_command import poster
from shequn.engine.rules.appeal_command import appeal
from shequn.errors import NotFound
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import N_, Phrase, Phrases
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.outbox import answered
from shequn.store.queries import resolve_member


@dataclass(frozen=True, slots=True)
class BotCommand:
    """``/name args`` from ``identity``, keyed on the platform's ``ref``."""

    identity: str
    name: str
    args: str
    ref: str
    at: datetime


HELP = Phrase(
    N_(
        "Commands:\n/start CODE — join through an invite link or live code\n"
        "/rules — the group rules\n/help — this help\n"
        "/motion TEXT — move a motion; /second ID — second it; /vote ID yes|no|abstain\n"
        "/amend ID NEW WORDING — amend a pending motion (voted on first)\n"
        "/nominate ELECTION [MEMBER]; /accept ELECTION; /ballot ELECTION — a secret ballot\n"
        "/appeal [WHY] — appeal your latest step of the group rules"
    )
)
HELP = Phrase(
    *HELP.ids, *engagement_bot.HELP.ids, *fission_commands.HELP.ids, *POSTER_HELP.ids,
    *MONEY_HELP.ids,
)  # fmt: skip
STRANGER = Phrase(
    N_(
        "I don't know you yet: I answer the members of {community}. Join one of its groups "
        "first, or ask a manager to link this account to your member record."
    )
)
RULES = Phrases({"values": N_("Our values"), "banned": N_("Please keep off")})


def rules_text(bp: Blueprint) -> str:
    """The community's values and banned topics, in its language."""
    lang = bp.community.language
    titles = RULES[lang]
    values_title, banned_title = titles["values"], titles["banned"]
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


Respond = Callable[[Store, Blueprint, BotCommand, str], str | None]
"""``(store, blueprint, command, source) -> reply``: one family's answer, through the engine."""

FAMILIES: tuple[tuple[Collection[str], Respond], ...] = (
    (ORG_HANDLERS, lambda store, bp, c, source: handle(
        store, bp, Heard(c.identity, c.name, c.args, c.ref, c.at, source))),
    (engagement_bot.NAMES, lambda store, bp, c, source: engagement_bot.handle(
        store, bp, c.identity, c.name, c.args, ref=c.ref, at=c.at, source=source)),
    (fission_commands.HANDLERS, lambda store, bp, c, source: fission_commands.handle(
        store, bp, c.identity, c.name, c.args, c.at)),
    (POSTER_NAMES, lambda store, bp, c, source: poster(
        store, bp, c.identity, c.args, ref=c.ref, at=c.at)),
    (MONEY_NAMES, lambda store, bp, c, source: handle_money(
        store, bp, c.identity, c.name, c.args, ref=c.ref, at=c.at, source=source)),
    (("appeal",), lambda store, bp, c, source: appeal(
        store, bp, c.identity, c.args, c.at, source=source)),
    (("",), lambda store, bp, c, source: take_answer(
        store, bp, c.identity, c.args, ref=c.ref, at=c.at, source=source)),
)  # fmt: skip
"""Each family's command names and how it answers them."""


def _family(name: str) -> Respond | None:
    return next((respond for names, respond in FAMILIES if name in names), None)


def answer(store: Store, community: str, commands: list[BotCommand], *, source: str) -> None:
    """Queue the replies, and knock for each ``/start`` link (one by one: an unknown code
    is answered with the help, not allowed to fail the others). A family's command goes
    through the engine in its own transaction and is answered once: one already answered (a
    re-delivered update) is left alone."""
    if not commands:
        return
    knocks: list[tuple[BotCommand, Request]] = []
    with store.transaction() as conn:
        bp = get_blueprint(conn, community)
        for command in (c for c in commands if _family(c.name) is None):
            decision, knock = decide_command(bp, command)
            if decision:
                apply(conn, decision)
            if knock is not None:
                knocks.append((command, knock))
    for command in commands:
        respond = _family(command.name)
        if respond is None:
            continue
        with store.read() as conn:
            if answered(conn, community, command.ref):
                continue
        text = respond(store, bp, command, source)
        if text is not None:
            with store.transaction() as conn:
                apply(conn, reply(bp, command, text))
    for command, knock in knocks:
        try:
            enter_some(store, community, [knock], source=source)  # with concurrent callers'
        except NotFound:
            unknown = BotCommand(command.identity, "help", "", command.ref, command.at)
            with store.transaction() as conn:
                apply(conn, decide_command(bp, unknown)[0])
            continue
        card = open_card(store, bp, command.identity)
        with store.transaction() as conn:
            if card is not None and not answered(conn, community, command.ref):
                apply(conn, reply(bp, command, card))


def answer_members(
    store: Store, community: str, commands: list[BotCommand], *, source: str
) -> None:
    """:func:`answer` for the people the community knows (an identity of one of its members);
    a stranger's command changes nothing and is answered, once, with :data:`STRANGER` — for a
    platform whose private messages come from accounts no join has introduced (WeCom's app
    hears every corp member)."""
    known: list[BotCommand] = []
    with store.transaction() as conn:
        bp = get_blueprint(conn, community)
        for command in commands:
            try:
                resolve_member(conn, command.identity, community=community)
            except NotFound:
                if not answered(conn, community, command.ref):
                    name = str(bp.community.name)
                    text = STRANGER[bp.community.language].format(community=name)
                    apply(conn, reply(bp, command, text))
                continue
            known.append(command)
    answer(store, community, known, source=source)

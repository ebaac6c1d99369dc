"""Rules of order through a bot: ``/motion``, ``/second``, ``/vote``, ``/nominate``,
``/accept``, ``/ballot`` written to the bot in private (P-ORG-3).

Each command calls the same engine function as the CLI and the API (``engine.motions``,
``engine.elections``), with the member the platform vouches for as the actor — so who may move,
second, vote, stand and cast a ballot is decided in one place. What comes back is the reply
text, in the community's language: the outcome, or why not (the engine's refusals carry a
``reason`` code translated here; an unknown one falls back to the engine's own words).

Ballots are secret, so they are only ever cast in private; a candidate is named by the number
``/ballot ID`` lists, by their member key, or by their display name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from shequn.engine import elections, motions
from shequn.errors import Conflict, NotFound
from shequn.model.blueprint import Blueprint
from shequn.store.db import Store
from shequn.store.org_queries import people
from shequn.store.scope_queries import display_names, groups_of


@dataclass(frozen=True, slots=True)
class Said:
    """One command as the bot received it: who (identity key), what, when, keyed on ``ref``;
    ``source`` is the connector's (the events it causes are platform facts)."""

    identity: str
    name: str
    args: str
    ref: str
    at: datetime
    source: str


TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "usage_motion": "用法：/motion [群] 动议内容",
        "usage_second": "用法：/second 动议编号",
        "usage_vote": "用法：/vote 动议编号 赞成|反对|弃权",
        "usage_nominate": "用法：/nominate 选举编号 [成员]（不写成员即自荐）",
        "usage_accept": "用法：/accept 选举编号",
        "usage_ballot": "用法：/ballot 选举编号 候选人序号",
        "which_group": "你在多个群里，请写明群：/motion 群 动议内容（{groups}）",
        "no_group": "你还不在任何群里，不能提动议。",
        "proposed": "动议 {motion} 已提出：{text}",
        "proposed_second": "动议 {motion} 已提出，需要有人附议（/second {motion}）。",
        "seconded": "你已附议动议 {motion}，讨论与表决开始。",
        "voted": "已记录你对动议 {motion} 的表决：{choice}。",
        "voted_before": "你已对动议 {motion} 表决过，以第一次为准。",
        "nominated": "已提名 {who} 参加选举 {election}。",
        "accepted": "你已接受选举 {election} 的提名。",
        "ballot_cast": "你的选票已投出（不记名）。",
        "ballot_before": "你已在选举 {election} 中投过票，以第一次为准。",
        "candidates": "选举 {election} 的候选人：\n{lines}\n投票：/ballot {election} 序号",
        "no_candidates": "选举 {election} 还没有候选人。",
        "which_candidate": "没有这位候选人：{name}。发送 /ballot {election} 查看名单。",
        "which_member": "找不到成员：{name}",
        "refused": "未能完成：{why}",
        "no_motion": "没有编号为 {motion} 的动议。",
        "no_election": "没有编号为 {election} 的选举。",
        "no_member": "你还不是本社群的成员。",
        "not_eligible": "你在这个群的等级还不能参与（需要成员并达到规定等级）。",
        "closed": "已经截止了。",
        "seconded_already": "这个动议已经有人附议了。",
        "own_motion": "提出人不能附议自己的动议。",
        "choice": "表决只能是：赞成、反对或弃权。",
        "not_open": "这个动议还没开始表决（需要先附议）。",
        "nominated_already": "这位已经被提名了。",
        "no_nomination": "你没有待接受的提名。",
        "no_ballots_now": "现在不是投票时间。",
        "not_candidate": "这位不是候选人。",
        "change_role": "动议只能在本群任免组长（组长或成员）。",
        "usage_amend": "用法：/amend 动议编号 修改后的内容",
        "amended": "修正案 {motion} 已提出（修改动议 {amends}）：{text}。"
        "先附议、表决修正案，再表决原动议。",
        "no_amendments": "本社群的动议不接受修正。",
        "amend_amendment": "不能修正一个修正案，请修正原动议。",
        "amendment_pending": "动议 {motion} 有待表决的修正案 {amendment}，请先表决修正案。",
        "other_group": "这个动议在另一个群。",
        "change_rule": "动议只能修改本群的这些群规："
        "敏感话题、广告阈值、刷屏标准、发链接等级、禁言时长。",
    },
    "en": {
        "usage_motion": "Usage: /motion [GROUP] what you move",
        "usage_second": "Usage: /second MOTION",
        "usage_vote": "Usage: /vote MOTION yes|no|abstain",
        "usage_nominate": "Usage: /nominate ELECTION [MEMBER] (no member: yourself)",
        "usage_accept": "Usage: /accept ELECTION",
        "usage_ballot": "Usage: /ballot ELECTION NUMBER",
        "which_group": "You are in several groups; name one: /motion GROUP text ({groups})",
        "no_group": "You are not in a group yet, so you cannot move a motion.",
        "proposed": "Motion {motion} is moved: {text}",
        "proposed_second": "Motion {motion} is moved; it needs a second (/second {motion}).",
        "seconded": "You seconded motion {motion}: discussion and voting are open.",
        "voted": "Your vote on motion {motion} is recorded: {choice}.",
        "voted_before": "You had voted on motion {motion} already; the first vote stands.",
        "nominated": "{who} is nominated in election {election}.",
        "accepted": "You accepted your nomination in election {election}.",
        "ballot_cast": "Your ballot is cast (secret).",
        "ballot_before": "You had voted in election {election} already; the first ballot stands.",
        "candidates": "Candidates in {election}:\n{lines}\nVote: /ballot {election} NUMBER",
        "no_candidates": "Election {election} has no candidates yet.",
        "which_candidate": "No such candidate: {name}. Send /ballot {election} for the list.",
        "which_member": "No such member: {name}",
        "refused": "Not done: {why}",
        "no_motion": "There is no motion {motion}.",
        "no_election": "There is no election {election}.",
        "no_member": "You are not a member of this community yet.",
        "not_eligible": "You cannot take part here yet (a member of the group at the set level).",
        "closed": "That has closed already.",
        "seconded_already": "That motion is seconded already.",
        "own_motion": "The mover cannot second their own motion.",
        "choice": "A vote is yes, no or abstain.",
        "not_open": "That motion is not open for votes yet (it needs a second first).",
        "nominated_already": "They are nominated already.",
        "no_nomination": "You have no nomination to accept.",
        "no_ballots_now": "Ballots are not being taken now.",
        "not_candidate": "They are not a candidate.",
        "change_role": "A motion can only make or recall the group's leader.",
        "usage_amend": "Usage: /amend MOTION the new wording",
        "amended": "Amendment {motion} to motion {amends} is moved: {text}. It is seconded and "
        "voted on before the motion.",
        "no_amendments": "This community's motions are not amended.",
        "amend_amendment": "An amendment cannot be amended; amend the motion itself.",
        "amendment_pending": "Motion {motion} has amendment {amendment} pending: vote on it first.",
        "other_group": "That motion is in another group.",
        "change_rule": "A motion can only change these rules of its group: banned topics, the "
        "advert threshold, flooding, the level to post links, how long a mute lasts.",
    },
}
CHOICE_WORDS = {
    "yes": "yes", "y": "yes", "赞成": "yes", "同意": "yes", "支持": "yes",
    "no": "no", "n": "no", "反对": "no", "不同意": "no",
    "abstain": "abstain", "弃权": "abstain",
}  # fmt: skip
SHOWN_CHOICE = {"zh": {"yes": "赞成", "no": "反对", "abstain": "弃权"}}
# the engine's reason codes whose wording differs from the key used above
REASON_KEYS = {"seconded": "seconded_already", "nominated": "nominated_already"}


class _Blank(dict[str, str]):
    """Format values where a placeholder the engine did not fill reads as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


class _Say(Exception):
    """A reply decided before the engine was asked (usage, an ambiguous name)."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key, self.values = key, values


Handler = Callable[[Store, Blueprint, Said, list[str]], tuple[str, dict[str, str]]]


def _motion(store: Store, bp: Blueprint, said: Said, args: list[str]) -> tuple[str, dict[str, str]]:
    slug = bp.community.slug
    if not args:
        raise _Say("usage_motion")
    known = {g.slug for g in bp.groups}
    with store.read() as conn:
        owner_of, _ = people(conn, slug)
        member = owner_of.get(said.identity, said.identity)
        mine = sorted(groups_of(conn, slug, [member]).get(member, set()) & known)
    if args[0] in known and len(args) > 1:
        group, text = args[0], " ".join(args[1:])
    elif len(mine) == 1:
        group, text = mine[0], " ".join(args)
    elif not mine:
        raise _Say("no_group")
    else:
        raise _Say("which_group", groups=", ".join(mine))
    m = motions.propose(store, slug, group, said.identity, text, source=said.source, now=said.at)
    key = "proposed_second" if bp.organization.motions.second_required else "proposed"
    return key, {"motion": m.motion, "text": text}


def _amend(store: Store, bp: Blueprint, said: Said, args: list[str]) -> tuple[str, dict[str, str]]:
    if len(args) < 2:
        raise _Say("usage_amend")
    slug, main, text = bp.community.slug, args[0], " ".join(args[1:])
    m = motions.propose(
        store, slug, motions.group_of(store, slug, main), said.identity, text, amends=main,
        source=said.source, now=said.at,
    )  # fmt: skip
    return "amended", {"motion": m.motion, "amends": main, "text": text}


def _second(store: Store, bp: Blueprint, said: Said, args: list[str]) -> tuple[str, dict[str, str]]:
    if len(args) != 1:
        raise _Say("usage_second")
    motions.second(
        store, bp.community.slug, args[0], said.identity, source=said.source, now=said.at
    )
    return "seconded", {"motion": args[0]}


def _vote(store: Store, bp: Blueprint, said: Said, args: list[str]) -> tuple[str, dict[str, str]]:
    choice = CHOICE_WORDS.get(args[1].lower()) if len(args) == 2 else None
    if choice is None:
        raise _Say("usage_vote")
    first = motions.vote(
        store, bp.community.slug, args[0], said.identity, choice, source=said.source, now=said.at
    )
    shown = SHOWN_CHOICE.get(bp.community.language, {}).get(choice, choice)
    return ("voted" if first else "voted_before"), {"motion": args[0], "choice": shown}


def _member_named(store: Store, bp: Blueprint, name: str) -> str:
    """A member key from what a member typed: a key, an identity key or a display name."""
    slug = bp.community.slug
    with store.read() as conn:
        owner_of, _ = people(conn, slug)
        if name in owner_of:
            return owner_of[name]
        names = display_names(conn, slug, set(owner_of.values()))
    found = {k for k, shown in names.items() if shown == name.lstrip("@")}
    if len(found) != 1:
        raise _Say("which_member", name=name)
    return found.pop()


def _nominate(
    store: Store, bp: Blueprint, said: Said, args: list[str]
) -> tuple[str, dict[str, str]]:
    if not args:
        raise _Say("usage_nominate")
    nominee = _member_named(store, bp, " ".join(args[1:])) if len(args) > 1 else said.identity
    elections.nominate(
        store, bp.community.slug, args[0], said.identity, nominee,
        source=said.source, now=said.at,
    )  # fmt: skip
    with store.read() as conn:
        shown = display_names(conn, bp.community.slug, [nominee]).get(nominee, nominee)
    return "nominated", {"who": shown, "election": args[0]}


def _accept(store: Store, bp: Blueprint, said: Said, args: list[str]) -> tuple[str, dict[str, str]]:
    if len(args) != 1:
        raise _Say("usage_accept")
    elections.accept(
        store, bp.community.slug, args[0], said.identity, source=said.source, now=said.at
    )
    return "accepted", {"election": args[0]}


def _ballot(store: Store, bp: Blueprint, said: Said, args: list[str]) -> tuple[str, dict[str, str]]:
    if not args:
        raise _Say("usage_ballot")
    slug, election = bp.community.slug, args[0]
    found = [
        e for e in elections.list_elections(store, slug, now=said.at) if e["election"] == election
    ]
    if not found:
        raise NotFound(f"no election {election!r}", election=election, reason="no_election")
    candidates: list[str] = found[0]["candidates"]
    with store.read() as conn:
        names = display_names(conn, slug, candidates)
    if len(args) == 1:
        if not candidates:
            raise _Say("no_candidates", election=election)
        lines = "\n".join(f"{i}. {names.get(c, c)}" for i, c in enumerate(candidates, 1))
        return "candidates", {"election": election, "lines": lines}
    pick = " ".join(args[1:])
    chosen = [c for i, c in enumerate(candidates, 1) if pick in (str(i), c, names.get(c))]
    if len(chosen) != 1:
        raise _Say("which_candidate", name=pick, election=election)
    first = elections.cast_ballot(
        store, slug, election, said.identity, chosen[0], source=said.source, now=said.at
    )
    return ("ballot_cast" if first else "ballot_before"), {"election": election}


HANDLERS: dict[str, Handler] = {
    "motion": _motion,
    "amend": _amend,
    "second": _second,
    "vote": _vote,
    "nominate": _nominate,
    "accept": _accept,
    "ballot": _ballot,
}


def handle(store: Store, bp: Blueprint, said: Said) -> str | None:
    """The reply to one rules-of-order command, or ``None`` when ``said`` is not one."""
    handler = HANDLERS.get(said.name)
    if handler is None:
        return None
    text = TEXT[bp.community.language]
    try:
        key, values = handler(store, bp, said, said.args.split())
    except _Say as say:
        key, values = say.key, say.values
    except (Conflict, NotFound) as refused:
        reason = str(refused.fields.get("reason", ""))
        key = REASON_KEYS.get(reason, reason)
        if key not in text:
            return text["refused"].format(why=refused.message)
        values = {k: str(v) for k, v in refused.fields.items()}
    return text[key].format_map(_Blank(values))


__all__ = ["HANDLERS", "TEXT", "Said", "handle"]

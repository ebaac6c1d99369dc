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
from shequn.model.i18n import N_, Phrases, Said, tr
from shequn.store.db import Store
from shequn.store.org_queries import people
from shequn.store.scope_queries import display_names, groups_of


@dataclass(frozen=True, slots=True)
class Heard:
    """One command as the bot received it: who (identity key), what, when, keyed on ``ref``;
    ``source`` is the connector's (the events it causes are platform facts). Not a ``Said``:
    that name is the catalogue's (a sentence for a person, ``model/i18n.py``)."""

    identity: str
    name: str
    args: str
    ref: str
    at: datetime
    source: str


TEXT = Phrases(
    {
        "usage_motion": N_("Usage: /motion [GROUP] what you move"),
        "usage_second": N_("Usage: /second MOTION"),
        "usage_vote": N_("Usage: /vote MOTION yes|no|abstain"),
        "usage_nominate": N_("Usage: /nominate ELECTION [MEMBER] (no member: yourself)"),
        "usage_accept": N_("Usage: /accept ELECTION"),
        "usage_ballot": N_("Usage: /ballot ELECTION NUMBER"),
        "which_group": N_("You are in several groups; name one: /motion GROUP text ({groups})"),
        "no_group": N_("You are not in a group yet, so you cannot move a motion."),
        "proposed": N_("Motion {motion} is moved: {text}"),
        "proposed_second": N_("Motion {motion} is moved; it needs a second (/second {motion})."),
        "seconded": N_("You seconded motion {motion}: discussion and voting are open."),
        # one sentence per choice: a vote's "yes" is 赞成, not the dashboard's 是
        "voted_yes": N_("Your vote on motion {motion} is recorded: yes."),
        "voted_no": N_("Your vote on motion {motion} is recorded: no."),
        "voted_abstain": N_("Your vote on motion {motion} is recorded: abstain."),
        "voted_before": N_("You had voted on motion {motion} already; the first vote stands."),
        "nominated": N_("{who} is nominated in election {election}."),
        "accepted": N_("You accepted your nomination in election {election}."),
        "ballot_cast": N_("Your ballot is cast (secret)."),
        "ballot_before": N_(
            "You had voted in election {election} already; the first ballot stands."
        ),
        "candidates": N_("Candidates in {election}:\n{lines}\nVote: /ballot {election} NUMBER"),
        "no_candidates": N_("Election {election} has no candidates yet."),
        "which_candidate": N_("No such candidate: {name}. Send /ballot {election} for the list."),
        "which_member": N_("No such member: {name}"),
        "refused": N_("Not done: {why}"),
        "no_motion": N_("There is no motion {motion}."),
        "no_election": N_("There is no election {election}."),
        "no_member": N_("You are not a member of this community yet."),
        "not_eligible": N_(
            "You cannot take part here yet (a member of the group at the set level)."
        ),
        "closed": N_("That has closed already."),
        "seconded_already": N_("That motion is seconded already."),
        "own_motion": N_("The mover cannot second their own motion."),
        "choice": N_("A vote is yes, no or abstain."),
        "not_open": N_("That motion is not open for votes yet (it needs a second first)."),
        "nominated_already": N_("They are nominated already."),
        "no_nomination": N_("You have no nomination to accept."),
        "no_ballots_now": N_("Ballots are not being taken now."),
        "not_candidate": N_("They are not a candidate."),
        "change_role": N_("A motion can only make or recall the group's leader."),
        "usage_amend": N_("Usage: /amend MOTION the new wording"),
        "amended": N_(
            "Amendment {motion} to motion {amends} is moved: {text}. It is seconded and "
            "voted on before the motion."
        ),
        "no_amendments": N_("This community's motions are not amended."),
        "amend_amendment": N_("An amendment cannot be amended; amend the motion itself."),
        "amendment_pending": N_(
            "Motion {motion} has amendment {amendment} pending: vote on it first."
        ),
        "other_group": N_("That motion is in another group."),
        "change_rule": N_(
            "A motion can only change these rules of its group: banned topics, the "
            "advert threshold, flooding, the level to post links, how long a mute lasts."
        ),
    }
)
CHOICE_WORDS = {
    "yes": "yes", "y": "yes", "赞成": "yes", "同意": "yes", "支持": "yes",
    "no": "no", "n": "no", "反对": "no", "不同意": "no",
    "abstain": "abstain", "弃权": "abstain",
}  # fmt: skip
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


Handler = Callable[[Store, Blueprint, Heard, list[str]], tuple[str, dict[str, str]]]


def _motion(store: Store, bp: Blueprint, cmd: Heard, args: list[str]) -> tuple[str, dict[str, str]]:
    slug = bp.community.slug
    if not args:
        raise _Say("usage_motion")
    known = {g.slug for g in bp.groups}
    with store.read() as conn:
        owner_of, _ = people(conn, slug)
        member = owner_of.get(cmd.identity, cmd.identity)
        mine = sorted(groups_of(conn, slug, [member]).get(member, set()) & known)
    if args[0] in known and len(args) > 1:
        group, text = args[0], " ".join(args[1:])
    elif len(mine) == 1:
        group, text = mine[0], " ".join(args)
    elif not mine:
        raise _Say("no_group")
    else:
        raise _Say("which_group", groups=", ".join(mine))
    m = motions.propose(store, slug, group, cmd.identity, text, source=cmd.source, now=cmd.at)
    key = "proposed_second" if bp.organization.motions.second_required else "proposed"
    return key, {"motion": m.motion, "text": text}


def _amend(store: Store, bp: Blueprint, cmd: Heard, args: list[str]) -> tuple[str, dict[str, str]]:
    if len(args) < 2:
        raise _Say("usage_amend")
    slug, main, text = bp.community.slug, args[0], " ".join(args[1:])
    m = motions.propose(
        store, slug, motions.group_of(store, slug, main), cmd.identity, text, amends=main,
        source=cmd.source, now=cmd.at,
    )  # fmt: skip
    return "amended", {"motion": m.motion, "amends": main, "text": text}


def _second(store: Store, bp: Blueprint, cmd: Heard, args: list[str]) -> tuple[str, dict[str, str]]:
    if len(args) != 1:
        raise _Say("usage_second")
    motions.second(store, bp.community.slug, args[0], cmd.identity, source=cmd.source, now=cmd.at)
    return "seconded", {"motion": args[0]}


def _vote(store: Store, bp: Blueprint, cmd: Heard, args: list[str]) -> tuple[str, dict[str, str]]:
    choice = CHOICE_WORDS.get(args[1].lower()) if len(args) == 2 else None
    if choice is None:
        raise _Say("usage_vote")
    first = motions.vote(
        store, bp.community.slug, args[0], cmd.identity, choice, source=cmd.source, now=cmd.at
    )
    return (f"voted_{choice}" if first else "voted_before"), {"motion": args[0]}


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
    store: Store, bp: Blueprint, cmd: Heard, args: list[str]
) -> tuple[str, dict[str, str]]:
    if not args:
        raise _Say("usage_nominate")
    nominee = _member_named(store, bp, " ".join(args[1:])) if len(args) > 1 else cmd.identity
    elections.nominate(
        store, bp.community.slug, args[0], cmd.identity, nominee,
        source=cmd.source, now=cmd.at,
    )  # fmt: skip
    with store.read() as conn:
        shown = display_names(conn, bp.community.slug, [nominee]).get(nominee, nominee)
    return "nominated", {"who": shown, "election": args[0]}


def _accept(store: Store, bp: Blueprint, cmd: Heard, args: list[str]) -> tuple[str, dict[str, str]]:
    if len(args) != 1:
        raise _Say("usage_accept")
    elections.accept(store, bp.community.slug, args[0], cmd.identity, source=cmd.source, now=cmd.at)
    return "accepted", {"election": args[0]}


def _ballot(store: Store, bp: Blueprint, cmd: Heard, args: list[str]) -> tuple[str, dict[str, str]]:
    if not args:
        raise _Say("usage_ballot")
    slug, election = bp.community.slug, args[0]
    found = [
        e for e in elections.list_elections(store, slug, now=cmd.at) if e["election"] == election
    ]
    if not found:
        raise NotFound(
            Said("no election {election!r}", election=election),
            election=election,
            reason="no_election",
        )
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
        store, slug, election, cmd.identity, chosen[0], source=cmd.source, now=cmd.at
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


def handle(store: Store, bp: Blueprint, cmd: Heard) -> str | None:
    """The reply to one rules-of-order command, or ``None`` when ``cmd`` is not one."""
    handler = HANDLERS.get(cmd.name)
    if handler is None:
        return None
    text = TEXT[bp.community.language]
    try:
        key, values = handler(store, bp, cmd, cmd.args.split())
    except _Say as say:
        key, values = say.key, say.values
    except (Conflict, NotFound) as refused:
        reason = str(refused.fields.get("reason", ""))
        key = REASON_KEYS.get(reason, reason)
        if key not in text:
            return text["refused"].format(why=tr(bp.community.language, refused.message))
        values = {k: str(v) for k, v in refused.fields.items()}
    return text[key].format_map(_Blank(values))


__all__ = ["HANDLERS", "TEXT", "Heard", "handle"]

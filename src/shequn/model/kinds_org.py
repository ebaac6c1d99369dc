"""Event kinds of the self-running pyramid (P-ORG-1..3): levels, core-figure tags, key-member
tasks, motions and votes.

The hand that writes each is part of its meaning, so the automatic and the manual version of
one change are two kinds (``level.changed`` by the engine, ``level.granted`` by the owner):
``model/writers.py`` can then give the engine's kinds to nobody outside and the owner's to the
owner only, and a group leader cannot raise their own level by posting an event.
"""

from __future__ import annotations

from shequn.model.kindspec import DataField as F
from shequn.model.kindspec import Int, KindSpec, Str

_MEMBER = "the member"
_LEVEL = F("level", Int, "the new level (0: none)", required=True)
_REASON = F("reason", Str, "why, in words an operator reads", required=True)
_MOTION = F("motion", Str, "the motion's id", required=True)
_TASK = F("task", Str, "the task's id", required=True)
LEAD_ROLES = ("manager", "group_leader")
"""The roles that lead a group, highest first (the owner is above the pyramid's routine)."""
MOTION_ROLES = ("group_leader", "member")
"""The roles a carried motion may give in its own group: choosing or recalling the group's
leader is the group's business; managers and the owner are not made by a vote of one group."""

ORG_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "level.changed",
        "The engine moved a member's level by the blueprint's requirements (promotion, "
        "demotion after the hold) or after a completed task.",
        actor=None,
        actor_required=False,
        subject=_MEMBER,
        subject_required=True,
        group_required=False,
        fields=(_LEVEL, F("was", Int, "the level before"), _REASON),
        playbook=("P-ORG-1",),
    ),
    KindSpec(
        "level.granted",
        "The owner set a member's level by hand; automatic evaluation leaves it alone while "
        "the level is locked.",
        actor="the operator, if known",
        actor_required=False,
        subject=_MEMBER,
        subject_required=True,
        group_required=False,
        fields=(_LEVEL, F("was", Int, "the level before"), _REASON),
        playbook=("P-ORG-1",),
    ),
    KindSpec(
        "level.locked",
        "The owner locked (or unlocked) a member's level: no automatic change while locked.",
        actor="the operator, if known",
        actor_required=False,
        subject=_MEMBER,
        subject_required=True,
        group_required=False,
        fields=(
            F("locked", (bool,), "locked or unlocked", required=True),
            F("reason", Str, "why, for the record"),
        ),
        playbook=("P-ORG-1",),
    ),
    KindSpec(
        "tag.changed",
        "A core-figure tag (manager, fission agent, partner, payer) given or taken, by a rule "
        "of the engine (source ``engine``) or by the owner.",
        actor="the operator, if by hand",
        actor_required=False,
        subject=_MEMBER,
        subject_required=True,
        group_required=False,
        fields=(
            F("tag", Str, "the tag", required=True),
            F("on", (bool,), "given (true) or taken (false)", required=True),
            _REASON,
        ),
        playbook=("P-ORG-1",),
    ),
    KindSpec(
        "orgtask.assigned",
        "A small task given to a key-member candidate (P-ORG-2): what, by when, what it leads "
        "to, and how it is done (by hand, or a count of a behaviour since it was given).",
        actor="who gave it",
        actor_required=False,
        subject="the candidate",
        subject_required=True,
        group_required=False,
        fields=(
            _TASK,
            F("title", Str, "what to do", required=True),
            F("due", Str, "due time, ISO 8601", required=True),
            F("done_when", Str, "``manual`` or a count name (answer, checkins, …)"),
            F("count", Int, "how many of ``done_when`` since it was given"),
            F("promote_to", Int, "the level completing it leads to"),
        ),
        playbook=("P-ORG-2",),
    ),
    KindSpec(
        "orgtask.done",
        "A small task completed: ticked by a manager or seen in the member's behaviour.",
        actor="who ticked it, if by hand",
        actor_required=False,
        subject="the candidate",
        subject_required=True,
        group_required=False,
        fields=(_TASK, _REASON),
        playbook=("P-ORG-2",),
    ),
    KindSpec(
        "motion.proposed",
        "A member moved a motion (``/motion``, the API): its text and what it would change.",
        actor="the mover",
        fields=(
            _MOTION,
            F("text", Str, "the motion", required=True),
            F("change_member", Str, "a role change it would make: the member"),
            F(
                "change_role",
                Str,
                "…and their new role in the motion's group",
                choices=MOTION_ROLES,
            ),
            F(
                "change_rule",
                Str,
                "a change of the group's own rules it would make: KEY=VALUE, KEY+=ITEM or "
                "KEY-=ITEM (model/motion_rules.py RULE_KEYS)",
            ),
            F("amends", Str, "this is an amendment of that motion: its text is the new wording"),
        ),
        playbook=("P-ORG-3",),
    ),
    KindSpec(
        "motion.seconded",
        "Another member seconded a motion; discussion and voting open until its deadline.",
        actor="the seconder",
        fields=(_MOTION,),
        playbook=("P-ORG-3",),
    ),
    KindSpec(
        "vote.cast",
        "A member's vote on a motion; one per member and motion (the first stands).",
        actor="the voter",
        fields=(
            _MOTION,
            F("choice", Str, "the vote", required=True, choices=("yes", "no", "abstain")),
        ),
        playbook=("P-ORG-3",),
    ),
    KindSpec(
        "motion.closed",
        "A motion's result when its deadline passed: carried, defeated, no quorum, or lapsed "
        "for want of a second; with the counts.",
        actor=None,
        actor_required=False,
        fields=(
            _MOTION,
            F(
                "result",
                Str,
                "the outcome",
                required=True,
                choices=("carried", "defeated", "no_quorum", "lapsed"),
            ),
            F("yes", Int, "votes for"),
            F("no", Int, "votes against"),
            F("abstain", Int, "abstentions"),
            F("eligible", Int, "members who could vote"),
        ),
        playbook=("P-ORG-3",),
    ),
)

_ELECTION = F("election", Str, "the election's id", required=True)

ELECTION_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "election.opened",
        "The owner opened an election for a role in a group (seed 004: monitor election): "
        "nominations until one deadline, ballots until the next, the winners' term.",
        actor="the operator, if known",
        actor_required=False,
        fields=(
            _ELECTION,
            F("role", Str, "the role elected", required=True, choices=("manager", "group_leader")),
            F("seats", Int, "how many are elected"),
            F("nominations_close", Str, "ISO 8601", required=True),
            F("voting_close", Str, "ISO 8601", required=True),
            F("term_days", Int, "length of the term"),
        ),
        playbook=("P-ORG-3",),
    ),
    KindSpec(
        "candidate.nominated",
        "A member nominated someone (or themselves) in an election.",
        actor="the nominator",
        subject="the nominee",
        subject_required=True,
        fields=(_ELECTION,),
        playbook=("P-ORG-3",),
    ),
    KindSpec(
        "candidate.accepted",
        "A nominee accepted their nomination (a self-nomination is accepted as made).",
        actor="the nominee",
        fields=(_ELECTION,),
        playbook=("P-ORG-3",),
    ),
    KindSpec(
        "ballot.cast",
        "A member's secret ballot: shown to the owner only (the API hides it from every other "
        "token); one per member and election, the first stands.",
        actor="the voter",
        fields=(_ELECTION, F("candidate", Str, "the candidate voted for", required=True)),
        playbook=("P-ORG-3",),
    ),
    KindSpec(
        "election.closed",
        "An election's result: the winners (given the role, until the term's end), the "
        "votes per candidate, and how a tie was broken.",
        actor=None,
        actor_required=False,
        fields=(
            _ELECTION,
            F("winners", (list,), "member keys elected", required=True),
            F("votes", (dict,), "candidate → votes"),
            F("tie", Str, "how a tie was broken: seniority, or runoff (no winner)"),
            F("term_until", Str, "ISO 8601 end of the winners' term"),
        ),
        playbook=("P-ORG-3",),
    ),
)
"""Elections (P-ORG-3): joined into ``ORG_KINDS``."""

SECRET_KINDS = frozenset({"ballot.cast"})
"""Kinds only the owner may read: who voted for whom (P-ORG-3, ballot secrecy)."""

ORG_KINDS = (*ORG_KINDS, *ELECTION_KINDS)

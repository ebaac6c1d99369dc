"""The pyramid's current state, folded from its events (P-ORG-1..3).

Levels, tags, small tasks and motions are rare events, so their state is not a projection
table but a pure fold over the community's organization events, read when a decision needs
it: replaying the log cannot disagree with it, and ``shequn rebuild`` has nothing to redo.
Identities are folded onto their member (``owner_of``) so a merged person has one level and
one vote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from shequn.model.events import Event, parse_time

ORG_EVENT_KINDS: tuple[str, ...] = (
    "level.changed",
    "level.granted",
    "level.locked",
    "tag.changed",
    "orgtask.assigned",
    "orgtask.done",
    "motion.proposed",
    "motion.seconded",
    "vote.cast",
    "motion.closed",
    "election.opened",
    "candidate.nominated",
    "candidate.accepted",
    "ballot.cast",
    "election.closed",
)


@dataclass(slots=True)
class Standing:
    """A member's level (0: none), since when, whether it is locked, and their tags."""

    level: int = 0
    since: datetime | None = None
    locked: bool = False
    tags: set[str] = field(default_factory=set)


@dataclass(slots=True)
class OrgTask:
    """A small task given to a key-member candidate."""

    task: str
    member: str
    title: str
    assigned_at: datetime
    due: datetime
    done_when: str = "manual"
    count: int = 1
    promote_to: int | None = None
    done_at: datetime | None = None


@dataclass(slots=True)
class Motion:
    """A motion: who moved it, whether it was seconded, the votes (the first per member
    stands: a vote is idempotent however often a bot re-delivers it)."""

    motion: str
    community: str
    group: str | None
    mover: str
    text: str
    proposed_at: datetime
    seconded_at: datetime | None = None
    seconder: str | None = None
    votes: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # member: choice, when
    result: str | None = None
    change: tuple[str, str] | None = None  # (member, role) a carried motion gives in its group
    rule: str | None = None  # a change of the group's rules, KEY=VALUE (model/motion_rules.py)
    amends: str | None = None  # this is an amendment of that motion (its text the new wording)
    amending: str | None = None  # the amendment pending on this motion, voted on first
    reopened_at: datetime | None = None  # an amendment closed: discussion runs again from here
    amended_at: datetime | None = None  # an amendment carried: only votes from here count


@dataclass(slots=True)
class Election:
    """An election: its deadlines, the nominees (and who accepted), the ballots (the first
    per member stands), the result once closed."""

    election: str
    community: str
    group: str | None
    role: str
    opened_at: datetime
    nominations_close: datetime
    voting_close: datetime
    seats: int = 1
    term_days: int | None = None
    nominees: dict[str, datetime] = field(default_factory=dict)  # nominee: first nominated
    accepted: set[str] = field(default_factory=set)
    ballots: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # voter: who, when
    winners: list[str] | None = None
    term_until: datetime | None = None  # when the winners' term ends


@dataclass(slots=True)
class OrgState:
    standing: dict[str, Standing] = field(default_factory=dict)
    tasks: dict[str, OrgTask] = field(default_factory=dict)
    motions: dict[str, Motion] = field(default_factory=dict)
    elections: dict[str, Election] = field(default_factory=dict)

    def of(self, member: str) -> Standing:
        """The member's standing (a fresh level-0 one if they have none yet)."""
        return self.standing.get(member) or Standing()


def _task(e: Event, member: str) -> OrgTask:
    d = e.data
    return OrgTask(
        task=str(d["task"]),
        member=member,
        title=str(d["title"]),
        assigned_at=e.occurred_at,
        due=parse_time(d["due"], "due"),
        done_when=str(d.get("done_when") or "manual"),
        count=int(d.get("count") or 1),
        promote_to=d.get("promote_to"),
    )


def _motion(e: Event, state: OrgState, who: str) -> None:
    d = e.data
    ref = str(d["motion"])
    if e.kind == "motion.proposed":
        moved = Motion(ref, e.community, e.group, who, str(d["text"]), e.occurred_at)
        if d.get("change_member") and d.get("change_role") and e.source.startswith("operator:"):
            # only a motion moved through the engine (CLI, API) carries a change: a raw
            # motion.proposed — an upload, a bot's fact — is words, never a role change
            moved.change = (str(d["change_member"]), str(d["change_role"]))
        if d.get("change_rule") and e.source.startswith("operator:"):
            moved.rule = str(d["change_rule"])
        if d.get("amends") and ref not in state.motions:
            moved.amends = str(d["amends"])
            main = state.motions.get(moved.amends)
            if main is not None and main.result is None and not (main.amends or main.amending):
                main.amending = ref  # one amendment at a time, none of an amendment
        state.motions.setdefault(ref, moved)
        return
    motion = state.motions.get(ref)
    if motion is None or motion.result is not None:
        return  # a second or a vote for an unknown or closed motion counts for nothing
    if e.kind == "motion.seconded" and motion.seconded_at is None and who != motion.mover:
        motion.seconded_at, motion.seconder = e.occurred_at, who
    elif e.kind == "vote.cast":
        prior = motion.votes.get(who)  # the first stands, unless it was on the old wording
        if prior is None or (motion.amended_at is not None and prior[1] < motion.amended_at):
            motion.votes[who] = (str(d["choice"]), e.occurred_at)
    elif e.kind == "motion.closed":
        motion.result = str(d["result"])
        _amendment_closed(motion, state.motions.get(motion.amends or ""), e.occurred_at)


def _amendment_closed(amendment: Motion, main: Motion | None, at: datetime) -> None:
    """The main motion after its amendment closed: discussed again from ``at``; carried, it
    reads as amended (and votes cast before ``at`` were on the old wording)."""
    if main is None or main.amending != amendment.motion:
        return
    main.amending, main.reopened_at = None, at
    if amendment.result == "carried":
        main.text, main.amended_at = amendment.text, at
        main.rule = amendment.rule or main.rule


def _election(e: Event, state: OrgState, who: str, owner: Mapping[str, str]) -> None:
    d = e.data
    ref = str(d["election"])
    if e.kind == "election.opened":
        state.elections.setdefault(
            ref,
            Election(
                ref, e.community, e.group, str(d["role"]), e.occurred_at,
                parse_time(d["nominations_close"], "nominations_close"),
                parse_time(d["voting_close"], "voting_close"),
                int(d.get("seats") or 1), d.get("term_days"),
            ),
        )  # fmt: skip
        return
    el = state.elections.get(ref)
    if el is None or el.winners is not None:
        return  # unknown or closed: counts for nothing
    if e.kind == "candidate.nominated" and e.subject and e.occurred_at < el.nominations_close:
        nominee = owner.get(e.subject, e.subject)
        el.nominees.setdefault(nominee, e.occurred_at)
        if nominee == who:
            el.accepted.add(nominee)  # a self-nomination is accepted as made
    elif e.kind == "candidate.accepted" and who in el.nominees and e.occurred_at < el.voting_close:
        el.accepted.add(who)
    elif e.kind == "ballot.cast" and el.nominations_close <= e.occurred_at < el.voting_close:
        el.ballots.setdefault(
            who, (owner.get(str(d["candidate"]), str(d["candidate"])), e.occurred_at)
        )
    elif e.kind == "election.closed":
        el.winners = [str(w) for w in d["winners"]]
        el.term_until = parse_time(d["term_until"], "term_until") if d.get("term_until") else None


def fold_org(events: Iterable[Event], owner_of: Mapping[str, str] | None = None) -> OrgState:
    """Pure: the state after ``events`` (any order; they are sorted by time here)."""
    owner = owner_of or {}
    state = OrgState()
    for e in sorted(events, key=lambda e: e.occurred_at):
        key = e.subject if e.kind.startswith(("level.", "tag.", "orgtask.")) else e.actor
        if key is None and not e.kind.endswith(".closed") and e.kind != "election.opened":
            continue
        who = owner.get(key, key) if key else ""
        if e.kind in ("level.changed", "level.granted"):
            s = state.standing.setdefault(who, Standing())
            s.level, s.since = int(e.data["level"]), e.occurred_at
        elif e.kind == "level.locked":
            state.standing.setdefault(who, Standing()).locked = bool(e.data["locked"])
        elif e.kind == "tag.changed":
            tags = state.standing.setdefault(who, Standing()).tags
            (tags.add if e.data["on"] else tags.discard)(str(e.data["tag"]))
        elif e.kind == "orgtask.assigned":
            state.tasks.setdefault(str(e.data["task"]), _task(e, who))
        elif e.kind == "orgtask.done":
            task = state.tasks.get(str(e.data["task"]))
            if task is not None and task.done_at is None:
                task.done_at = e.occurred_at
        elif e.kind.startswith(("election.", "candidate.", "ballot.")):
            _election(e, state, who, owner)
        else:
            _motion(e, state, who)
    return state


__all__ = ["ORG_EVENT_KINDS", "Election", "Motion", "OrgState", "OrgTask", "Standing", "fold_org"]

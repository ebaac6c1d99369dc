"""Monitor and leader elections, decided purely (P-ORG-3, seed 004: 班长选举制度).

Nominations (by oneself or by others, then accepted) until ``nominations_close``; ballots from
eligible members — the group's members at ``elections.min_level`` — until ``voting_close``, one
per member (the first stands). The accepted candidates with the most votes win the seats. A tie
for the last seat goes to the longest-standing member (``tie = "seniority"``) or leaves it
empty for a runoff among the tied (``"runoff"``). The winners get the role through
``role.changed`` and the term's end is recorded on ``election.closed``; the group is told the
result with the counts per candidate, never who voted for whom. When the term runs out the
winners step down by themselves (:func:`decide_term_ends`), unless re-elected meanwhile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shequn.engine.decisions import ENGINE_SOURCE, Decision
from shequn.engine.organization import role_changed
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.org_state import Election


@dataclass(frozen=True, slots=True)
class Result:
    winners: list[str]
    votes: dict[str, int]  # accepted candidate → votes from eligible voters
    tie: str | None  # "seniority" or "runoff" when the last seat was tied


def count(
    el: Election, eligible: Collection[str], seniority: Mapping[str, datetime], tie_rule: str
) -> Result:
    """Pure: the votes per accepted candidate and the winners."""
    candidates = sorted(el.accepted)
    tally = Counter(c for voter, (c, _) in el.ballots.items() if voter in eligible)
    votes = {c: tally.get(c, 0) for c in candidates}
    far = datetime.max.replace(tzinfo=el.opened_at.tzinfo)
    ranked = sorted(candidates, key=lambda c: (-votes[c], seniority.get(c, far), c))
    ranked = [c for c in ranked if votes[c] > 0]
    winners, rest = ranked[: el.seats], ranked[el.seats :]
    if not winners or not rest or votes[winners[-1]] != votes[rest[0]]:
        return Result(winners, votes, None)
    if tie_rule == "seniority":
        return Result(winners, votes, "seniority")
    return Result([w for w in winners if votes[w] != votes[rest[0]]], votes, "runoff")


def _local(bp: Blueprint, at: datetime) -> str:
    return at.astimezone(ZoneInfo(bp.community.timezone)).strftime("%Y-%m-%d %H:%M")


def announce_open(bp: Blueprint, el: Election, now: datetime) -> Action:
    """The group message opening nominations (template ``election_open``)."""
    payload = {
        "template": "election_open",
        "election": el.election,
        "role": el.role,
        "nominations_close": _local(bp, el.nominations_close),
        "voting_close": _local(bp, el.voting_close),
    }
    return Action("message.send", bp.community.slug, now, el.group, payload)


def decide_close(
    bp: Blueprint,
    el: Election,
    eligible: Collection[str],
    seniority: Mapping[str, datetime],
    now: datetime,
) -> Decision:
    """Pure: once voting closed, ``election.closed``, a ``role.changed`` per winner and the
    result told in the group. Nothing before the close or when closed already."""
    if el.winners is not None or now < el.voting_close:
        return Decision.none()
    r = count(el, eligible, seniority, bp.organization.elections.tie)
    term = el.term_days or bp.organization.elections.term_days
    until = el.voting_close + timedelta(days=term)
    data = {"election": el.election, "winners": r.winners, "votes": r.votes}
    data |= {"tie": r.tie} if r.tie else {}
    data |= {"term_until": until.isoformat()} if r.winners else {}
    ref = f"election:{el.election}"
    closed = Event(
        kind="election.closed",
        occurred_at=el.voting_close,
        community=el.community,
        source=ENGINE_SOURCE,
        source_ref=f"{ref}:closed",
        group=el.group,
        data=data,
    )
    roles = [
        role_changed(
            el.community,
            el.group,
            w,
            el.role,
            el.voting_close,
            source=ENGINE_SOURCE,
            ref=f"{ref}:role:{w}",
        )
        for w in r.winners
    ]
    shown = ", ".join(f"{c} {n}" for c, n in sorted(r.votes.items(), key=lambda kv: -kv[1]))
    payload = {
        "template": "election_result",
        "election": el.election,
        "role": el.role,
        "winners": r.winners,
        "votes": shown,
        "runoff": r.tie == "runoff",
    }
    told = Action("message.send", bp.community.slug, now, el.group, payload)
    return Decision([closed, *roles], [told])


def decide_term_ends(
    bp: Blueprint,
    elections: Iterable[Election],
    holds: Mapping[tuple[str, str | None], str],
    now: datetime,
) -> Decision:
    """Pure: the winners whose term has run out step down — back to ``member`` in the
    election's group, told in the group (``term_ended``) — unless they no longer hold the role
    (someone changed it since) or a later election of the same role and group re-elected them
    for a term still running. ``holds`` is who holds which role now, by (member, group)."""
    running: set[tuple[str, str | None, str]] = set()
    for el in elections:
        if el.winners and el.term_until is not None and now < el.term_until:
            running |= {(w, el.group, el.role) for w in el.winners}
    decision = Decision.none()
    for el in elections:
        if not el.winners or el.term_until is None or now < el.term_until:
            continue
        out = [
            w for w in el.winners
            if holds.get((w, el.group)) == el.role and (w, el.group, el.role) not in running
        ]  # fmt: skip
        if not out:
            continue
        ended = [
            role_changed(
                el.community,
                el.group,
                w,
                "member",
                el.term_until,
                source=ENGINE_SOURCE,
                ref=f"election:{el.election}:term:{w}",
                reason="term_ended",
                election=el.election,
            )
            for w in out
        ]
        payload = {
            "template": "term_ended",
            "election": el.election,
            "role": el.role,
            "members": out,
            "ended": _local(bp, el.term_until),
        }
        decision += Decision(
            ended, [Action("message.send", bp.community.slug, now, el.group, payload)]
        )
    return decision


__all__ = ["Result", "announce_open", "count", "decide_close", "decide_term_ends"]

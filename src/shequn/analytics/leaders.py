"""Key behaviour leaders (P-MEA-4) and promotion candidates (P-ORG-2).

The behaviours and weights are ``model/org_facts.py``'s, shared with the engine's levels.

Seed 003 calls them KBL, *key behaviour leaders*: not the loudest members but those whose
actions help the group — answering, replying, sharing useful links, forwarding, bringing
people who stay. Each member gets a score per group::

    score = Σ over contributions c of  weight(behaviour(c)) × 0.5 ** (age_days(c) / H)

``age_days`` is measured from the contribution's local time to the end of the as-of day;
``H`` is ``half_life_days`` [30] (``None``: no decay). Behaviours and default weights
(:data:`DEFAULT_WEIGHTS`, all overridable):

``answer`` [5]
    a message replying (``data.reply_to``) to a question (``is_question``) by someone else.
``reply`` [2]
    a reply to someone else's message that is not a question (an answer is not also a reply).
``link`` [3]
    a message with ``has_link``, or a ``content.shared`` event.
``forward`` [2]
    a ``content.forwarded`` event, or a message with ``forwarded_from``.
``invite`` [8]
    a person the member brought (``member.invited`` with them as actor, or ``member.joined``
    naming them in ``data.inviter``; one per invitee and group) who *stayed*: still a member
    on the as-of day (their last membership event is a join; a re-join counts), or stayed at
    least ``invite_stay_days`` [30] before first leaving. Dated at the invite (or join).
``reaction_received`` [1] / ``reaction_given`` [0.5]
    a ``message.reacted`` on the member's message by someone else / by the member on
    someone else's message (the author is the event's subject, else the reacted message's).

Replies and reactions are resolved through the log: ``reply_to`` and ``data.message`` name a
message's ``source_ref`` within the same ``source``; the replica resolves them at sync and
keeps the message's author and question flag on the reply (``to_person``, ``to_question``;
``to_id`` null while the message is not in the log, see ``analytics/materialise.py``), so no
query joins messages to messages. A reply to a message not in the log counts for nothing.
Merged identities are one person. ``evidence`` holds the raw counts per behaviour (undecayed).
``has_role``: the member's latest ``role.changed`` in the group, or community-wide, as of the
as-of day, is not ``member``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from shequn.analytics import portable
from shequn.analytics.params import Weights
from shequn.analytics.registry import Metric
from shequn.analytics.scope import Scope, as_of
from shequn.model.i18n import Said
from shequn.model.org_facts import BEHAVIOURS, DEFAULT_WEIGHTS, HALF_LIFE_DAYS, INVITE_STAY_DAYS


@dataclass(frozen=True, slots=True)
class Leader:
    group: str
    person: str
    score: float  # decayed, weighted sum; rounded to 4 places
    rank: int  # 1 = highest score in the group (ties broken by person key)
    evidence: dict[str, int] = field(default_factory=dict)  # behaviour -> count (undecayed)
    has_role: bool = False


def _weights(overrides: Mapping[str, float] | None) -> dict[str, float]:
    merged = dict(DEFAULT_WEIGHTS)
    for key, value in (overrides or {}).items():
        if key not in merged:
            raise ValueError(
                Said(
                    "unknown behaviour {key!r}; known: {names}",
                    key=key,
                    names=", ".join(BEHAVIOURS),
                )
            )
        merged[key] = float(value)
    return merged


def key_behaviour_leaders(
    con: Any,
    scope: Scope,
    *,
    top: int = 10,
    weights: Mapping[str, float] | None = None,
    half_life_days: float | None = HALF_LIFE_DAYS,
    invite_stay_days: int = INVITE_STAY_DAYS,
) -> list[Leader]:
    """The ``top`` [10] members per group by decayed behaviour score (P-MEA-4), best first.

    Contributions are the scope's events up to the as-of day; see the module doc for the
    behaviours, weights, decay and the invite-who-stayed rule. Defined once for both engines
    (``analytics/portable.py``): the engine scores and ranks, the roles are joined here."""
    import ibis  # lazy: only metrics need it

    last = as_of(con, scope)
    if last is None:
        return []
    w = _weights(weights)
    t = portable.ev()
    # each contribution filters its own kinds: a list of all of them here too compiled to one
    # more IN per scan, which DuckDB joins against every row the scan reads
    base = t.filter(*portable.in_scope(t, replace(scope, until=last)), t.grp.notnull())
    contrib = ibis.union(
        *_contributions(con, t, base, scope, last, invite_stay_days), distinct=False
    ).filter(lambda c: c.person.notnull())
    weight = ibis.cases(
        *((contrib.behaviour == b, ibis.literal(w[b], type="float64")) for b in BEHAVIOURS),
        else_=ibis.literal(0.0, type="float64"),
    )
    if half_life_days is None:
        decayed = weight
    else:  # contribution ages in whole seconds, to the end of the as-of day
        age = portable.seconds(contrib.local_at, ibis.literal(_end_of_day(last), type="timestamp"))
        days = age.cast("float64") / 86400.0 / ibis.literal(half_life_days, type="float64")
        decayed = weight * ibis.literal(0.5, type="float64") ** days
    per = contrib.group_by(["grp", "person"]).aggregate(
        score=decayed.sum(),
        weight=weight.sum(),
        **{f"n_{b}": contrib.count(where=contrib.behaviour == b) for b in BEHAVIOURS},
    )
    per = per.filter(per.weight > 0).drop("weight")
    best = ibis.row_number().over(group_by=per.grp, order_by=[per.score.desc(), per.person])
    # computed once per watermark and parameters, so promotion_candidates (and a page asking
    # again) reads the ranked rows back instead of scoring the log a second time
    ranked = portable.shared(con, per.mutate(rank=best + 1).filter(lambda r: r.rank <= top))
    roles = _roles(con, t, scope, last)
    out: list[Leader] = []
    for row in portable.fetch(con, ranked.order_by(["grp", "rank"])):
        grp, person, score, *ns, rank = row
        evidence = {b: int(n) for b, n in zip(BEHAVIOURS, ns, strict=True) if n}
        has_role = bool(roles.get((grp, person)) or roles.get((None, person)))
        out.append(Leader(grp, person, round(float(score), 4), int(rank), evidence, has_role))
    return out


def _contributions(
    con: Any, t: Any, base: Any, scope: Scope, last: date, invite_stay_days: int
) -> list[Any]:
    """(``grp``, ``person``, ``behaviour``, ``local_at``) tables, one per way to contribute."""
    import ibis

    def of(x: Any, behaviour: str, person: Any = None, at: Any = None) -> Any:
        return x.select(
            grp=x.grp,
            person=x.person if person is None else person,
            behaviour=ibis.literal(behaviour),
            local_at=x.local_at if at is None else at,
        )

    posted = base.kind == "message.posted"
    replies = base.filter(posted, base.to_id.notnull(), ~base.to_person.identical_to(base.person))
    reacted = base.filter(base.kind == "message.reacted")
    reacted = reacted.mutate(author=reacted.subject_person.fill_null(reacted.to_person))
    given = reacted.filter(~reacted.author.identical_to(reacted.person))
    received = given.filter(given.author.notnull())
    return [
        replies.select(
            "grp",
            "person",
            behaviour=replies.to_question.fill_null(False).ifelse("answer", "reply"),
            local_at=replies.local_at,
        ),
        of(base.filter((base.kind == "content.shared") | (posted & base.has_link)), "link"),
        of(base.filter((base.kind == "content.forwarded") | (posted & base.forwarded)), "forward"),
        of(given, "reaction_given"),
        of(received, "reaction_received", person=received.author),
        _stayed(t, base, scope, last, invite_stay_days),
    ]


def _stayed(t: Any, base: Any, scope: Scope, last: date, invite_stay_days: int) -> Any:
    """The ``invite`` contributions: each person brought (one per inviter, invitee and group,
    dated at the first invite or join) who stayed (module doc)."""
    import ibis

    invited = base.filter(base.kind == "member.invited")
    joined = base.filter(base.kind == "member.joined", base.inviter.notnull())
    pp = portable.people()
    named = joined.left_join(
        pp, [pp.of_community == joined.community, pp.identity == joined.inviter]
    ).select(
        grp="grp",
        inviter=lambda j: j.member.fill_null(j.inviter),
        invitee="person",
        local_at="local_at",
    )
    invites = invited.select(
        grp=invited.grp,
        inviter=invited.person,
        invitee=invited.subject_person,
        local_at=invited.local_at,
    ).union(named, distinct=False)
    invites = invites.filter(
        invites.inviter.notnull(), invites.invitee.notnull(), invites.inviter != invites.invitee
    )
    pairs = invites.group_by(["grp", "inviter", "invitee"]).aggregate(
        brought_at=invites.local_at.min()
    )
    moves = t.filter(
        *portable.in_scope(t, portable.history(scope, last)),
        t.kind.isin(("member.joined", "member.left", "member.removed")),
    )
    membership = moves.select(
        "grp",
        "kind",
        "local_at",
        "id",
        who=(moves.kind == "member.removed").ifelse(moves.subject_person, moves.person),
    )
    newest = ibis.row_number().over(
        group_by=["grp", "who"], order_by=[membership.local_at.desc(), membership.id.desc()]
    )
    latest = membership.mutate(rn=newest).filter(lambda m: m.rn == 0)
    latest = latest.select(lgrp="grp", lwho="who", last_kind="kind")
    exits = membership.filter(membership.kind != "member.joined")
    exits = exits.select(egrp="grp", ewho="who", exit_at="local_at")
    with_last = pairs.left_join(latest, [pairs.grp == latest.lgrp, pairs.invitee == latest.lwho])
    both = with_last.left_join(
        exits,
        [
            with_last.grp == exits.egrp,
            with_last.invitee == exits.ewho,
            exits.exit_at >= with_last.brought_at,
        ],
    )
    stays = both.group_by(["grp", "inviter", "invitee", "brought_at", "last_kind"]).aggregate(
        first_exit=both.exit_at.min()
    )
    stayed = stays.filter(
        stays.last_kind.isnull()
        | (stays.last_kind == "member.joined")
        | (stays.first_exit >= stays.brought_at + ibis.interval(days=int(invite_stay_days)))
    )
    return stayed.select(
        grp="grp",
        person="inviter",
        behaviour=ibis.literal("invite"),
        local_at="brought_at",
    )


def _roles(con: Any, t: Any, scope: Scope, last: date) -> dict[tuple[str | None, str], bool]:
    """(group or None for community-wide, person) -> whether their latest ``role.changed``
    there, up to ``last``, gives a role other than ``member``."""
    import ibis

    changed = t.filter(
        t.community == scope.community,
        t.kind == "role.changed",
        t.subject_person.notnull(),
        t.day <= last,
    )
    newest = ibis.row_number().over(
        group_by=["grp", "subject_person"],
        order_by=[changed.occurred_at.desc(), changed.id.desc()],
    )
    latest = changed.mutate(rn=newest, role=portable.field(con, changed.data, "role"))
    latest = latest.filter(latest.rn == 0).select("grp", "subject_person", "role")
    return {
        (grp, person): role is not None and role != "member"
        for grp, person, role in portable.fetch(con, latest)
    }


def promotion_candidates(
    con: Any,
    scope: Scope,
    *,
    top: int = 10,
    weights: Mapping[str, float] | None = None,
    half_life_days: float | None = HALF_LIFE_DAYS,
    invite_stay_days: int = INVITE_STAY_DAYS,
) -> list[Leader]:
    """Members among each group's ``top`` [10] key behaviour leaders who hold no role
    (P-ORG-2): give them a small task, then promote them. Ranks are the leaders' ranks."""
    leaders = key_behaviour_leaders(
        con,
        scope,
        top=top,
        weights=weights,
        half_life_days=half_life_days,
        invite_stay_days=invite_stay_days,
    )
    return [leader for leader in leaders if not leader.has_role]


def _end_of_day(day: date) -> datetime:
    """Local midnight after ``day``: the instant contribution ages are measured from."""
    return datetime.combine(day, time()) + timedelta(days=1)


_PARAMS: dict[str, Any] = {
    "top": 10,
    "weights": dict(DEFAULT_WEIGHTS),
    "half_life_days": HALF_LIFE_DAYS,
    "invite_stay_days": INVITE_STAY_DAYS,
}

_RANGES = {"weights": Weights(keys=BEHAVIOURS)}

METRICS = (
    Metric(
        "key_behaviour_leaders",
        "Key behaviour leaders per group: decayed score from answers, replies, links, "
        "forwards, invitees who stayed and reactions",
        ("P-MEA-4", "P-ORG-2"),
        key_behaviour_leaders,
        _PARAMS,
        _RANGES,
    ),
    Metric(
        "promotion_candidates",
        "Top key behaviour leaders per group who hold no role yet",
        ("P-ORG-2", "P-MEA-4"),
        promotion_candidates,
        _PARAMS,
        _RANGES,
    ),
)

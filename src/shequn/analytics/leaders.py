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


# Everything below is plain SQL over the replica; {where} / {until} are Scope conditions
# (placeholders only), so the f-strings interpolate no values.
_SQL = """
WITH base AS (
    SELECT x.id, x.kind, x.community, x.grp, x.person, x.subject_person, x.local_at,
           x.to_id, x.to_person, x.to_question, x.has_link, x.forwarded, x.inviter
    FROM ev x
    WHERE {where} AND x.grp IS NOT NULL AND x.kind IN (
        'message.posted', 'message.reacted', 'content.shared', 'content.forwarded',
        'member.invited', 'member.joined')
),
reactions AS (
    SELECT grp, person, coalesce(subject_person, to_person) AS author, local_at
    FROM base WHERE kind = 'message.reacted'
),
invites AS (
    SELECT grp, person AS inviter, subject_person AS invitee, local_at
    FROM base WHERE kind = 'member.invited'
    UNION ALL
    SELECT b.grp, coalesce(p.member, b.inviter), b.person, b.local_at
    FROM base b
    LEFT JOIN people p ON p.of_community = b.community AND p.identity = b.inviter
    WHERE b.kind = 'member.joined' AND b.inviter IS NOT NULL
),
pairs AS (
    SELECT grp, inviter, invitee, min(local_at) AS brought_at FROM invites
    WHERE inviter IS NOT NULL AND invitee IS NOT NULL AND inviter <> invitee
    GROUP BY grp, inviter, invitee
),
membership AS (  -- invitees' joins and exits through the as-of day (before `since` too)
    SELECT grp, CASE WHEN kind = 'member.removed' THEN subject_person ELSE person END AS who,
           kind, local_at, id
    FROM ev WHERE {until} AND kind IN ('member.joined', 'member.left', 'member.removed')
),
stays AS (
    SELECT p.grp, p.inviter, p.brought_at,
           last(m.kind ORDER BY m.local_at, m.id) AS last_kind,
           min(m.local_at) FILTER (WHERE m.kind <> 'member.joined' AND m.local_at >= p.brought_at)
               AS first_exit
    FROM pairs p LEFT JOIN membership m ON m.grp = p.grp AND m.who = p.invitee
    GROUP BY p.grp, p.inviter, p.invitee, p.brought_at
),
contrib AS (
    SELECT grp, person, CASE WHEN to_question THEN 'answer' ELSE 'reply' END AS behaviour,
           local_at
    FROM base
    WHERE kind = 'message.posted' AND to_id IS NOT NULL AND to_person IS DISTINCT FROM person
    UNION ALL
    SELECT grp, person, 'link', local_at FROM base
    WHERE kind = 'content.shared' OR (kind = 'message.posted' AND has_link)
    UNION ALL
    SELECT grp, person, 'forward', local_at FROM base
    WHERE kind = 'content.forwarded' OR (kind = 'message.posted' AND forwarded)
    UNION ALL
    SELECT grp, person, 'reaction_given', local_at FROM reactions
    WHERE author IS DISTINCT FROM person
    UNION ALL
    SELECT grp, author, 'reaction_received', local_at FROM reactions
    WHERE author IS NOT NULL AND author IS DISTINCT FROM person
    UNION ALL
    SELECT grp, inviter, 'invite', brought_at FROM stays
    WHERE last_kind IS NULL OR last_kind = 'member.joined'
       OR first_exit >= brought_at + to_days(CAST(? AS INTEGER))
),
weights(behaviour, weight) AS (VALUES {weight_rows}),
scored AS (
    SELECT c.grp, c.person,
           sum(w.weight * CASE WHEN CAST(? AS DOUBLE) IS NULL THEN 1.0 ELSE
               pow(0.5, date_diff('second', c.local_at, CAST(? AS TIMESTAMP))
                        / 86400.0 / CAST(? AS DOUBLE)) END) AS score,
           {counts}
    FROM contrib c JOIN weights w USING (behaviour)
    WHERE c.person IS NOT NULL
    GROUP BY c.grp, c.person
    HAVING sum(w.weight) > 0
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY grp ORDER BY score DESC, person) AS rank
    FROM scored QUALIFY rank <= ?
),
roles AS (
    SELECT grp, subject_person AS person, data->>'role' AS role
    FROM ev WHERE community = ? AND kind = 'role.changed' AND subject_person IS NOT NULL
          AND day <= ?
    QUALIFY row_number() OVER (PARTITION BY grp, subject_person
                               ORDER BY occurred_at DESC, id DESC) = 1
)
SELECT r.*, EXISTS (
    SELECT 1 FROM roles o WHERE o.person = r.person AND o.role <> 'member'
      AND (o.grp = r.grp OR o.grp IS NULL)) AS has_role
FROM ranked r ORDER BY r.grp, r.rank
"""


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
    behaviours, weights, decay and the invite-who-stayed rule.
    """
    last = as_of(con, scope)
    if last is None:
        return []
    w = _weights(weights)
    window = replace(scope, until=last)
    where, params = window.where("x")
    until, uparams = replace(scope, since=None, until=last).where()
    counts = ",\n".join(f"count(*) FILTER (WHERE c.behaviour = '{b}') AS n_{b}" for b in BEHAVIOURS)
    sql = _SQL.format(
        where=where,
        until=until,
        weight_rows=", ".join("(?, ?)" for _ in BEHAVIOURS),
        counts=counts,
    )
    ref = _end_of_day(last)
    args: list[Any] = [
        *params,
        *uparams,
        invite_stay_days,
        *[v for b in BEHAVIOURS for v in (b, w[b])],
        half_life_days,
        ref,
        half_life_days,
        top,
        scope.community,
        last,
    ]
    rows = con.execute(sql, args).fetchall()
    out: list[Leader] = []
    for row in rows:
        grp, person, score, *ns, rank, has_role = row
        evidence = {b: int(n) for b, n in zip(BEHAVIOURS, ns, strict=True) if n}
        out.append(Leader(grp, person, round(float(score), 4), int(rank), evidence, bool(has_role)))
    return out


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

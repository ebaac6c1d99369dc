"""Fission (P-FIS-1, P-FIS-3, P-FIS-4): referral trees, inviters, campaigns, channels, commission.

``channel_cost`` and ``commission`` live in :mod:`shequn.analytics.fission_costs`; all five
metrics are listed in this module's ``METRICS``.

Persons (merged identities are one), local days, and the as-of day as everywhere in analytics;
rewards, fraud cases, commission and payments carry no group, so as in money.py a group's
as-of day is the community's and those events are read community-wide.

**Counted referral edges** (inviter → invitee), shared by the metrics below:

1. Every joiner is credited to one inviter, first touch, as in the funnel
   (:func:`~shequn.analytics.funnel.credits_sql`): ``data.inviter`` of their join, else the actor
   of the earliest ``member.invited`` naming them; self-invites never count. The invitee must
   have a ``member.joined`` in scope by the as-of day; their *join day* is the first one.
2. An inviter whose first join came after the invitee's (ties: the smaller person key first)
   cannot have brought them: that edge does not count. This breaks every invitation ring
   (A brings B, B "invites" A later), so the edges form a forest.
3. Fraud (P-FIS-5): the referral's *latest* case (``referral.flagged`` naming the invitee and,
   in ``data.inviter``, the inviter) has a status, its latest ``referral.reviewed`` verdict, else
   its ``outcome``. ``blocked`` and ``upheld`` do not count; ``review`` counts until upheld;
   ``overturned`` counts.

An edge's *campaign* is ``data.campaign`` of the credited event, else the earliest
``data.campaign`` on the invitee's joins, else ``"(none)"``. Formulas per metric are in their
docstrings and in ``docs/metrics/fission.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from shequn.analytics.fission_costs import channel_cost, commission
from shequn.analytics.funnel import credits_sql, days_sql, fees_sql, named, run
from shequn.analytics.money import scope_window
from shequn.analytics.registry import Metric
from shequn.analytics.retention import period_sql
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, MEANINGFUL_KINDS, Scope, kinds_sql

MAX_DEPTH = 50
"""``referral_tree`` walks no deeper than this (a guard against bad data)."""


@dataclass(frozen=True, slots=True)
class ReferralTree:
    root: str  # a person who was not referred and brought at least one member
    size: int  # members below the root
    depth: int  # longest chain below the root (1: only direct invitees)
    branching: float | None  # size / members of the tree who brought anyone


@dataclass(frozen=True, slots=True)
class ReferralForest:
    trees: list[ReferralTree]  # the ``top`` biggest
    members: int  # persons who joined by the as-of day
    referred: int  # of those, invitees of a counted edge
    roots: int  # trees: persons not referred who brought at least one member
    max_depth: int
    referral_share: float | None  # referred / members


@dataclass(frozen=True, slots=True)
class Inviter:
    inviter: str
    invitees: int  # counted invitees whose join day is in the window
    still_members: int  # of those, in a group at the as-of day
    paid: int  # of those, net fees after their join day above zero
    rewards: int  # rewards granted in the window and not revoked since
    commission: float  # commission earned in the window
    flagged: int  # fraud cases flagged against them in the window


@dataclass(frozen=True, slots=True)
class CampaignWeek:
    week_start: date  # week of the participant's first participation in the window
    participants: int
    invitees: int
    activated: int
    k: float | None  # activated / participants


@dataclass(frozen=True, slots=True)
class CampaignK:
    campaign: str
    participants: int  # distinct inviters who invited or brought someone in the window
    invitees: int  # counted invitees of the campaign who joined in the window
    activated: int  # of those, a meaningful action within activation_days of joining
    invitees_per_participant: float | None  # invitees / participants
    conversion: float | None  # activated / invitees
    k: float | None  # activated / participants
    weeks: list[CampaignWeek]


def _rate(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None


def _edges(scope: Scope, last: date, p: dict[str, Any]) -> tuple[str, str, str]:
    """The CTEs ``entry`` (person → first join time, day, campaign), ``credits``, ``flags``,
    ``verdicts``, ``excluded`` and ``edges`` (counted inviter, invitee, campaign, join day);
    also the scope's history condition and the community's (for group-less kinds)."""
    where = named(replace(scope, since=None, until=last).where(), "w", p)
    every = named(Scope(scope.community, until=last).where(), "cw", p)
    # A verdict corrects the case it judges whenever it was given: an operator reviewing last
    # year's imported flags today must change last year's tree (and not move its as-of day).
    judged = named(Scope(scope.community).where(), "vw", p)
    ctes = f"""
        entry AS (
            SELECT person, min(occurred_at) AS at, min(day) AS day,
                   arg_min(data->>'campaign', occurred_at) AS campaign
            FROM ev WHERE {where} AND kind = 'member.joined' AND person IS NOT NULL
            GROUP BY person
        ),
        {credits_sql(where)},
        flags AS (
            SELECT ev.id, ev.data->>'case' AS case_id, ev.subject_person AS invitee,
                   coalesce(pp.member, ev.data->>'inviter') AS inviter, ev.occurred_at,
                   ev.data->>'outcome' AS outcome, ev.day
            FROM ev LEFT JOIN people pp
                 ON pp.of_community = ev.community AND pp.identity = ev.data->>'inviter'
            WHERE {every} AND ev.kind = 'referral.flagged'
        ),
        verdicts AS (
            SELECT case_id, verdict FROM (
                SELECT data->>'case' AS case_id, data->>'verdict' AS verdict, row_number()
                       OVER (PARTITION BY data->>'case' ORDER BY occurred_at DESC, id DESC) AS rn
                FROM ev WHERE {judged} AND kind = 'referral.reviewed'
            ) WHERE rn = 1
        ),
        excluded AS (
            SELECT invitee, inviter FROM (
                SELECT f.invitee, f.inviter, coalesce(v.verdict, f.outcome) AS status, row_number()
                       OVER (PARTITION BY f.invitee, f.inviter
                             ORDER BY f.occurred_at DESC, f.id DESC) AS rn
                FROM flags f LEFT JOIN verdicts v ON v.case_id = f.case_id
            ) WHERE rn = 1 AND status IN ('blocked', 'upheld')
        ),
        edges AS (
            SELECT c.inviter, c.invitee, i.day,
                   coalesce(c.campaign, i.campaign, '(none)') AS campaign
            FROM credits c JOIN entry i ON i.person = c.invitee
            LEFT JOIN entry o ON o.person = c.inviter
            WHERE (o.person IS NULL OR o.at < i.at OR (o.at = i.at AND o.person < i.person))
              AND NOT EXISTS (SELECT 1 FROM excluded x
                              WHERE x.invitee = c.invitee AND x.inviter = c.inviter)
        )
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    return ctes, where, every


def referral_tree(con: Any, scope: Scope, *, top: int = 20) -> ReferralForest:
    """The referral forest as of the as-of day (P-FIS-1, P-FIS-3; ``since`` is ignored: a tree
    is its whole history). Nodes: persons who joined, and inviters of counted edges. A *root*
    is a node that was not referred; walking counted edges down from it (at most
    :data:`MAX_DEPTH` levels, never revisiting a person) gives ``size`` = persons reached,
    ``depth`` = the deepest level reached, ``branching = size / persons in the tree with at
    least one invitee``. Totals: ``members`` joined, ``referred`` = counted edges,
    ``roots`` = trees (roots with ``size`` ≥ 1), ``referral_share = referred / members``.
    The ``top`` [20] trees by size (then depth, root) are returned."""
    setup = scope_window(con, scope)
    if setup is None:
        return ReferralForest([], 0, 0, 0, 0, None)
    last, p = setup
    ctes, _, _ = _edges(scope, last, p)
    p["cap"] = MAX_DEPTH
    totals = f"WITH {ctes} SELECT (SELECT count(*) FROM entry), (SELECT count(*) FROM edges)"  # noqa: S608
    [(members, referred)] = run(con, totals, p)
    sql = f"""
        WITH RECURSIVE {ctes},
        nodes AS (SELECT person FROM entry UNION SELECT inviter FROM edges),
        roots AS (SELECT person FROM nodes WHERE person NOT IN (SELECT invitee FROM edges)),
        walk(root, parent, node, depth, path) AS (
            SELECT person, CAST(NULL AS VARCHAR), person, 0, [person] FROM roots
            UNION ALL
            SELECT w.root, w.node, e.invitee, w.depth + 1, list_append(w.path, e.invitee)
            FROM walk w JOIN edges e ON e.inviter = w.node
            WHERE w.depth < $cap AND NOT list_contains(w.path, e.invitee)
        )
        SELECT root, count(*) - 1, max(depth), count(DISTINCT parent) FROM walk
        GROUP BY root HAVING count(*) > 1 ORDER BY 2 DESC, 3 DESC, 1
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    trees = [ReferralTree(r, n, d, _rate(n, parents)) for r, n, d, parents in run(con, sql, p)]
    return ReferralForest(
        trees=trees[:top],
        members=members,
        referred=referred,
        roots=len(trees),
        max_depth=max((t.depth for t in trees), default=0),
        referral_share=_rate(referred, members),
    )


def referral_leaderboard(
    con: Any, scope: Scope, *, top: int = 20, campaign: str | None = None
) -> list[Inviter]:
    """Inviters ranked by counted invitees (P-FIS-1, P-FIS-3, P-FIS-5). Per inviter: ``invitees``
    = counted edges whose invitee's join day is in the window (and, with ``campaign``, whose
    campaign it is); ``still_members`` = of those, persons whose latest join/leave/removal in
    some group of the scope by the as-of day is a join; ``paid`` = of those, fees minus refunds
    on or after their join day (as the funnel's revenue) above zero; ``rewards`` =
    ``reward.granted`` in the window (of ``campaign``, if given) whose (campaign, tier) was not
    revoked later; ``commission`` = ``commission.earned`` amounts in the window (all campaigns);
    ``flagged`` = distinct ``referral.flagged`` cases naming them as inviter in the window.
    Rows: inviters with an invitee or a fraud case in the window, most invitees first (then
    inviter), the ``top`` [20]."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, p = setup
    ctes, where, every = _edges(scope, last, p)
    p["top"], p["camp"] = top, campaign
    window = "BETWEEN $first AND $last"
    sql = f"""
        WITH {ctes}, {fees_sql(every)},
        inw AS (
            SELECT * FROM edges WHERE day {window}
              AND (CAST($camp AS VARCHAR) IS NULL OR campaign = $camp)
        ),
        moves AS (
            SELECT CASE WHEN kind = 'member.removed' THEN subject_person ELSE person END AS who,
                   kind, row_number() OVER (
                       PARTITION BY CASE WHEN kind = 'member.removed' THEN subject_person
                                         ELSE person END, grp
                       ORDER BY occurred_at DESC, id DESC) AS rn
            FROM ev WHERE {where}
              AND kind IN ('member.joined', 'member.left', 'member.removed')
        ),
        here AS (SELECT DISTINCT who FROM moves WHERE rn = 1 AND kind = 'member.joined'),
        paid AS (
            SELECT e.invitee FROM inw e JOIN pay ON pay.person = e.invitee AND pay.day >= e.day
            GROUP BY e.invitee HAVING sum(pay.amount) > 0
        ),
        rewards AS (
            SELECT who, count(*) AS n FROM (
                SELECT subject_person AS who, kind, day, row_number()
                       OVER (PARTITION BY subject_person, data->>'campaign', data->>'tier'
                             ORDER BY occurred_at DESC, id DESC) AS rn
                FROM ev WHERE {every} AND kind IN ('reward.granted', 'reward.revoked')
                  AND (CAST($camp AS VARCHAR) IS NULL OR data->>'campaign' = $camp)
            ) WHERE rn = 1 AND kind = 'reward.granted' AND day {window} GROUP BY who
        ),
        earned AS (
            SELECT subject_person AS who,
                   sum(coalesce(TRY_CAST(data->>'amount' AS DOUBLE), 0)) AS amount
            FROM ev WHERE {every} AND kind = 'commission.earned'
              AND day {window} GROUP BY 1
        ),
        cases AS (
            SELECT inviter AS who, count(DISTINCT case_id) AS n FROM flags
            WHERE day {window} GROUP BY 1
        ),
        counted AS (
            SELECT e.inviter AS who, count(*) AS n, count(h.who) AS here, count(pd.invitee) AS paid
            FROM inw e LEFT JOIN here h ON h.who = e.invitee
            LEFT JOIN paid pd ON pd.invitee = e.invitee GROUP BY 1
        ),
        who AS (SELECT who FROM counted UNION SELECT who FROM cases)
        SELECT w.who, coalesce(c.n, 0), coalesce(c.here, 0), coalesce(c.paid, 0),
               coalesce(r.n, 0), coalesce(m.amount, 0), coalesce(f.n, 0)
        FROM who w LEFT JOIN counted c ON c.who = w.who LEFT JOIN rewards r ON r.who = w.who
        LEFT JOIN earned m ON m.who = w.who LEFT JOIN cases f ON f.who = w.who
        ORDER BY 2 DESC, 1 LIMIT $top
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    return [
        Inviter(who, n, here, paid, rewards, round(amount, 2), flagged)
        for who, n, here, paid, rewards, amount, flagged in run(con, sql, p)
    ]


def campaign_k_factor(
    con: Any,
    scope: Scope,
    *,
    activation_days: int = 7,
    meaningful_kinds: tuple[str, ...] = MEANINGFUL_KINDS,
) -> list[CampaignK]:
    """K-factor per referral campaign, and per weekly cohort of its participants (P-FIS-1,
    P-FIS-3). ``participants`` = distinct persons with a ``member.invited`` of the campaign
    (not a self-invite) or a counted edge of the campaign, in the window; their *cohort* is the
    week (Monday) of their first such day in the window. ``invitees`` = counted edges of the
    campaign whose invitee's join day is in the window. ``activated`` = of those, invitees with
    a meaningful action (``MEANINGFUL_KINDS``) within ``activation_days`` [7] local days
    counting the join day. ``k = activated / participants``; ``invitees_per_participant =
    invitees / participants``; ``conversion = activated / invitees``, so ``k =
    invitees_per_participant × conversion``. Campaigns in name order (``"(none)"``: no
    campaign); the weeks add up to the campaign."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, p = setup
    ctes, where, _ = _edges(scope, last, p)
    p["adays"] = activation_days - 1
    sql = f"""
        WITH {ctes},
        {days_sql("meaningful", where, named(kinds_sql(meaningful_kinds), "mk", p))},
        inw AS (SELECT * FROM edges WHERE day BETWEEN $first AND $last),
        touches AS (
            SELECT person AS inviter, coalesce(data->>'campaign', '(none)') AS campaign,
                   day
            FROM ev WHERE {where} AND kind = 'member.invited' AND person IS NOT NULL
              AND person <> coalesce(subject_person, '') AND day >= $first
            UNION ALL SELECT inviter, campaign, day FROM inw
        ),
        cohorts AS (
            SELECT campaign, inviter, {period_sql("week", "min(day)")} AS week FROM touches
            GROUP BY campaign, inviter
        ),
        activated AS (
            SELECT DISTINCT e.invitee FROM inw e JOIN meaningful m
              ON m.person = e.invitee AND m.day BETWEEN e.day AND e.day + $adays
        )
        SELECT c.campaign, c.week, count(DISTINCT c.inviter), count(e.invitee), count(a.invitee)
        FROM cohorts c LEFT JOIN inw e ON e.inviter = c.inviter AND e.campaign = c.campaign
        LEFT JOIN activated a ON a.invitee = e.invitee
        GROUP BY 1, 2 ORDER BY 1, 2
    """  # noqa: S608  # only placeholders and fixed SQL fragments are interpolated
    weeks: dict[str, list[CampaignWeek]] = {}
    for name, week, n, invitees, act in run(con, sql, p):
        weeks.setdefault(name, []).append(CampaignWeek(week, n, invitees, act, _rate(act, n)))
    out = []
    for name, rows in weeks.items():
        n = sum(w.participants for w in rows)
        invitees = sum(w.invitees for w in rows)
        act = sum(w.activated for w in rows)
        out.append(
            CampaignK(
                campaign=name,
                participants=n,
                invitees=invitees,
                activated=act,
                invitees_per_participant=_rate(invitees, n),
                conversion=_rate(act, invitees),
                k=_rate(act, n),
                weeks=rows,
            )
        )
    return out


METRICS = (
    Metric(
        "referral_tree",
        "Referral forest: tree size, depth and branching per root, share of members referred",
        ("P-FIS-1", "P-FIS-3"),
        referral_tree,
        {"top": 20},
    ),
    Metric(
        "referral_leaderboard",
        "Inviters by counted invitees, with retention, payers, rewards, commission, fraud cases",
        ("P-FIS-1", "P-FIS-3", "P-FIS-5"),
        referral_leaderboard,
        {"top": 20, "campaign": None},
    ),
    Metric(
        "campaign_k_factor",
        "K-factor per referral campaign and weekly participant cohort",
        ("P-FIS-1", "P-FIS-3"),
        campaign_k_factor,
        {"activation_days": 7, "meaningful_kinds": MEANINGFUL_KINDS},
    ),
    Metric(
        "channel_cost",
        "Cost per acquired and per retained member per acquisition channel",
        ("P-FIS-4", "P-MEA-6"),
        channel_cost,
        {"retention_days": (21, 27), "active_kinds": DEFAULT_ACTIVE_KINDS},
    ),
    Metric(
        "commission",
        "Commission per fission agent by level, and the payments it came from",
        ("P-FIS-3",),
        commission,
        {},
    ),
)

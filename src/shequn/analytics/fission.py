"""Fission (P-FIS-1, P-FIS-3, P-FIS-4): referral trees, inviters, campaigns, channels, commission.

``channel_cost`` and ``commission`` live in :mod:`shequn.analytics.fission_costs`; all five
metrics are listed in this module's ``METRICS``.

Persons (merged identities are one), local days, and the as-of day as everywhere in analytics;
rewards, fraud cases, commission and payments carry no group, so as in money.py a group's
as-of day is the community's and those events are read community-wide.

**Counted referral edges** (inviter → invitee), shared by the metrics below:

1. Every joiner is credited to one inviter, first touch, as in the funnel
   (:func:`~shequn.analytics.starts.credits`): ``data.inviter`` of their join, else the actor
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

from shequn.analytics import portable, starts
from shequn.analytics.fission_costs import channel_cost, commission
from shequn.analytics.fission_edges import ReferralTree, edges, rate, walk
from shequn.analytics.money import scope_window
from shequn.analytics.registry import Metric
from shequn.analytics.scope import DEFAULT_ACTIVE_KINDS, MEANINGFUL_KINDS, Scope


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


def referral_tree(con: Any, scope: Scope, *, top: int = 20) -> ReferralForest:
    """The referral forest as of the as-of day (P-FIS-1, P-FIS-3; ``since`` is ignored: a tree
    is its whole history). Nodes: persons who joined, and inviters of counted edges. A *root*
    is a node that was not referred; walking counted edges down from it (at most
    :data:`MAX_DEPTH` levels, never revisiting a person) gives ``size`` = persons reached,
    ``depth`` = the deepest level reached, ``branching = size / persons in the tree with at
    least one invitee``. Totals: ``members`` joined, ``referred`` = counted edges,
    ``roots`` = trees (roots with ``size`` ≥ 1), ``referral_share = referred / members``.
    The ``top`` [20] trees by size (then depth, root) are returned.

    The edges are one Ibis definition for both engines (``analytics/portable.py``); the walk
    is :func:`walk`, in Python: Ibis has no recursive queries, and the edges are one row per
    referred member, far fewer than the events they are computed from."""
    setup = scope_window(con, scope)
    if setup is None:
        return ReferralForest([], 0, 0, 0, 0, None)
    last, _ = setup
    entry, counted, _ = edges(con, scope, last)
    members = int(portable.scalar(con, entry.count()))
    pairs = [(str(a), str(b)) for a, b in portable.fetch(con, counted.select("inviter", "invitee"))]
    trees = walk(pairs)
    return ReferralForest(
        trees=trees[:top],
        members=members,
        referred=len(pairs),
        roots=len(trees),
        max_depth=max((t.depth for t in trees), default=0),
        referral_share=rate(len(pairs), members),
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
    inviter), the ``top`` [20]. Defined once for both engines (``analytics/portable.py``)."""
    import ibis

    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    first = scope.since or date.min
    _, counted, flags = edges(con, scope, last)
    t = portable.ev()
    where = portable.in_scope(t, replace(scope, since=None, until=last))
    every = portable.in_scope(t, Scope(scope.community, until=last))
    inw = counted.filter(counted.day.between(first, last))
    if campaign is not None:
        inw = inw.filter(inw.campaign == campaign)
    moved = t.filter(*where, t.kind.isin(("member.joined", "member.left", "member.removed")))
    who = (moved.kind == "member.removed").ifelse(moved.subject_person, moved.person)
    moves = moved.select(
        "kind",
        who=who,
        rn=ibis.row_number().over(
            group_by=[who, moved.grp], order_by=[moved.occurred_at.desc(), moved.id.desc()]
        ),
    )
    here = moves.filter(moves.rn == 0, moves.kind == "member.joined").select(h="who").distinct()
    pay = starts.fees(con, t, every, scope.community)
    spent = inw.join(pay, [pay.person == inw.invitee, pay.day >= inw.day])
    paid = spent.group_by(p=inw.invitee).aggregate(total=spent.amount.sum())
    paid = paid.filter(paid.total > 0).select("p")
    counted = inw.left_join(here, inw.invitee == here.h).left_join(paid, inw.invitee == paid.p)
    counted = counted.group_by(who="inviter").aggregate(
        n=counted.count(), here=counted.h.count(), paid=counted.p.count()
    )
    given = t.filter(*every, t.kind.isin(("reward.granted", "reward.revoked")))
    given = given.mutate(camp=portable.field(con, given.data, "campaign"))
    if campaign is not None:
        given = given.filter(given.camp == campaign)
    latest = given.select(
        "kind",
        "day",
        who=given.subject_person,
        rn=ibis.row_number().over(
            group_by=[given.subject_person, given.camp, portable.field(con, given.data, "tier")],
            order_by=[given.occurred_at.desc(), given.id.desc()],
        ),
    )
    kept = latest.filter(
        latest.rn == 0, latest.kind == "reward.granted", latest.day.between(first, last)
    )
    earned = t.filter(*every, t.kind == "commission.earned", t.day.between(first, last))
    amount = portable.field(con, earned.data, "amount").try_cast("float64").fill_null(0)
    cases = flags.filter(flags.day.between(first, last))

    def figure(x: Any, name: str, value: Any) -> Any:
        return x.select(who=x.who, figure=ibis.literal(name), value=value.cast("float64"))

    rewards = kept.group_by("who").aggregate(v=kept.count())
    commission = earned.group_by(who=earned.subject_person).aggregate(v=amount.sum())
    flagged = cases.group_by(who=cases.inviter).aggregate(v=cases.case_id.nunique())
    per = [
        figure(counted, "n", counted.n),
        figure(counted, "here", counted.here),
        figure(counted, "paid", counted.paid),
        figure(rewards, "rewards", rewards.v),
        figure(commission, "amount", commission.v),
        figure(flagged, "cases", flagged.v),
    ]
    found: dict[Any, dict[str, float]] = {}
    for person, name, value in portable.fetch(con, per[0].union(*per[1:], distinct=False)):
        found.setdefault(person, {})[name] = float(value)
    shown = [w for w, got in found.items() if "n" in got or "cases" in got]
    shown.sort(key=lambda w: (-found[w].get("n", 0), w is None, w or ""))

    def n(w: Any, key: str) -> int:
        return int(found[w].get(key, 0))

    return [
        Inviter(
            w,
            n(w, "n"),
            n(w, "here"),
            n(w, "paid"),
            n(w, "rewards"),
            round(found[w].get("amount", 0.0), 2),
            n(w, "cases"),
        )
        for w in shown[:top]
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
    campaign); the weeks add up to the campaign. Defined once for both engines
    (``analytics/portable.py``)."""
    setup = scope_window(con, scope)
    if setup is None:
        return []
    last, _ = setup
    first = scope.since or date.min
    _, counted, _ = edges(con, scope, last)
    t = portable.ev()
    where = portable.in_scope(t, replace(scope, since=None, until=last))
    meaningful = starts.days(t, where, meaningful_kinds)
    inw = counted.filter(counted.day.between(first, last))
    invited = t.filter(
        *where,
        t.kind == "member.invited",
        t.person.notnull(),
        t.person != t.subject_person.fill_null(""),
        t.day >= first,
    )
    touches = invited.select(
        inviter=invited.person,
        campaign=portable.field(con, invited.data, "campaign").fill_null("(none)"),
        day=invited.day,
    ).union(inw.select("inviter", "campaign", "day"), distinct=False)
    cohorts = touches.group_by(["campaign", "inviter"]).aggregate(
        week=portable.period(touches.day.min(), "week")
    )
    acted = inw.join(
        meaningful,
        [
            meaningful.person == inw.invitee,
            meaningful.day >= inw.day,
            meaningful.day <= portable.plus_days(inw.day, activation_days - 1),
        ],
    )
    activated = acted.select(a=inw.invitee).distinct()
    e = inw.select(e_inviter="inviter", e_campaign="campaign", e_invitee="invitee")
    touched = cohorts.left_join(
        e, [e.e_inviter == cohorts.inviter, e.e_campaign == cohorts.campaign]
    )
    both = touched.left_join(activated, touched.e_invitee == activated.a)
    cells = both.group_by(["campaign", "week"]).aggregate(
        n=both.inviter.nunique(), invitees=both.e_invitee.count(), act=both.a.count()
    )
    weeks: dict[str, list[CampaignWeek]] = {}
    for name, week, n, invitees, act in portable.fetch(con, cells.order_by(["campaign", "week"])):
        weeks.setdefault(name, []).append(CampaignWeek(week, n, invitees, act, rate(act, n)))
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
                invitees_per_participant=rate(invitees, n),
                conversion=rate(act, invitees),
                k=rate(act, n),
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

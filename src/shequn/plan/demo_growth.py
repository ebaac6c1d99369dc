"""The demo's growth chapter: its last two weeks run through the entry and fission engines.

After the simulated history, ``shequn demo`` plays a referral campaign the way a live bot
would: "invite 3 book friends to unlock the reading list", referral links for six members of the
main group, a live code at the partner bookshop's session, newcomers knocking through
both, waves letting them in, intake answers, one invitee who leaves within hours (the reward
is clawed back) and one member's second account coming in through their own poster (a
fraud case for review once the accounts merge). Every
step calls the same engine functions the CLI and a bot call; everything is deterministic for
a seed and repeatable (a second run adds nothing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select

from shequn.engine.campaigns import configure_campaign
from shequn.engine.entry import Request, enter, open_waves
from shequn.engine.entry_rules import join_data
from shequn.engine.intake import record_intake
from shequn.engine.links import create_link, ensure_referral_link
from shequn.engine.record import record
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_growth import DEFAULT_INVITES_TO_UNLOCK, Campaign, RewardTier
from shequn.model.entities import Link
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.growth_queries import get_link, list_entries
from shequn.store.queries import list_members
from shequn.store.referral_queries import get_campaign

CAMPAIGN = Campaign(
    slug="invite3",
    name=f"邀请 {DEFAULT_INVITES_TO_UNLOCK} 位书友，解锁共读书单",
    groups=["main"],
    tiers=[
        RewardTier(invites=DEFAULT_INVITES_TO_UNLOCK, reward="共读书单"),
        RewardTier(invites=2 * DEFAULT_INVITES_TO_UNLOCK, reward="1 对 1 读书规划"),
    ],
)
LIVE_CODE = "demo-bookshop"
NEWCOMERS_PER_DAY = (2, 6)
CITIES = ("杭州", "上海", "北京", "成都", "南京")
NEEDS = ("找书友", "坚持阅读", "写读书笔记", "职业成长")


@dataclass
class GrowthSummary:
    newcomers: int = 0
    admitted: int = 0
    waves: int = 0

    def render(self) -> Said:
        return Said(
            "growth: {newcomers} newcomers through campaign {campaign!r} and live code "
            "{code!r}, {admitted} admitted in {waves} waves",
            newcomers=self.newcomers,
            campaign=CAMPAIGN.slug,
            code=LIVE_CODE,
            admitted=self.admitted,
            waves=self.waves,
        )


def run_growth(store: Store, bp: Blueprint, *, seed: int, days: int = 14) -> GrowthSummary:
    """Play the growth chapter over the last ``days`` of the recorded history."""
    community = bp.community.slug
    summary = GrowthSummary()
    with store.read() as conn:
        if get_campaign(conn, community, CAMPAIGN.slug) is not None:
            return summary  # played already: the demo is repeatable
        end = story_end(conn)
        top = list_members(conn, community=community, group="main", limit=6)
    if end is None or not top:
        return summary
    rng = random.Random(seed)  # noqa: S311  # a demo, not a secret
    start = end - timedelta(days=days)
    configure_campaign(store, community, CAMPAIGN, now=start)
    live = create_link(
        store,
        bp,
        purpose="live_code",
        groups=["spring-newcomers", "main"],
        channel="半山书房线下分享会",
        code=LIVE_CODE,
        now=start,
    )
    links = [ensure_referral_link(store, bp, m.key, campaign=CAMPAIGN.slug, now=start) for m in top]
    n = 0
    last: list[tuple[str, str, str | None]] = []
    for day in range(days):
        noon = start + timedelta(days=day, hours=4)
        for _ in range(rng.randint(*NEWCOMERS_PER_DAY)):
            n += 1
            who = f"wechat:demo-newcomer-{n:03d}"
            link = rng.choice(links) if rng.random() < 0.7 else live
            at = noon + timedelta(minutes=rng.randint(0, 600))
            enter(store, community, Request(who, link=link.code, ref=f"demo-{n}", at=at))
            if rng.random() < 0.5:
                record_intake(
                    store,
                    community,
                    who,
                    now=at + timedelta(minutes=5),
                    card={"city": rng.choice(CITIES)},
                    survey={"need": rng.choice(NEEDS)},
                )
        evening = start + timedelta(days=day, hours=14)
        summary.waves += open_waves(store, community, now=evening)
        arrived = _arrive(store, community, evening + timedelta(minutes=20))
        summary.admitted += len(arrived)
        last = arrived or last
    summary.newcomers = n
    _troubles(store, community, last, links, start + timedelta(days=days - 1, hours=20))
    return summary


def _arrive(store: Store, community: str, at: datetime) -> list[tuple[str, str, str | None]]:
    """The platform lets the admitted newcomers in: their ``member.joined`` events."""
    with store.read() as conn:
        admitted = list_entries(conn, community, status=("admitted",))
        links = {e.link: get_link(conn, e.link) for e in admitted if e.link}
    joins = [
        Event(
            kind="member.joined",
            occurred_at=at,
            community=community,
            source="demo-bot",
            source_ref=f"join:{e.group}:{e.identity}",
            group=e.group,
            actor=e.identity,
            data=join_data(links.get(e.link) if e.link else None),
        )
        for e in admitted
        if e.group is not None
    ]
    record(store, joins)
    return [(e.identity, e.group, e.link) for e in admitted if e.group is not None]


def _troubles(
    store: Store,
    community: str,
    arrived: list[tuple[str, str, str | None]],
    links: list[Link],
    at: datetime,
) -> None:
    """A referral invitee who arrived last evening leaves within hours (the inviter's reward,
    if it depended on them, is clawed back); the first referrer's second account comes in
    through their own poster and is caught when the accounts merge."""
    referral = {link.code for link in links}
    quitters = [(who, group) for who, group, code in arrived if code in referral]
    if quitters:
        who, group = quitters[-1]
        record(
            store,
            [
                Event(
                    kind="member.left",
                    occurred_at=at,
                    community=community,
                    source="demo-bot",
                    source_ref=f"left:{who}",
                    group=group,
                    actor=who,
                )
            ],
        )
    owner = links[0].owner
    if owner is None:
        return
    alt = "wechat:demo-second-account"  # the referrer's second account scans their poster
    enter(store, community, Request(alt, link=links[0].code, ref="demo-alt", at=at))
    phone = {"phone": "+86 139 0000 0001"}
    record(
        store,
        [
            Event(
                kind="identity.verified",
                occurred_at=at + timedelta(minutes=m),
                community=community,
                source="demo-bot",
                source_ref=f"verify:{who}",
                actor=who,
                data=dict(phone),
            )
            for m, who in ((1, owner), (2, alt))
        ],
    )  # the same phone: merged, and the referral becomes a duplicate-identity case


def story_end(conn: Connection) -> datetime | None:
    """The demo's "now": the newest message of its simulated history (UTC). The growth
    chapter plays the fortnight before it, and the demo's worker runs at it."""
    last_message = t.events.c.kind == "message.posted"
    end = conn.execute(select(func.max(t.events.c.occurred_at)).where(last_message)).scalar()
    if not isinstance(end, datetime):
        return None
    return end if end.tzinfo else end.replace(tzinfo=UTC)

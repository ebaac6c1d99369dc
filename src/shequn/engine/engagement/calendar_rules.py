"""The content calendar as pure decisions (P-CHN-2): posts released on their day, one-off
posts planned, each day checked against the seeds' rhythm.

A post to a group is a ``message.send`` of its text through the connector; a post anywhere
else (the personal account, Moments, the official account) is a ``post.publish`` action, an
operator task on every platform, because no bot may post there. Recurring posts come from the
blueprint (``[[engagement.calendar.posts]]``) and are released by the worker's
``calendar.release`` tick once per local day (``post.released``, keyed by the post and the
day); one-off posts (``shequn calendar add``) are ``post.planned`` with their action due at
their time, like a session's announcement. A post the operator publishes by hand (any channel
but a group) is announced to them ``remind_hours_before`` its time (``post.prepare``, an
operator task): for a recurring post by the same tick (``post.reminded``, keyed by the post
and the day), for a one-off post as a second action of its plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.engine.engagement.timeline import local
from shequn.errors import Conflict
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_calendar import WEEKDAYS
from shequn.model.events import Event, parse_time
from shequn.model.i18n import N_, Phrases, Said

WHERE = Phrases(
    {
        "personal": N_("your personal account"),
        "moments": N_("Moments"),
        "official": N_("the official account"),
        "group": N_("the group"),
    }
)
"""Where a post goes, as the operator's task names it in the community's language."""


@dataclass(frozen=True, slots=True)
class Post:
    """One post on one day: ``post`` is the calendar's name (recurring) or the planned id."""

    post: str
    channel: str
    at: datetime
    text: str
    group: str | None = None
    ad: bool = False
    recurring: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "post": self.post, "channel": self.channel, "group": self.group,
            "at": self.at.isoformat(), "text": self.text, "ad": self.ad,
            "recurring": self.recurring,
        }  # fmt: skip


def occurrences(bp: Blueprint, day: date) -> list[Post]:
    """Pure: the blueprint's recurring posts on the community's local ``day``."""
    zone = ZoneInfo(bp.community.timezone)
    weekday = WEEKDAYS[day.weekday()]
    return [
        Post(
            p.name,
            p.channel,
            datetime.combine(day, time.fromisoformat(p.time), zone),
            p.text,
            p.group,
            p.ad,
            recurring=True,
        )
        for p in bp.engagement.calendar.posts
        if weekday in p.days
    ]


def post_action(bp: Blueprint, post: Post, due: datetime) -> Action:
    """The action that publishes ``post``: the group's message, or the operator's task."""
    community = bp.community.slug
    if post.channel == "group":
        return Action("message.send", community, due, post.group, {"text": post.text})
    where = WHERE[bp.community.language][post.channel]
    payload = {"post": post.post, "channel": post.channel, "where": where,
               "at": local(bp, post.at), "text": post.text, "ad": post.ad}  # fmt: skip
    return Action("post.publish", community, due, None, payload)


def prepare_action(bp: Blueprint, post: Post, due: datetime) -> Action:
    """The operator's early reminder of ``post`` (an operator task on every platform)."""
    where = WHERE[bp.community.language][post.channel]
    payload = {"post": post.post, "channel": post.channel, "where": where,
               "at": local(bp, post.at), "text": post.text, "ad": post.ad}  # fmt: skip
    return Action("post.prepare", bp.community.slug, due, None, payload)


def _reminded(bp: Blueprint, post: Post) -> bool:
    """Whether ``post`` gets an early reminder: by hand, with a lead configured."""
    return post.channel != "group" and bp.engagement.calendar.remind_hours_before > 0


def decide_reminders(bp: Blueprint, now: datetime) -> list[Decision]:
    """Pure: the recurring posts by hand due within ``remind_hours_before`` from ``now`` (and
    not yet due), one decision each — ``post.reminded`` keyed by the post and its local day
    (so each day's occurrence is announced once) and the operator's ``post.prepare``."""
    cfg = bp.engagement.calendar
    if not cfg.enabled or cfg.remind_hours_before <= 0:
        return []
    zone = ZoneInfo(bp.community.timezone)
    lead = timedelta(hours=cfg.remind_hours_before)
    first, last = now.astimezone(zone).date(), (now + lead).astimezone(zone).date()
    out = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        for post in occurrences(bp, day):
            if _reminded(bp, post) and post.at - lead <= now < post.at:
                key, data = f"remind:{post.post}:{day}", {"day": day.isoformat()}
                event = _event(bp, "post.reminded", post, now, key, data)
                out.append(Decision([event], [prepare_action(bp, post, now)]))
    return out


def decide_release(bp: Blueprint, now: datetime) -> list[Decision]:
    """Pure: today's recurring posts whose local time has come, one decision each —
    ``post.released`` (keyed by the post and the day: the store keeps a second one a
    duplicate, which queues nothing) and its action."""
    if not bp.engagement.calendar.enabled:
        return []
    today = now.astimezone(ZoneInfo(bp.community.timezone)).date()
    return [
        Decision(
            [
                _event(
                    bp,
                    "post.released",
                    post,
                    now,
                    f"{post.post}:{today}",
                    {"day": today.isoformat()},
                )
            ],
            [post_action(bp, post, now)],
        )
        for post in occurrences(bp, today)
        if post.at <= now
    ]


def decide_plan(
    bp: Blueprint, post: Post, now: datetime, actor: str | None, entry: str | None = None
) -> Decision:
    """Pure: ``post.planned`` and its action due at its time — for a post by hand, with the
    operator's early reminder ``remind_hours_before`` it (none when that time has passed). A
    group post names a group of the blueprint; a post in the past is refused. ``entry``: the
    content entry whose live-code link the post's text carries (P-CHN-3), recorded with it."""
    if post.channel == "group":
        bp.group(post.group or "")
    if post.at <= now:
        raise Conflict(Said("a post is planned before its time"), at=post.at)
    data = {"text": post.text, **({"entry": entry} if entry else {})}
    event = _event(bp, "post.planned", post, now, post.post, data, actor)
    actions = [post_action(bp, post, post.at)]
    early = post.at - timedelta(hours=bp.engagement.calendar.remind_hours_before)
    if _reminded(bp, post) and early > now:
        actions.insert(0, prepare_action(bp, post, early))
    return Decision([event], actions)


def planned(events: Iterable[Event]) -> list[Post]:
    """The one-off posts of ``post.planned`` events."""
    return [
        Post(
            str(e.data["post"]),
            str(e.data["channel"]),
            parse_time(e.data["at"], "at"),
            str(e.data["text"]),
            e.group,
            bool(e.data.get("ad")),
        )
        for e in events
    ]


def days(
    bp: Blueprint, one_offs: Sequence[Post], first: date, count: int
) -> dict[date, list[Post]]:
    """Pure: every post of ``count`` local days from ``first``, recurring and one-off, by time."""
    zone = ZoneInfo(bp.community.timezone)
    out: dict[date, list[Post]] = {}
    for n in range(count):
        day = first + timedelta(days=n)
        mine = [p for p in one_offs if p.at.astimezone(zone).date() == day]
        out[day] = sorted([*occurrences(bp, day), *mine], key=lambda p: (p.at, p.post))
    return out


def rhythm(bp: Blueprint, posts: Sequence[Post]) -> list[str]:
    """Pure: what a day's posts get wrong against the seeds' rhythm — too few, too many, too
    many ads (P-CHN-2: 3–5 a day, mostly not ads), said in the reader's language where
    shown; ``[]`` when the day is right."""
    cfg = bp.engagement.calendar
    low, high = cfg.posts_per_day
    problems: list[str] = []
    if len(posts) < low:
        problems.append(Said("{n} posts, fewer than {low}", n=len(posts), low=low))
    if len(posts) > high:
        problems.append(Said("{n} posts, more than {high}", n=len(posts), high=high))
    ads = sum(p.ad for p in posts)
    if posts and ads / len(posts) > cfg.max_ad_share:
        problems.append(
            Said(
                "{ads} of {n} posts are ads, more than {share}",
                ads=ads,
                n=len(posts),
                share=f"{cfg.max_ad_share:.0%}",
            )
        )
    return problems


def _event(
    bp: Blueprint,
    kind: str,
    post: Post,
    now: datetime,
    key: str,
    data: dict[str, Any],
    actor: str | None = None,
) -> Event:
    return Event(
        kind=kind, occurred_at=now, community=bp.community.slug, source=ENGINE_SOURCE,
        source_ref=capped_ref(f"post:{bp.community.slug}:{key}"), group=post.group,
        actor=actor,
        data={"post": post.post, "channel": post.channel, "at": post.at.isoformat(),
              "ad": post.ad, **data},
    )  # fmt: skip

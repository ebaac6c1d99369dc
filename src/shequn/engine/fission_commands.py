"""A member's referral campaigns through a bot: ``/myinvites`` and ``/leaderboard`` (P-FIS-2,
P-FIS-3).

``/myinvites`` answers where the member stands in every campaign running now — invitees that
count, those still waiting (stay days, a qualifying task), how many more unlock the next
reward — with their own referral link (created on first use, as for the poster). ``/leaderboard
[CAMPAIGN]`` shows the campaign's leaderboard and the member's place (``/rank`` is the
member's points and badges, ``engine/engagement/bot.py``). The counting is the
fission engine's (``engine.campaigns``), so the bot says exactly what the progress messages
and ``shequn campaign show`` say; the words are in the community's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shequn.engine.campaigns import campaign_progress, campaigns, leaderboard
from shequn.engine.links import ensure_referral_link
from shequn.errors import NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_growth import Campaign
from shequn.model.i18n import N_, Phrase, Phrases
from shequn.store.db import Store
from shequn.store.scope_queries import display_names

RANK_TOP = 10
"""Lines of the leaderboard a member is shown (their own place is always added)."""

TEXT = Phrases(
    {
        "none": N_("No referral campaign is running now."),
        "line": N_("{name}: {count} counted{waiting}; {next}"),
        "waiting": N_(", {n} waiting"),
        "next": N_("{left} more to unlock {reward}"),
        "done": N_("every reward unlocked — thank you!"),
        "link": N_("Your invite link: {url}"),
        "board": N_("{name} leaderboard:"),
        "row": N_("{place}. {who} — {count}"),
        "you": N_("You are number {place}, with {count} counted."),
        "not_yet": N_("Nobody counted for you yet; share your link: /myinvites"),
        "which": N_("Several campaigns are running; name one: /leaderboard CAMPAIGN ({slugs})"),
        "unknown": N_("No such campaign: {slug}"),
        "not_member": N_("You are not a member of this community yet."),
    }
)


def running(store: Store, community: str, now: datetime) -> list[Campaign]:
    """The campaigns open at ``now`` (no start or started; no end or not ended)."""
    return [
        c
        for c in campaigns(store, community)
        if (c.starts_at is None or c.starts_at <= now) and (c.ends_at is None or now < c.ends_at)
    ]


def my_invites(store: Store, bp: Blueprint, member: str, args: str, now: datetime) -> str:
    """``/myinvites``: the member's standing in every running campaign and their link."""
    t = TEXT[bp.community.language]
    slug = bp.community.slug
    found = running(store, slug, now)
    if not found:
        return t["none"]
    lines = []
    for c in found:
        p = campaign_progress(store, slug, c.slug, member, now=now)
        tier = next((x for x in c.tiers if x.invites > p.count), None)
        waiting = t["waiting"].format(n=len(p.waiting)) if p.waiting else ""
        nxt = (
            t["next"].format(left=tier.invites - p.count, reward=tier.reward) if tier else t["done"]
        )
        lines.append(t["line"].format(name=c.name, count=p.count, waiting=waiting, next=nxt))
    link = ensure_referral_link(store, bp, member, campaign=found[0].slug, now=now)
    lines.append(t["link"].format(url=link.url or link.code))
    return "\n".join(lines)


def leaderboard_text(store: Store, bp: Blueprint, member: str, args: str, now: datetime) -> str:
    """``/leaderboard [CAMPAIGN]``: the leaderboard's top and the member's own place."""
    t = TEXT[bp.community.language]
    slug = bp.community.slug
    found = {c.slug: c for c in running(store, slug, now)}
    if not found:
        return t["none"]
    wanted = args.strip()
    if wanted and wanted not in found:
        return t["unknown"].format(slug=wanted)
    if not wanted and len(found) > 1:
        return t["which"].format(slugs=", ".join(sorted(found)))
    campaign = found[wanted] if wanted else next(iter(found.values()))
    board = leaderboard(store, slug, campaign.slug, now=now, top=10**6)
    board = [p for p in board if p.count > 0]
    with store.read() as conn:
        names = display_names(conn, slug, [p.inviter for p in board[:RANK_TOP]])
    lines = [t["board"].format(name=campaign.name)]
    for place, p in enumerate(board[:RANK_TOP], 1):
        who = names.get(p.inviter) or p.inviter
        lines.append(t["row"].format(place=place, who=who, count=p.count))
    me = campaign_progress(store, slug, campaign.slug, member, now=now).inviter
    mine = next(((n, p) for n, p in enumerate(board, 1) if p.inviter == me), None)
    lines.append(t["you"].format(place=mine[0], count=mine[1].count) if mine else t["not_yet"])
    return "\n".join(lines)


HANDLERS: dict[str, Callable[[Store, Blueprint, str, str, datetime], str]] = {
    "myinvites": my_invites,
    "leaderboard": leaderboard_text,
}
HELP = Phrase(N_("/myinvites — your invites and link; /leaderboard [CAMPAIGN] — who invited most"))


def handle(
    store: Store, bp: Blueprint, member: str, name: str, args: str, at: datetime
) -> str | None:
    """The reply to ``/myinvites`` or ``/leaderboard``, or ``None`` when ``name`` is neither."""
    handler = HANDLERS.get(name)
    if handler is None:
        return None
    try:
        return handler(store, bp, member, args, at)
    except NotFound:
        return TEXT[bp.community.language]["not_member"]


__all__ = ["HANDLERS", "HELP", "TEXT", "handle", "leaderboard_text", "my_invites", "running"]

"""``/rsvp yes|no|maybe [MEETUP]``: a member answers a meetup's invitation by writing to the bot
in private (P-ENG-6).

The answer goes through the same engine function as ``shequn meetup rsvp`` and the API
(``meetups.rsvp``), keyed on the platform's update, so the waitlist is the same one and a
re-delivered command is one answer. Without a meetup id the member's only open meetup is
meant (one not over, in a group they are in); a meetup of a group they are not in is answered
like a missing one. The reply is said through the catalogue, in the community's language.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.engagement import meetups
from shequn.engine.engagement.meetup_rules import Meetup
from shequn.engine.engagement.timeline import local
from shequn.errors import Conflict
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import Said, tr
from shequn.store.care import memberships
from shequn.store.db import Store

ANSWERS = {
    "yes": "yes", "y": "yes", "去": "yes", "参加": "yes", "报名": "yes", "是": "yes",
    "no": "no", "n": "no", "不去": "no", "不参加": "no", "否": "no", "不": "no",
    "maybe": "maybe", "可能": "maybe", "待定": "maybe", "也许": "maybe",
}  # fmt: skip
"""The words an answer may be written with, in either language, and what each means."""


def open_to(store: Store, community: str, member: str, at: datetime) -> list[Meetup]:
    """The planned meetups, not over at ``at``, of the groups ``member`` is in, soonest first."""
    with store.read() as conn:
        mine = [g for k, g, _ in memberships(conn, community) if k == member]
    found = meetups.list_meetups(store, community, mine)
    return [m for m in found if m.status == "planned" and at < m.plan.ends_at]


def rsvp_reply(
    store: Store, bp: Blueprint, member: str, args: str, *, ref: str, at: datetime, source: str
) -> str:
    """Record the member's answer and say where it leaves them (or why not)."""
    return tr(bp.community.language, _answer(store, bp, member, args, ref, at, source))


def _answer(
    store: Store, bp: Blueprint, member: str, args: str, ref: str, at: datetime, source: str
) -> Said:
    words = args.split()
    answers = [ANSWERS[w.lower()] for w in words if w.lower() in ANSWERS]
    named = [w for w in words if w.lower() not in ANSWERS]
    if len(answers) != 1 or len(named) > 1:
        return Said(
            "Write /rsvp yes, no or maybe, and the meetup's id if you are invited to more than one."
        )
    mine = open_to(store, bp.community.slug, member, at)
    if named:
        mine = [m for m in mine if m.plan.meetup == named[0]]
    if not mine:
        return Said("There is no meetup open for you to answer.")
    if len(mine) > 1:
        ids = ", ".join(m.plan.meetup for m in mine)
        return Said(
            "You are invited to several meetups: {meetups}. Write /rsvp yes ID.", meetups=ids
        )
    try:
        m, where = meetups.rsvp(store, bp.community.slug, mine[0].plan.meetup, member, answers[0],
                                ref=ref, source=source, now=at)  # fmt: skip
    except Conflict:  # over or called off in the meantime
        return Said("There is no meetup open for you to answer.")
    p = m.plan
    what = {"title": p.title, "starts_at": local(bp, p.starts_at), "venue": p.venue}
    if where == "going":
        return Said("You are going to {title} ({starts_at}, {venue}). See you there!", **what)
    if where == "waitlisted":
        place = m.waitlist.index(member) + 1
        return Said("{title} is full: you are number {place} on the waitlist; we will tell you "
                    "if a seat frees up.", place=place, **what)  # fmt: skip
    if where == "maybe":
        return Said("Noted as a maybe for {title} ({starts_at}).", **what)
    return Said("Noted: you are not going to {title}.", **what)


__all__ = ["ANSWERS", "open_to", "rsvp_reply"]

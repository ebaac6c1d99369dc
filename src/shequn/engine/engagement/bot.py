"""The engagement commands a member writes to the bot privately: ``/checkin [group]``,
``/ask QUESTION``, ``/rank``, ``/stop`` and ``/rsvp yes|no|maybe [meetup]`` (P-ENG-3, P-ENG-5,
P-ENG-6, P-ENG-7, P-ENG-8).

Each goes through the same engine functions as the CLI and the API, keyed on the platform's
update (``ref``), so a re-delivered command records nothing twice; the reply is a text in the
community's language for ``engine/bot_commands.py`` to send.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.decisions import Decision, apply
from shequn.engine.engagement import caring, honours, knowledge
from shequn.engine.engagement.checkins import streaks_in
from shequn.engine.engagement.meetup_command import rsvp_reply
from shequn.engine.engagement.streaks import camps
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import N_, Phrase, Phrases
from shequn.store.care import memberships
from shequn.store.db import Store

NAMES = frozenset({"checkin", "ask", "rank", "stop", "rsvp"})

HELP = Phrase(
    N_(
        "/checkin [GROUP] — check in; /ask QUESTION — ask (answered at once if known)\n"
        "/rank — my points and badges; /stop — no more private care messages\n"
        "/rsvp yes|no|maybe [MEETUP] — answer a meetup's invitation"
    )
)

_SAY = Phrases(
    {
        "no_camp": N_("You are in no check-in camp."),
        "which": N_("You are in several camps: {camps}. Write /checkin GROUP."),
        "checked": N_("Checked in! {camp}: {current} days in a row, {total} in all."),
        "asked": N_("Got your question; someone will answer soon."),
        "answered": N_("This was answered before: {answer}"),
        "ask_what": N_("Write your question after /ask."),
        "rank": N_("Your points: {points}; badges: {badges}"),
        "none": N_("none yet"),
        "stopped": N_(
            "Done: no more private care messages, reminders or summaries. Ask a manager "
            "to turn them back on."
        ),
    }
)


def handle(
    store: Store, bp: Blueprint, identity: str, name: str, args: str, *, ref: str, at: datetime,
    source: str,
) -> str:  # fmt: skip
    """Carry out one engagement command and return the reply."""
    say = _SAY[bp.community.language]
    community = bp.community.slug
    if name == "stop":
        caring.set_opt_out(store, community, identity, source=source, ref=ref, now=at)
        return say["stopped"]
    if name == "rsvp":
        return rsvp_reply(store, bp, identity, args, ref=ref, at=at, source=source)
    if name == "rank":
        mine = honours.standing(store, community, identity, at)
        badges = ", ".join(f"{b['badge']} {b['level']}" for b in mine["badges"]) or say["none"]
        return say["rank"].format(points=mine["points"], badges=badges)
    if name == "ask":
        if not args.strip():
            return say["ask_what"]
        entry = knowledge.ask(store, community, identity, args.strip(), group=None,
                              source=source, ref=ref, now=at)  # fmt: skip
        return say["answered"].format(answer=entry.answer) if entry.answer else say["asked"]
    return _checkin(store, bp, identity, args.strip(), ref=ref, at=at, source=source)


def _checkin(
    store: Store, bp: Blueprint, identity: str, wanted: str, *, ref: str, at: datetime,
    source: str,
) -> str:  # fmt: skip
    """Record ``checkin.done`` in the member's camp (the one named, or their only one)."""
    say = _SAY[bp.community.language]
    with store.read() as conn:
        mine = {g for k, g, _ in memberships(conn, bp.community.slug) if k == identity}
    theirs = [c for c in camps(bp) if c in mine]
    if wanted:
        theirs = [c for c in theirs if c == wanted]
    if not theirs:
        return say["no_camp"]
    if len(theirs) > 1:
        return say["which"].format(camps=", ".join(theirs))
    camp = theirs[0]
    event = Event("checkin.done", at, bp.community.slug, source, ref, group=camp,
                  actor=identity, data={"camp": camp})  # fmt: skip
    with store.transaction() as conn:
        apply(conn, Decision(events=[event]))
        s = streaks_in(conn, bp, camp, at)[identity]
    return say["checked"].format(camp=camp, current=s.current, total=s.total)


__all__ = ["HELP", "NAMES", "handle"]

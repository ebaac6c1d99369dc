"""The intake card through a bot (P-IN-2): a newcomer who came by a deep link fills it in
private, one question at a time.

After ``/start <code>`` knocked at the door through a known link, the bot opens the card: a
line of welcome and the first of the blueprint's ``[[intake.questions]]`` the newcomer has not
answered yet. Each plain message they write to the bot afterwards is the answer to the next
open question: recorded as ``intake.answered`` (``card.<key>`` or ``survey.<key>``) through
``engine.intake`` — which also classifies them by the ``[[intake.rules]]`` — and answered with
the next question, or a thank-you after the last. Answers are keyed on the platform's message,
so a re-delivered one is recorded and answered once.

Whether the card is open is read from the log, not kept aside: the member knocked through a
link (an entry with a link) and a question is unanswered in their profile. Someone who never
came by a link, or finished the card, is not asked — their private messages are not answers.
Without questions in the blueprint there is no card.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.intake import record_intake
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_growth import IntakeQuestion
from shequn.model.entities import Profile
from shequn.model.i18n import N_, Phrases
from shequn.store.db import Store
from shequn.store.growth_queries import get_profile, identities_of, list_entries

TEXT = Phrases(
    {
        "intro": N_("Welcome! Please take a minute for your profile card: just reply here."),
        "done": N_("Thank you, your profile card is complete!"),
    }
)


def answered_fields(profile: Profile) -> set[str]:
    """The card and survey fields the profile has answers for (``card.city``, …)."""
    card = {f"card.{k}" for k, v in profile.card.items() if v not in (None, "")}
    return card | {f"survey.{k}" for k, v in profile.survey.items() if v not in (None, "")}


def next_question(bp: Blueprint, profile: Profile) -> tuple[int, IntakeQuestion] | None:
    """Pure: the first question the profile has no answer for, numbered from 1; ``None`` when
    the card is complete (or has no questions)."""
    done = answered_fields(profile)
    return next(((n, q) for n, q in enumerate(bp.intake.questions, 1) if q.field not in done), None)


def ask(bp: Blueprint, profile: Profile, *, opening: bool) -> str | None:
    """Pure: the card's next line for the member — ``(2/3) question`` (after the welcome when
    ``opening``) — or the thank-you once complete (``None`` when opening a complete card)."""
    found = next_question(bp, profile)
    t = TEXT[bp.community.language]
    if found is None:
        return None if opening else t["done"]
    n, question = found
    line = f"({n}/{len(bp.intake.questions)}) {question.ask}"
    return f"{t['intro']}\n{line}" if opening else line


def _profile(store: Store, community: str, identity: str) -> tuple[Profile, bool]:
    """The member's profile, and whether they knocked at the door through a link."""
    with store.read() as conn:
        keys = identities_of(conn, community, identity) or [identity]
        came_by_link = any(e.link for e in list_entries(conn, community, identities=keys))
        return get_profile(conn, community, keys), came_by_link


def open_card(store: Store, bp: Blueprint, identity: str) -> str | None:
    """The card's opening for a newcomer who just came by a link, or ``None`` (no questions,
    or all answered already)."""
    if not bp.intake.questions:
        return None
    profile, _ = _profile(store, bp.community.slug, identity)
    return ask(bp, profile, opening=True)


def take_answer(
    store: Store, bp: Blueprint, identity: str, text: str, *, ref: str, at: datetime, source: str
) -> str | None:
    """A plain private message: the answer to the member's next open question, recorded;
    returns the next question or the thank-you. ``None``: no card is open for them."""
    answer = text.strip()
    if not bp.intake.questions or not answer:
        return None
    community = bp.community.slug
    profile, came_by_link = _profile(store, community, identity)
    found = next_question(bp, profile)
    if found is None or not came_by_link:
        return None
    part, _, key = found[1].field.partition(".")
    card, survey = ({key: answer}, None) if part == "card" else (None, {key: answer})
    profile = record_intake(
        store, community, identity, card=card, survey=survey, now=at, source=source, ref=ref
    )
    return ask(bp, profile, opening=False)

"""``/appeal [why]`` in the bot's private chat: a member appeals their latest step of the
ladder (the group's message says "to appeal, send /appeal"), in their own words.

The step is the newest one applied to this member that is not reversed; the appeal is filed
through ``manage.file_appeal`` like the API's, once per step, and a manager decides it
(``shequn moderation appeals``, the API). The reply is in the community's language.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.rules.manage import file_appeal, list_steps
from shequn.errors import Conflict
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import N_, Phrases, tr
from shequn.store.db import Store

TEXT = Phrases(
    {
        "filed": N_("Your appeal of the {step} in {group} is filed; a manager will answer soon."),
        "none": N_("You have no step of the group rules to appeal."),
        "again": N_("That step was appealed already; please wait for a manager's answer."),
    }
)
SCAN = 1000
"""How many of the community's latest steps are looked through for the member's own."""


def appeal(
    store: Store, bp: Blueprint, member: str, args: str, at: datetime, *, source: str
) -> str:
    """File ``member``'s appeal of their newest standing step; the reply to send them."""
    lang = bp.community.language
    text = TEXT[lang]
    slug = bp.community.slug
    mine = [s for s in list_steps(store, slug, limit=SCAN) if s.member == member]
    standing = next((s for s in mine if not s.reversed), None)
    if standing is None:
        return text["none"]
    try:
        file_appeal(store, slug, standing.ref, member=member, text=args.strip(), source=source,
                    now=at)  # fmt: skip
    except Conflict:
        return text["again"]
    step = tr(lang, standing.step)  # model/words.STEPS
    return text["filed"].format(step=step, group=standing.group or slug)


__all__ = ["TEXT", "appeal"]

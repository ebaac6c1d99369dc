"""``/poster [CAMPAIGN]`` in the bot's private chat: the member's fission poster (P-FIS-2).

The member gets the same poster as ``shequn poster`` draws — the community's name, an
invitation in their name and their own referral link's QR code — as a photo in private, with
the link in the caption for those who would rather forward it. The link is the running
campaign's (the one named, else the first running one), else the community's; it is created on
first use, so asking twice gives the same code.

The engine decides what to draw and queues one ``poster.send`` action (texts, URL, caption,
keyed on the command); the worker draws the PNG at send time and the connector sends it
(Telegram: ``sendPhoto``). A platform whose bot cannot send photos gets an operator task that
says how to draw and send it.
"""

from __future__ import annotations

from datetime import datetime

from shequn.engine.decisions import Decision, apply
from shequn.engine.fission_commands import TEXT as FISSION_TEXT
from shequn.engine.fission_commands import running
from shequn.engine.links import ensure_referral_link
from shequn.errors import NotFound
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.entities import Link
from shequn.model.i18n import N_, Phrase, Phrases
from shequn.store.db import Store
from shequn.store.queries import get_member

NAMES = ("poster",)
TEXT = Phrases(
    {
        "subtitle": N_("{name} invites you to join"),
        "caption": N_(
            "Your own invitation poster: forward it to friends, or share your link {url}"
        ),
        "unknown": N_("No running campaign: {slug}"),
        "help": N_("/poster [CAMPAIGN] — your invitation poster"),
    }
)
HELP = Phrase(TEXT.ids["help"])


def decide_poster(
    bp: Blueprint, identity: str, name: str, link: Link, *, ref: str, at: datetime
) -> Decision:
    """Pure: the ``poster.send`` action drawing ``link``'s poster for ``identity``."""
    lang = bp.community.language
    t = TEXT[lang]
    url = link.url or link.code
    payload: dict[str, object] = {
        "to": [identity],
        "link": link.code,
        "url": url,
        "title": bp.community.name,
        "subtitle": t["subtitle"].format(name=name),
        "name": name,
        "language": lang,
        "text": t["caption"].format(url=url),
        "command": ref,
    }
    if link.campaign:
        payload["campaign"] = link.campaign
    return Decision(actions=[Action("poster.send", bp.community.slug, at, None, payload)])


def poster(
    store: Store, bp: Blueprint, identity: str, args: str, *, ref: str, at: datetime
) -> str | None:
    """Queue the member's poster; the reply text only when there is none to send."""
    slug = bp.community.slug
    t = TEXT[bp.community.language]
    campaigns = [c.slug for c in running(store, slug, at)]
    wanted = args.strip() or None
    if wanted is not None and wanted not in campaigns:
        return t["unknown"].format(slug=wanted)
    try:
        with store.read() as conn:
            person = get_member(conn, identity, community=slug)
        campaign = wanted or (campaigns[0] if campaigns else None)
        link = ensure_referral_link(store, bp, person.key, campaign=campaign, now=at)
    except NotFound:
        return FISSION_TEXT[bp.community.language]["not_member"]
    name = person.display_name or identity.partition(":")[2] or identity
    with store.transaction() as conn:
        apply(conn, decide_poster(bp, identity, name, link, ref=ref, at=at))
    return None

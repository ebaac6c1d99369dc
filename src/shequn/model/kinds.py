"""The closed vocabulary of event kinds.

Every fact shequn knows is one event of one of these kinds. Each kind says what its
``actor`` and ``subject`` mean, whether they must be present, and which ``data`` fields
it carries. ``docs/events.md`` is generated from this table (``python scripts/docs.py --write``)
and a test fails when the two drift apart. Add a kind when a feature needs one; never give
an existing kind a second meaning.
"""

from __future__ import annotations

from shequn.model.kinds_bindings import BINDING_KINDS
from shequn.model.kinds_calendar import CALENDAR_KINDS
from shequn.model.kinds_engagement import ENGAGEMENT_KINDS
from shequn.model.kinds_growth import GROWTH_KINDS
from shequn.model.kinds_live import LIVE_KINDS
from shequn.model.kinds_meetups import MEETUP_KINDS
from shequn.model.kinds_money import MONEY_KINDS
from shequn.model.kinds_org import ORG_KINDS
from shequn.model.kinds_rules import RULES_KINDS
from shequn.model.kindspec import Bool, DataField, Dict, Int, KindSpec, List, Num, Str

ROLES = ("owner", "manager", "group_leader", "member")
"""Roles of the pyramid (P-ORG-1), highest first. ``member`` means "no special role"."""

MODERATION_STEPS = ("reminder", "warning", "mute", "unmute", "removal", "reinstate")
"""The enforcement ladder (P-RUL-2) plus the two reversals a manager may apply."""


F = DataField
MEMBER = "the member (identity key)"
OPERATOR = "the operator or bot who did it; absent when unknown"

COMMON_FIELDS = (
    F("actor_name", Str, "display name of the actor as seen in this event; updates the identity"),
    F("subject_name", Str, "display name of the subject as seen in this event"),
)
"""Optional on every kind: names travel with the facts so a rebuild restores them."""

_MESSAGE_REF = F("message", Str, "source_ref of the message this event is about")

KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        # --- community and groups (the blueprint, P-POS) ------------------------------
        KindSpec(
            "community.configured",
            "A community's blueprint was loaded (or reloaded with changes).",
            actor=OPERATOR,
            actor_required=False,
            group_required=False,
            fields=(
                F("name", Str, "display name of the community", required=True),
                F("timezone", Str, "IANA time zone used for day boundaries", required=True),
                F("blueprint", Dict, "the whole validated blueprint", required=True),
            ),
            playbook=("P-POS-1", "P-POS-7"),
        ),
        KindSpec(
            "group.configured",
            "A group of the matrix was declared in the blueprint (or changed there).",
            actor=OPERATOR,
            actor_required=False,
            fields=(
                F("name", Str, "display name", required=True),
                F("platform", Str, "platform the group lives on (wechat, telegram, …)"),
                F("theme", Str, "theme of the group in the matrix"),
                F("region", Str, "region of the group in the matrix"),
                F("capacity", Int, "most members the group may hold"),
                F("stage", Str, "ladder step of the group (drainage, fan, course, senior …)"),
                F("chat_id", Str, "the platform's own id of the chat, when known"),
            ),
            playbook=("P-POS-5", "P-IN-4"),
        ),
        KindSpec(
            "group.renamed",
            "The group's title changed on the platform.",
            actor=OPERATOR,
            actor_required=False,
            fields=(F("name", Str, "the new title", required=True),),
        ),
        # --- membership and identity (P-IN, P-FIS) ------------------------------------
        KindSpec(
            "member.joined",
            "A member entered the group.",
            actor=MEMBER,
            fields=(
                F("channel", Str, "how they came: link, qr, invite, search, offline, paid_ad, …"),
                F("inviter", Str, "identity key of who brought them, when known"),
                F("campaign", Str, "campaign or live-code that routed them"),
            ),
            playbook=("P-IN-1", "P-FIS-1", "P-FIS-4"),
        ),
        KindSpec(
            "member.left",
            "A member left the group of their own accord.",
            actor=MEMBER,
        ),
        KindSpec(
            "member.removed",
            "A member was removed from the group.",
            actor=OPERATOR,
            subject="the member removed",
            actor_required=False,
            subject_required=True,
            fields=(F("reason", Str, "why, in words"),),
            playbook=("P-RUL-2",),
        ),
        KindSpec(
            "member.invited",
            "Someone brought someone else: an add, an invite link, a referral poster.",
            actor="the inviter",
            subject="the invitee",
            subject_required=True,
            fields=(
                F("channel", Str, "link, add, qr, poster, …"),
                F("link", Str, "the referral link or code used"),
                F("campaign", Str, "referral campaign this invite counts towards"),
            ),
            playbook=("P-FIS-1", "P-FIS-3"),
        ),
        KindSpec(
            "member.renamed",
            "A member's display name changed.",
            actor=MEMBER,
            group_required=False,
            fields=(F("name", Str, "the new display name", required=True),),
        ),
        KindSpec(
            "identity.verified",
            "A platform confirmed a stable identifier of this identity (phone, union id). "
            "Two identities with the same one are merged automatically.",
            actor=MEMBER,
            group_required=False,
            fields=(
                F(
                    "phone_sha256",
                    Str,
                    "SHA-256 of the phone in E.164 digits; a raw `phone` "
                    "given on input is hashed before it is stored",
                ),
                F("union_id", Str, "platform-wide id such as WeChat's unionid"),
            ),
            playbook=("P-IN-2", "P-FIS-5"),
        ),
        KindSpec(
            "identity.merged",
            "Two members turned out to be one person; the subject's identities now "
            "belong to the member named in `into`. History is not rewritten.",
            actor=OPERATOR,
            subject="member key of the member absorbed",
            actor_required=False,
            subject_required=True,
            group_required=False,
            fields=(
                F("into", Str, "member key of the member that remains", required=True),
                F("identities", List, "identity keys that moved", required=True),
                F("reason", Str, "operator, same_phone, same_union_id, …"),
            ),
            playbook=("P-FIS-5",),
        ),
        KindSpec(
            "identity.unmerged",
            "A merge is undone: the identities go back to the subject member.",
            actor=OPERATOR,
            subject="member key of the member restored",
            actor_required=False,
            subject_required=True,
            group_required=False,
            fields=(
                F("from", Str, "member key they are taken from", required=True),
                F("identities", List, "identity keys that move back", required=True),
            ),
        ),
        # --- organization (P-ORG) -------------------------------------------------------
        KindSpec(
            "role.changed",
            "The subject's role changed, in the event's group or (no group) community-wide.",
            actor=OPERATOR,
            subject="the member whose role changed",
            actor_required=False,
            subject_required=True,
            group_required=False,
            fields=(F("role", Str, "the new role", required=True, choices=ROLES),),
            playbook=("P-ORG-1", "P-ORG-2"),
        ),
        # --- talk (P-ENG, P-MEA) --------------------------------------------------------
        KindSpec(
            "message.posted",
            "A message in the group.",
            actor="the author",
            fields=(
                F("length", Int, "characters of text"),
                F("text", Str, "the text, when the operator keeps it"),
                F("reply_to", Str, "source_ref of the message answered"),
                F("has_link", Bool, "contains a URL"),
                F("has_media", Bool, "carries a photo, file, voice, video, sticker"),
                F("is_question", Bool, "asks a question"),
                F("mentions", List, "identity keys mentioned"),
                F("forwarded_from", Str, "where a forwarded message came from"),
            ),
            playbook=("P-ENG-3", "P-MEA-2", "P-MEA-5"),
        ),
        KindSpec(
            "message.reacted",
            "A reaction (emoji, like) to a message.",
            actor="who reacted",
            subject="author of the message, when known",
            fields=(_MESSAGE_REF, F("emoji", Str, "the reaction")),
            playbook=("P-MEA-4",),
        ),
        KindSpec(
            "message.pinned",
            "A message was pinned.",
            actor=OPERATOR,
            actor_required=False,
            fields=(_MESSAGE_REF,),
        ),
        KindSpec(
            "content.shared",
            "A member shared a link or a piece of content into the group.",
            actor="who shared",
            fields=(F("url", Str, "what was shared"), F("title", Str, "its title")),
            playbook=("P-MEA-4",),
        ),
        KindSpec(
            "content.forwarded",
            "A member forwarded the group's content elsewhere (or into it).",
            actor="who forwarded",
            fields=(_MESSAGE_REF, F("to", Str, "where it went")),
            playbook=("P-MEA-4",),
        ),
        # --- engagement (P-ENG) ---------------------------------------------------------
        KindSpec(
            "redenvelope.sent",
            "A red envelope was sent to the group.",
            actor="the sender",
            fields=(
                F("envelope", Str, "id of the envelope", required=True),
                F("amount", Num, "total amount"),
                F("count", Int, "number of shares"),
                F("purpose", Str, "reward, ad_tax, dead_group_test, celebration"),
            ),
            playbook=("P-ENG-4",),
        ),
        KindSpec(
            "redenvelope.grabbed",
            "A member grabbed a share of a red envelope.",
            actor="who grabbed",
            subject="the sender, when known",
            fields=(
                F("envelope", Str, "id of the envelope", required=True),
                F("amount", Num, "amount grabbed"),
            ),
            playbook=("P-ENG-4",),
        ),
        KindSpec(
            "checkin.done",
            "A member checked in (training-camp punch card).",
            actor=MEMBER,
            fields=(F("camp", Str, "camp id"), F("day", Int, "day number in the camp")),
            playbook=("P-ENG-5", "P-MEA-6"),
        ),
        KindSpec(
            "session.scheduled",
            "A sharing session was announced.",
            actor="the host",
            actor_required=False,
            fields=(
                F("session", Str, "session id", required=True),
                F("title", Str, "topic"),
                F("starts_at", Str, "ISO 8601 start time"),
            ),
            playbook=("P-ENG-2",),
        ),
        KindSpec(
            "session.held",
            "A sharing session took place.",
            actor="the host",
            actor_required=False,
            fields=(
                F("session", Str, "session id", required=True),
                F("attendees", Int, "members active during it (when shequn planned it)"),
                F("members", List, "their identity keys"),
            ),
            playbook=("P-ENG-2",),
        ),
        KindSpec(
            "event.rsvp",
            "A member answered an invitation to an offline event.",
            actor=MEMBER,
            fields=(
                F("event", Str, "event id", required=True),
                F("answer", Str, "yes, no, maybe", choices=("yes", "no", "maybe")),
            ),
            playbook=("P-ENG-6",),
        ),
        # --- rules (P-RUL) --------------------------------------------------------------
        KindSpec(
            "rule.violated",
            "A message or act broke a group rule.",
            actor="the violator",
            fields=(
                F("rule", Str, "rule id or name", required=True),
                _MESSAGE_REF,
            ),
            playbook=("P-RUL-1",),
        ),
        KindSpec(
            "moderation.applied",
            "A step of the enforcement ladder was applied to the subject.",
            actor=OPERATOR,
            subject="the member",
            actor_required=False,
            subject_required=True,
            fields=(
                F("step", Str, "the step", required=True, choices=MODERATION_STEPS),
                F("reason", Str, "why"),
                F("until", Str, "ISO 8601 end of a mute"),
            ),
            playbook=("P-RUL-2",),
        ),
        # --- money (P-MON) --------------------------------------------------------------
        KindSpec(
            "payment.made",
            "A member paid.",
            actor="the payer",
            group_required=False,
            fields=(
                F("amount", Num, "amount paid", required=True),
                F("amount_minor", Int, "the same in integer minor units (fen, cents): exact"),
                F("currency", Str, "ISO 4217 code"),
                F("order", Str, "the order reference shequn issued (payment request)"),
                F("provider", Str, "payment platform: manual, stripe, wechatpay"),
                F("product", Str, "what was bought"),
                F("tier", Str, "ladder step: free, low, mid, high, partner"),
                F("deposit", Bool, "refundable deposit rather than a fee"),
            ),
            playbook=("P-MON-1", "P-IN-1"),
        ),
        KindSpec(
            "payment.refunded",
            "A payment (or deposit) was returned.",
            actor="the payer",
            group_required=False,
            fields=(
                F("amount", Num, "amount returned", required=True),
                F("amount_minor", Int, "the same in integer minor units (fen, cents): exact"),
                F("currency", Str, "ISO 4217 code"),
                F("payment", Str, "source_ref of the payment"),
                F("product", Str, "the product refunded (its membership ends by rule)"),
            ),
            playbook=("P-MON-1",),
        ),
        KindSpec(
            "membership.started",
            "A paid membership began.",
            actor=MEMBER,
            group_required=False,
            fields=(
                F("plan", Str, "membership plan", required=True),
                F("until", Str, "ISO 8601 end; absent for lifetime"),
                F("state", Str, "trial, active, lifetime or comp (a gift)"),
                F("payment", Str, "source_ref of the payment that started it"),
            ),
            playbook=("P-MON-2",),
        ),
        KindSpec(
            "membership.renewed",
            "A membership was renewed.",
            actor=MEMBER,
            group_required=False,
            fields=(
                F("plan", Str, "plan", required=True),
                F("until", Str, "new end"),
                F("payment", Str, "source_ref of the payment that renewed it"),
            ),
            playbook=("P-MON-2",),
        ),
        KindSpec(
            "membership.ended",
            "A membership ended (expired or cancelled).",
            actor=MEMBER,
            group_required=False,
            fields=(
                F("plan", Str, "plan", required=True),
                F("reason", Str, "expired, cancelled or refunded"),
            ),
            playbook=("P-MON-2",),
        ),
        KindSpec(
            "offer.made",
            "A private offer was made to the subject (P-MON-3: point to point, not broadcast).",
            actor=OPERATOR,
            subject="who got the offer",
            actor_required=False,
            subject_required=True,
            group_required=False,
            fields=(
                F("offer", Str, "offer id", required=True),
                F("tier", Str, "ladder step"),
                F("product", Str, "the product offered (its slug in [money])"),
                F("expires_at", Str, "ISO 8601: paid after this, it was not this offer"),
            ),
            playbook=("P-MON-3",),
        ),
        KindSpec(
            "offer.accepted",
            "The actor accepted a private offer.",
            actor=MEMBER,
            group_required=False,
            fields=(
                F("offer", Str, "offer id", required=True),
                F("product", Str, "the product offered"),
                F("payment", Str, "source_ref of the payment that accepted it"),
            ),
            playbook=("P-MON-3",),
        ),
        *GROWTH_KINDS,
        *LIVE_KINDS,
        *BINDING_KINDS,
        *RULES_KINDS,
        *ENGAGEMENT_KINDS,
        *MEETUP_KINDS,
        *CALENDAR_KINDS,
        *MONEY_KINDS,
        *ORG_KINDS,
    )
}

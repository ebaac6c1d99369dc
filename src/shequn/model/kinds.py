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
from shequn.model.kinds_payments import PAYMENT_KINDS
from shequn.model.kinds_rules import RULES_KINDS
from shequn.model.kinds_talk import MESSAGE_REF, TALK_KINDS
from shequn.model.kindspec import MEMBER, OPERATOR, DataField, Dict, Int, KindSpec, List, Str

ROLES = ("owner", "manager", "group_leader", "member")
"""Roles of the pyramid (P-ORG-1), highest first. ``member`` means "no special role"."""

MODERATION_STEPS = ("reminder", "warning", "mute", "unmute", "removal", "reinstate")
"""The enforcement ladder (P-RUL-2) plus the two reversals a manager may apply."""


F = DataField

COMMON_FIELDS = (
    F("actor_name", Str, "display name of the actor as seen in this event; updates the identity"),
    F("subject_name", Str, "display name of the subject as seen in this event"),
)
"""Optional on every kind: names travel with the facts so a rebuild restores them."""

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
        *TALK_KINDS,
        # --- rules (P-RUL) --------------------------------------------------------------
        KindSpec(
            "rule.violated",
            "A message or act broke a group rule.",
            actor="the violator",
            fields=(
                F("rule", Str, "rule id or name", required=True),
                MESSAGE_REF,
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
        *PAYMENT_KINDS,
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

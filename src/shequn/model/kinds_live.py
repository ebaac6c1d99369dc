"""Event kinds the worker records: the effects of actions carried out on a platform.

The engine decides an action; the platform's answer is a new fact about the community (a
message reached the group, a newcomer was let in) that analytics and later decisions can see.
The worker records it with ``source = worker:<connector>`` and ``source_ref = <action id>``, so
recording it twice keeps one event.
"""

from __future__ import annotations

from shequn.model.kindspec import Bool, Int, KindSpec, Str
from shequn.model.kindspec import DataField as F

_ACTION = F("action", Int, "the outbox action carried out", required=True)
_REF = F("platform_ref", Str, "the platform's id for it (message id, link URL)")

LIVE_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "message.delivered",
        "A message the engine asked for was delivered by a connector (to the group, or "
        "privately to the subject or to several members).",
        actor=None,
        actor_required=False,
        subject="the member it was sent to privately, if one",
        group_required=False,
        fields=(
            _ACTION,
            F("template", Str, "the template it was rendered from"),
            F("recipients", Int, "how many members it was sent to privately (0: the group)"),
            _REF,
        ),
        playbook=("P-ENG-1", "P-IN-3"),
    ),
    KindSpec(
        "message.received",
        "What became of a platform message task once it finished (WeCom: its sender confirmed "
        "it in the client, get_groupmsg_send_result): how many recipients received it, how "
        "many it failed for, how many still had not got it when shequn stopped asking.",
        actor=None,
        actor_required=False,
        subject="the customer it was sent to privately, if one",
        group_required=False,
        fields=(
            F("action", Int, "the read-back action carried out", required=True),
            F("task", Int, "the message.send action of the task"),
            F("sent", Bool, "whether a sender confirmed the task"),
            F("received", Int, "recipients (customers, or groups) who received it"),
            F("failed", Int, "recipients it failed for (no longer a contact, had another task)"),
            F("unsent", Int, "recipients who had not got it when shequn stopped asking"),
            _REF,
        ),
        playbook=("P-ENG-1", "P-IN-3"),
    ),
    KindSpec(
        "member.admitted",
        "The platform let an admitted newcomer in: the bot approved their join request or "
        "sent them a one-time invite link.",
        actor=None,
        actor_required=False,
        subject="the newcomer",
        subject_required=True,
        fields=(_ACTION, F("invite_link", Str, "the one-time link sent, if one"), _REF),
        playbook=("P-IN-1", "P-IN-3"),
    ),
    KindSpec(
        "link.published",
        "One of shequn's links was published on the platform as a chat invite link for the "
        "group (Telegram): created, its member limit set to the seats left, or revoked when "
        "the group filled.",
        actor=None,
        actor_required=False,
        fields=(
            _ACTION,
            F("link", Str, "the link's code (the invite link's name)", required=True),
            F("invite_link", Str, "the invite link's URL"),
            F("member_limit", Int, "members it lets in: seats left plus those it brought"),
            F("revoked", Bool, "the invite link was revoked (the group is full)"),
            _REF,
        ),
        playbook=("P-IN-4", "P-FIS-1"),
    ),
)

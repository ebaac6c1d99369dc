"""Event kinds of group bindings: which platform chat is which group of the matrix.

A binding is configuration (owner only, like the blueprint), recorded as events so a rebuild
restores it and history shows when a chat moved. Live updates and later exports of a bound
chat land in its group whatever the chat is called now.
"""

from __future__ import annotations

from shequn.model.kindspec import DataField as F
from shequn.model.kindspec import KindSpec, Str

_PLATFORM = F("platform", Str, "the chat's platform (telegram, wecom, …)", required=True)
_CHAT = F("chat", Str, "the platform's own id of the chat (Telegram: -100…)", required=True)

BINDING_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "group.bound",
        "A platform chat was bound to the group: its live updates and exports land there.",
        actor="the operator who bound it; absent when unknown",
        actor_required=False,
        fields=(_PLATFORM, _CHAT, F("reason", Str, "why, when not an operator's choice")),
        playbook=("P-CHN-1", "P-POS-5"),
    ),
    KindSpec(
        "group.unbound",
        "A platform chat was unbound from the group (an operator's choice, the bot removed "
        "from the chat, or the chat migrated to a new id).",
        actor="the operator who unbound it; absent when unknown",
        actor_required=False,
        fields=(_PLATFORM, _CHAT, F("reason", Str, "why, when not an operator's choice")),
        playbook=("P-CHN-1",),
    ),
    KindSpec(
        "group.owner_changed",
        "The platform chat has this staff member as its owner from now on (WeCom 群主): the "
        "chat was created, its ownership passed to someone else, or shequn read the owner for "
        "the first time. WeCom counts its statistics per owner.",
        actor=None,
        actor_required=False,
        fields=(
            _PLATFORM,
            _CHAT,
            F("owner", Str, "the owner's userid on the platform (a staff member)", required=True),
            F("previous", Str, "the owner recorded before, when there was one"),
            F("reason", Str, "created, transferred, or read (seen in the chat's details)"),
        ),
        playbook=("P-CHN-1", "P-ORG-4"),
    ),
)

"""Message templates of group rules and moderation (P-RUL), joined into ``TEMPLATES``.

One text per ladder step, its reason chosen by rule (one message id the steps share), the note
to a member whose step a manager reversed, and over-activity damping's re-post and private
reminder. Same contract as ``templates_table.py``; this module does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shequn.model.i18n import N_, Said

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_REASON = N_(
    "{% if rule == 'advert' %}adverts need a red envelope to the group first"
    "{% elif rule == 'banned_topic' %}this group does not discuss that topic"
    "{% elif rule == 'flood' %}please do not flood the group{% elif rule == 'newcomer' %}"
    "no links or media in your first hours{% elif rule == 'link_level' %}"
    "links and contact details need a higher level{% elif rule == 'lock' %}"
    "this kind of content is locked here{% elif rule == 'pull_in' %}"
    "adding people to the group needs a manager's approval first{% elif rule == 'activity' %}"
    "activities must be reported to the managers before they are announced"
    "{% elif rule == 'ban' %}already removed from another group of this community, which "
    "keeps them out of all its groups{% else %}{{ rule }}{% endif %}"
)
_STEP_VARS = {
    "name": N_("the member who broke the rule (named in the group's reply)"),
    "rule": N_(
        "the rule broken (advert, banned_topic, flood, newcomer, link_level, lock, "
        "pull_in, activity; ban: removed from another group of the community)"
    ),
    "evidence": N_("what the rule saw, e.g. 'wechat \"vx123\"'"),
    "until": N_("end of a mute (community time), '' for other steps"),
}
_STEP_EXAMPLE = {
    "name": "lin",
    "rule": "advert",
    "evidence": 'wechat "vx12345"',
    "until": "2026-05-02 20:00",
}
_STEPS = (
    ("reminder", N_("{{ name }}, a reminder: "), ""),
    ("warning", N_("{{ name }}, a warning: "), N_(" Next time you will be muted.")),
    ("mute", N_("{{ name }} is muted until {{ until }}: "), ""),
    ("removal", N_("{{ name }} was removed from this community's groups: "), ""),
)
"""Each step's head and tail around the rule's reason (the Chinese: the catalogue's)."""
_EVIDENCE = N_(" ({{ evidence }}).")
_APPEAL = N_(" To appeal, send /appeal.")


def rules_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The moderation templates, built with ``templates_table.TemplateSpec``."""
    return (
        *(
            TemplateSpec(
                f"moderation_{step}",
                Said(
                    "a member broke a group rule and the ladder's step is {step}: "
                    "said in the group",
                    step=Said(step),
                ),
                "message.send",
                _STEP_VARS,
                tuple(p for p in (head, _REASON, _EVIDENCE, tail, _APPEAL) if p),
                _STEP_EXAMPLE,
            )
            for step, head, tail in _STEPS
        ),
        TemplateSpec(
            "moderation_reversed",
            N_("a manager reversed a step of the ladder: said to the member privately"),
            "message.send",
            {"step": N_("the step undone (reminder, warning, mute, removal)"), "reason": N_("why")},
            N_(
                "The {{ step }} you received in {{ group }} was reversed by a manager. {{ reason }}"
            ),
            {"step": "mute", "reason": ""},
        ),
        TemplateSpec(
            "damping_repost",
            N_("chatter buried a valuable post (P-RUL-3): it is re-posted in the group"),
            "message.send",
            {"author": N_("who wrote the buried post"), "excerpt": N_("its first 200 characters")},
            N_(
                "This post by {{ author }} got buried by chatter, so here it is again: {{ excerpt "
                "}}"
            ),
            {"author": "lin", "excerpt": "周六下午三点读书会，地点见群公告"},
        ),
        TemplateSpec(
            "damping_reminder",
            N_("chatter buried a valuable post (P-RUL-3): said privately to each chatterer"),
            "message.send",
            {"author": N_("who wrote the buried post")},
            N_(
                "Hi — the chatter in {{ group }} just buried an important post by {{ author }}. "
                "When a group floods, valuable information gets lost and key members leave; please "
                "take small talk to a private chat. Thank you."
            ),
            {"author": "lin"},
        ),
    )

"""Message templates of offline events (P-ENG-6), joined into ``TEMPLATES`` like the other
chapters' rows (``templates_table`` passes its ``TemplateSpec``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shequn.model.i18n import N_

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_VARS = {
    "meetup": N_("the meetup's id (as in `shequn meetup list`)"),
    "title": N_("what it is"),
    "venue": N_("where"),
    "city": N_("the city or region, '' when none"),
    "starts_at": N_("its start, in the community's time zone (YYYY-MM-DD HH:MM)"),
    "host": N_("the city leader hosting it, '' when none"),
}
_EXAMPLE = {
    "meetup": "beijing-20260516-1400",
    "title": "读书会线下交流",
    "venue": "朝阳区某咖啡馆",
    "city": "北京",
    "starts_at": "2026-05-16 14:00",
    "host": "lin",
}


def meetup_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The offline-event templates, built with ``templates_table.TemplateSpec``."""
    return (
        TemplateSpec(
            "meetup_invite",
            N_("an offline event is announced in the group invited (invite_days_before the start)"),
            "message.send",
            {
                **_VARS,
                "capacity": N_("seats, 0 when there is no limit"),
                "rsvp": N_("true where the group's bot takes /rsvp privately (Telegram)"),
            },
            N_(
                'Meet up: "{{ title }}" at {{ venue }}{% if city %}, {{ city }}{% endif %}, '
                "{{ starts_at }}{% if capacity %} ({{ capacity }} seats){% endif %}."
                "{% if host %} Tell {{ host }} if you are coming.{% endif %}"
                "{% if rsvp %} Or write to me privately: /rsvp yes {{ meetup }} (or no, maybe)."
                "{% endif %}"
            ),
            {**_EXAMPLE, "capacity": 30, "rsvp": True},
        ),
        TemplateSpec(
            "meetup_seat",
            N_(
                "a seat of a full offline event opened (someone said no): the first on the "
                "waitlist is told privately that they are going"
            ),
            "message.send",
            _VARS,
            N_('A seat opened for "{{ title }}": you are going — {{ starts_at }}, {{ venue }}.'),
            _EXAMPLE,
        ),
        TemplateSpec(
            "meetup_reminder",
            N_("those going to an offline event are reminded privately (remind_hours_before)"),
            "message.send",
            {**_VARS, "code": N_("the door code to give at check-in")},
            N_(
                'Reminder: "{{ title }}" starts at {{ starts_at }} at {{ venue }}. '
                "Your door code is {{ code }}."
            ),
            {**_EXAMPLE, "code": "4821"},
        ),
        TemplateSpec(
            "meetup_cancelled",
            N_("a planned offline event was called off: those going are told privately"),
            "message.send",
            {**_VARS, "reason": N_("why, in the operator's words; '' when none")},
            N_(
                'Sorry, "{{ title }}" ({{ starts_at }}) is called off.'
                "{% if reason %} Reason: {{ reason }}{% endif %}"
            ),
            {**_EXAMPLE, "reason": "场地临时关闭"},
        ),
        TemplateSpec(
            "meetup_followup",
            N_(
                "an offline event ended: each member who checked in at the door is thanked "
                "privately"
            ),
            "message.send",
            {**_VARS, "attendees": N_("how many checked in")},
            N_(
                'Thank you for coming to "{{ title }}"! {{ attendees }} of us were there; share '
                "what you took away in the group."
            ),
            {**_EXAMPLE, "attendees": 18},
        ),
    )

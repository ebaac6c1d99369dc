"""Message templates of offline events (P-ENG-6), joined into ``TEMPLATES`` like the other
chapters' rows (``templates_table`` passes its ``TemplateSpec``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_VARS = {
    "meetup": "the meetup's id (as in `shequn meetup list`)",
    "title": "what it is",
    "venue": "where",
    "city": "the city or region, '' when none",
    "starts_at": "its start, in the community's time zone (YYYY-MM-DD HH:MM)",
    "host": "the city leader hosting it, '' when none",
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
            "an offline event is announced in the group invited (invite_days_before the start)",
            "线下活动邀请，发在受邀的群里（开始前 invite_days_before 天）",
            "message.send",
            {**_VARS, "capacity": "seats, 0 when there is no limit"},
            "【线下活动】{{ starts_at }}{% if city %}，{{ city }}{% endif %}，{{ venue }}："
            "「{{ title }}」{% if capacity %}，限 {{ capacity }} 人{% endif %}。"
            "{% if host %}报名请联系 {{ host }}。{% endif %}",
            'Meet up: "{{ title }}" at {{ venue }}{% if city %}, {{ city }}{% endif %}, '
            "{{ starts_at }}{% if capacity %} ({{ capacity }} seats){% endif %}."
            "{% if host %} Tell {{ host }} if you are coming.{% endif %}",
            {**_EXAMPLE, "capacity": 30},
        ),
        TemplateSpec(
            "meetup_seat",
            "a seat of a full offline event opened (someone said no): the first on the "
            "waitlist is told privately that they are going",
            "满员的线下活动空出名额（有人取消）：私聊告诉候补第一位可以参加",
            "message.send",
            _VARS,
            "「{{ title }}」空出一个名额，你已从候补转为参加：{{ starts_at }}，{{ venue }}。",
            'A seat opened for "{{ title }}": you are going — {{ starts_at }}, {{ venue }}.',
            _EXAMPLE,
        ),
        TemplateSpec(
            "meetup_reminder",
            "those going to an offline event are reminded privately (remind_hours_before)",
            "私聊提醒报名参加的成员（开始前 remind_hours_before 小时）",
            "message.send",
            {**_VARS, "code": "the door code to give at check-in"},
            "提醒：「{{ title }}」将于 {{ starts_at }} 在 {{ venue }} 开始，"
            "到场签到码 {{ code }}。",
            'Reminder: "{{ title }}" starts at {{ starts_at }} at {{ venue }}. '
            "Your door code is {{ code }}.",
            {**_EXAMPLE, "code": "4821"},
        ),
        TemplateSpec(
            "meetup_cancelled",
            "a planned offline event was called off: those going are told privately",
            "线下活动取消：私聊告诉报名参加的成员",
            "message.send",
            {**_VARS, "reason": "why, in the operator's words; '' when none"},
            "抱歉，「{{ title }}」（{{ starts_at }}）取消了。{% if reason %}原因：{{ reason }}"
            "{% endif %}",
            'Sorry, "{{ title }}" ({{ starts_at }}) is called off.'
            "{% if reason %} Reason: {{ reason }}{% endif %}",
            {**_EXAMPLE, "reason": "场地临时关闭"},
        ),
        TemplateSpec(
            "meetup_followup",
            "an offline event ended: each member who checked in at the door is thanked privately",
            "线下活动结束：私聊感谢每位到场签到的成员",
            "message.send",
            {**_VARS, "attendees": "how many checked in"},
            "谢谢你来参加「{{ title }}」！今天共 {{ attendees }} 人到场，欢迎在群里分享你的收获。",
            'Thank you for coming to "{{ title }}"! {{ attendees }} of us were there; share '
            "what you took away in the group.",
            {**_EXAMPLE, "attendees": 18},
        ),
    )

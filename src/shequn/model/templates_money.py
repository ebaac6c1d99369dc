"""Message templates of money (P-MON-2), joined into ``TEMPLATES``.

Every one goes privately to one member (P-MON-3: money is talked about point to point, never
in the group). Same contract as ``templates_table.py``; this module does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_PRODUCT = {"product": "the product's name ([money] products)"}


def money_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The money templates, built with ``templates_table.TemplateSpec``."""
    return (
        TemplateSpec(
            "membership_reminder",
            "a membership ends soon: a private renewal reminder (reminder_days before the end)",
            "会员即将到期：私聊提醒续费（到期前 reminder_days 天）",
            "message.send",
            {
                **_PRODUCT,
                "until": "when it ends, in the community's time zone (YYYY-MM-DD HH:MM)",
                "price": "the renewal price, e.g. 99.00",
                "currency": "its currency code, e.g. CNY",
            },
            "你的「{{ product }}」将于 {{ until }} 到期，续费 {{ price }} {{ currency }} "
            "即可继续保留。",
            'Your "{{ product }}" ends on {{ until }}. Renew for {{ price }} {{ currency }} '
            "to keep it.",
            {
                "product": "课程群月卡",
                "until": "2026-02-28 20:00",
                "price": "99.00",
                "currency": "CNY",
            },
        ),
        TemplateSpec(
            "offer_made",
            "a member is ready for the next rung: a private offer (shequn offers plan, P-MON-3)",
            "成员已准备好进入下一阶：私聊发出邀请（shequn offers plan）",
            "message.send",
            {
                **_PRODUCT,
                "price": "its price, e.g. 99.00",
                "currency": "its currency code, e.g. CNY",
                "order": "the order reference to quote when paying (docs/monetization.md)",
                "days": "days the offer stays open",
            },
            "你最近在群里很活跃，想邀请你加入「{{ product }}」，价格 {{ price }} {{ currency }}，"
            "{{ days }} 天内有效。付款时请备注订单号 {{ order }}。",
            'You have been active lately, so we would like to invite you to "{{ product }}" '
            "for {{ price }} {{ currency }}, open for {{ days }} days. Quote order {{ order }} "
            "when you pay.",
            {"product": "课程", "price": "99.00", "currency": "CNY", "order": "sq1abc", "days": 7},
        ),
        TemplateSpec(
            "membership_expired",
            "a membership ended after its grace period: the member leaves its paid groups",
            "会员宽限期结束后到期：成员移出付费群",
            "message.send",
            _PRODUCT,
            "你的「{{ product }}」已到期，已移出相关付费群。随时续费即可回来。",
            'Your "{{ product }}" has ended and you have left its paid groups. '
            "Renew any time to come back.",
            {"product": "课程群月卡"},
        ),
        TemplateSpec(
            "membership_refunded",
            "a product was refunded in full and its membership ended by the product's rule",
            "全额退款后按规则结束会员",
            "message.send",
            _PRODUCT,
            "「{{ product }}」的退款已处理，会员资格随之结束。",
            'Your refund for "{{ product }}" is done; the membership has ended with it.',
            {"product": "课程群月卡"},
        ),
        TemplateSpec(
            "membership_cancelled",
            "a membership the member cancelled reached the end of its term: they leave its groups",
            "成员已取消的会员到期：移出相关付费群",
            "message.send",
            _PRODUCT,
            "你已取消的「{{ product }}」已到期结束，已移出相关付费群。欢迎随时回来。",
            'Your cancelled "{{ product }}" has reached its end and you have left its paid '
            "groups. You are welcome back any time.",
            {"product": "课程群月卡"},
        ),
    )

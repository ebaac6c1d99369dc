"""Message templates of money (P-MON-2), joined into ``TEMPLATES``.

Every one goes privately to one member (P-MON-3: money is talked about point to point, never
in the group). Same contract as ``templates_table.py``; this module does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shequn.model.i18n import N_

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_PRODUCT = {"product": N_("the product's name ([money] products)")}


def money_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The money templates, built with ``templates_table.TemplateSpec``."""
    return (
        TemplateSpec(
            "membership_reminder",
            N_("a membership ends soon: a private renewal reminder (reminder_days before the end)"),
            "message.send",
            {
                **_PRODUCT,
                "until": N_("when it ends, in the community's time zone (YYYY-MM-DD HH:MM)"),
                "price": N_("the renewal price, e.g. 99.00"),
                "currency": N_("its currency code, e.g. CNY"),
            },
            N_(
                'Your "{{ product }}" ends on {{ until }}. Renew for {{ price }} {{ currency }} '
                "to keep it."
            ),
            {
                "product": "课程群月卡",
                "until": "2026-02-28 20:00",
                "price": "99.00",
                "currency": "CNY",
            },
        ),
        TemplateSpec(
            "offer_made",
            N_(
                "a member is ready for the next rung: a private offer (shequn offers plan, P-MON-3)"
            ),
            "message.send",
            {
                **_PRODUCT,
                "price": N_("its price, e.g. 99.00"),
                "currency": N_("its currency code, e.g. CNY"),
                "order": N_("the order reference to quote when paying (docs/monetization.md)"),
                "days": N_("days the offer stays open"),
            },
            N_(
                'You have been active lately, so we would like to invite you to "{{ product }}" '
                "for {{ price }} {{ currency }}, open for {{ days }} days. Quote order {{ order }} "
                "when you pay."
            ),
            {"product": "课程", "price": "99.00", "currency": "CNY", "order": "sq1abc", "days": 7},
        ),
        TemplateSpec(
            "membership_expired",
            N_("a membership ended after its grace period: the member leaves its paid groups"),
            "message.send",
            _PRODUCT,
            N_(
                'Your "{{ product }}" has ended and you have left its paid groups. '
                "Renew any time to come back."
            ),
            {"product": "课程群月卡"},
        ),
        TemplateSpec(
            "membership_refunded",
            N_("a product was refunded in full and its membership ended by the product's rule"),
            "message.send",
            _PRODUCT,
            N_('Your refund for "{{ product }}" is done; the membership has ended with it.'),
            {"product": "课程群月卡"},
        ),
        TemplateSpec(
            "membership_cancelled",
            N_(
                "a membership the member cancelled reached the end of its term: they leave its "
                "groups"
            ),
            "message.send",
            _PRODUCT,
            N_(
                'Your cancelled "{{ product }}" has reached its end and you have left its paid '
                "groups. You are welcome back any time."
            ),
            {"product": "课程群月卡"},
        ),
    )

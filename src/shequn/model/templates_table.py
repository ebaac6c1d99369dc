"""The message templates shipped with shequn: every text the engine sends, by name.

One row per text: when the engine sends it, the variables it may use (name → one-line meaning),
its default (English; the message catalogue translates it), and example values for ``shequn
templates preview``. ``blueprint check`` accepts exactly these variables (plus :data:`COMMON`)
in an operator's override, and a test renders every default with its example values and checks
that every template the engine emits carries the variables its row names — so this table is the
contract between the engine (which fills the variables) and the operator (who writes the text).

Defaults are Jinja2 text rendered in a sandbox; a list value (``names``) arrives joined with
the language's separator ("、" or ", "), so a text never needs a loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from shequn.model.i18n import N_, tr
from shequn.model.templates_engagement import engagement_rows
from shequn.model.templates_meetups import meetup_rows
from shequn.model.templates_money import money_rows
from shequn.model.templates_org import org_rows
from shequn.model.templates_rules import rules_rows

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

COMMON: dict[str, str] = {
    "community": N_("the community's name"),
    "group": N_("the group's name ('' when the message is about no group, e.g. a reward)"),
    "member": N_("the recipient's name when the message goes to one person, else ''"),
}
"""Variables every template may use; :func:`shequn.model.templates.render_payload` fills them
from the blueprint and the payload, the engine does not put them in the action."""

COMMON_EXAMPLE: dict[str, Any] = {"community": "AI 读书会", "group": "读书会 1 群", "member": "lin"}


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One named text: what it is for, what it may say, and what it says by default.

    The English is the message id of the catalogue and the Chinese its translation
    (``locale/zh/LC_MESSAGES/shequn.po``, docs/languages.md); a default made of pieces (the
    ladder's steps share their reasons) is a tuple of message ids said one after another.
    """

    name: str
    when: str  # when the engine sends it, in English (``templates list``): a message id
    action: str  # the action kind that carries it
    variables: dict[str, str]  # name -> one-line meaning (filled by the engine)
    text: str | tuple[str, ...]  # the English default: a message id (or several, in order)
    example: dict[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> dict[str, str]:
        """Every variable a text of this template may name: its own and the common ones."""
        return {**COMMON, **self.variables}

    def default(self, lang: Lang) -> str:
        """The shipped text in ``lang``, from the message catalogue."""
        parts = (self.text,) if isinstance(self.text, str) else self.text
        return "".join(tr(lang, part) for part in parts)

    @property
    def zh(self) -> str:
        return self.default("zh")

    @property
    def en(self) -> str:
        return self.default("en")

    @property
    def when_zh(self) -> str:
        return tr("zh", self.when)


_ROWS = (
    TemplateSpec(
        "welcome",
        N_("a wave of newcomers is admitted: one welcome for the whole wave, in the group"),
        "message.send",
        {
            "names": N_("the newcomers of the wave, joined"),
            "count": N_("how many"),
            "wave": N_("wave number"),
        },
        N_("Welcome to {{ group }}, {{ names }}!"),
        {"names": ["lin", "wang", "zhao"], "count": 3, "wave": 4},
    ),
    TemplateSpec(
        "greet",
        N_("the same wave, to the members admitted before it: please greet the newcomers"),
        "message.send",
        {
            "names": N_("the newcomers of the wave, joined"),
            "count": N_("how many"),
            "wave": N_("wave number"),
        },
        N_("Please welcome our new members: {{ names }}"),
        {"names": ["lin", "wang", "zhao"], "count": 3, "wave": 4},
    ),
    TemplateSpec(
        "rejection",
        N_("a newcomer is not admitted (expired link, failed threshold, judges said no)"),
        "message.send",
        {"reason": N_("why, as the entry decision records it")},
        N_("Sorry, you were not admitted this time: {{ reason }}"),
        {"reason": "the link has expired"},
    ),
    TemplateSpec(
        "waitlisted",
        N_("a newcomer knocked but every group they could enter is full: told privately"),
        "message.send",
        {},
        N_("The group is full right now; you are on the waiting list."),
        {},
    ),
    TemplateSpec(
        "task",
        N_("a group's entry threshold is a task the newcomer has not done yet"),
        "message.send",
        {"task": N_("the task named in the group's entry (invited:N means bring N people)")},
        N_("Before you join, please complete this task: {{ task }}"),
        {"task": "share the poster"},
    ),
    TemplateSpec(
        "payment",
        N_("a group's entry threshold is a fee (or a deposit) not paid yet"),
        "payment.request",
        {
            "amount": N_("the fee"),
            "currency": N_("its currency code, e.g. CNY"),
            "deposit": N_("true when the fee is a deposit refunded on graduation"),
            "link": N_("the payment page with the order filled in ([money] provider and pay_url)"),
            "order": N_("the order reference to pay with ([money] provider set)"),
        },
        N_(
            "Joining costs {{ amount }} {{ currency }}"
            "{% if deposit %} (a deposit, refunded when you graduate){% endif %}"
            "{% if link %}. Pay here: {{ link }}{% elif order %}. Quote order {{ order }} when "
            "you pay{% else %}; an organiser will contact you to collect it{% endif %}"
        ),
        {"amount": 9.9, "currency": "CNY", "deposit": False, "order": None, "link": None},
    ),
    TemplateSpec(
        "seat_expired",
        N_("an admitted newcomer did not arrive within seat_hold_hours: the seat is given back"),
        "message.send",
        {"hours": N_("how long the seat was held (seat_hold_hours)")},
        N_(
            "Your seat in {{ group }} was held for {{ hours }} hours and is now released; "
            "apply again to join."
        ),
        {"hours": 48},
    ),
    TemplateSpec(
        "progress",
        N_("an inviter's count in a referral campaign changed and a reward tier is still ahead"),
        "message.send",
        {
            "campaign": N_("the campaign's slug"),
            "campaign_name": N_("the campaign's name"),
            "invites": N_("invitees that count so far"),
            "next": N_("invites needed for the next reward"),
            "left": N_("how many more are needed"),
            "reward": N_("the next reward"),
        },
        N_(
            "{{ campaign_name }}: you have invited {{ invites }}; "
            '{{ left }} more to get "{{ reward }}".'
        ),
        {
            "campaign": "invite3",
            "campaign_name": "邀请有礼",
            "invites": 2,
            "next": 3,
            "left": 1,
            "reward": "unlock",
        },
    ),
    TemplateSpec(
        "reward",
        N_("an inviter reached a reward tier of a referral campaign"),
        "message.send",
        {
            "campaign": N_("the campaign's slug"),
            "campaign_name": N_("the campaign's name"),
            "invites": N_("invitees that count"),
            "reward": N_("the reward granted"),
        },
        N_(
            "Congratulations! You invited {{ invites }} in {{ campaign_name }} "
            'and earned "{{ reward }}".'
        ),
        {"campaign": "invite3", "campaign_name": "邀请有礼", "invites": 3, "reward": "unlock"},
    ),
    TemplateSpec(
        "reward_revoked",
        N_("a reward is clawed back: invitees left at once or were found fraudulent"),
        "message.send",
        {
            "campaign": N_("the campaign's slug"),
            "campaign_name": N_("the campaign's name"),
            "invites": N_("invitees that still count"),
            "reward": N_("the reward taken back"),
            "reason": N_("why, as reason codes (left_quickly, left_before_stay_days, blocked …)"),
        },
        N_(
            "Sorry: some of your invitees left or did not pass review, {{ invites }} count now, "
            'so the reward "{{ reward }}" of {{ campaign_name }} was taken back.'
        ),
        {
            "campaign": "invite3",
            "campaign_name": "邀请有礼",
            "invites": 2,
            "reward": "unlock",
            "reason": "left_quickly",
        },
    ),
)

TEMPLATES: dict[str, TemplateSpec] = {
    row.name: row
    for row in (
        *_ROWS,
        *rules_rows(TemplateSpec),
        *engagement_rows(TemplateSpec),
        *meetup_rows(TemplateSpec),
        *money_rows(TemplateSpec),
    )
}
"""Every message template by name, in the order ``shequn templates list`` shows them."""
TEMPLATES.update({row.name: row for row in org_rows(TemplateSpec)})  # the pyramid (P-ORG)

LEGACY_ENTRY_KEYS: dict[str, str] = {
    "welcome": "welcome",
    "welcome_back": "greet",
    "rejection": "rejection",
}
"""``[groups.entry]`` text keys from before templates (one text for both languages) → the
template each one overrides for its group."""

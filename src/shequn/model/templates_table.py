"""The message templates shipped with shequn: every text the engine sends, by name.

One row per text: when the engine sends it, the variables it may use (name → one-line
meaning), its default in Chinese and in English, and example values for ``shequn templates
preview``. ``blueprint check`` accepts exactly these variables (plus :data:`COMMON`) in an
operator's override, and a test renders every default with its example values and checks that
every template the engine emits carries the variables its row names — so this table is the
contract between the engine (which fills the variables) and the operator (who writes the text).

Defaults are Jinja2 text rendered in a sandbox; a list value (``names``) arrives joined with
the language's separator ("、" or ", "), so a text never needs a loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from shequn.model.templates_engagement import engagement_rows
from shequn.model.templates_meetups import meetup_rows
from shequn.model.templates_money import money_rows
from shequn.model.templates_org import org_rows
from shequn.model.templates_rules import rules_rows

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

COMMON: dict[str, str] = {
    "community": "the community's name",
    "group": "the group's name ('' when the message is about no group, e.g. a reward)",
    "member": "the recipient's name when the message goes to one person, else ''",
}
"""Variables every template may use; :func:`shequn.model.templates.render_payload` fills them
from the blueprint and the payload, the engine does not put them in the action."""

COMMON_EXAMPLE: dict[str, Any] = {"community": "AI 读书会", "group": "读书会 1 群", "member": "lin"}


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One named text: what it is for, what it may say, and what it says by default."""

    name: str
    when: str  # when the engine sends it, in English (``templates list``)
    when_zh: str  # the same in Chinese
    action: str  # the action kind that carries it
    variables: dict[str, str]  # name -> one-line meaning (filled by the engine)
    zh: str
    en: str
    example: dict[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> dict[str, str]:
        """Every variable a text of this template may name: its own and the common ones."""
        return {**COMMON, **self.variables}

    def default(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


_ROWS = (
    TemplateSpec(
        "welcome",
        "a wave of newcomers is admitted: one welcome for the whole wave, in the group",
        "一批新人入群：整批一条欢迎语，发在群里",
        "message.send",
        {"names": "the newcomers of the wave, joined", "count": "how many", "wave": "wave number"},
        "欢迎 {{ names }} 加入{{ group }}！",
        "Welcome to {{ group }}, {{ names }}!",
        {"names": ["lin", "wang", "zhao"], "count": 3, "wave": 4},
    ),
    TemplateSpec(
        "greet",
        "the same wave, to the members admitted before it: please greet the newcomers",
        "同一批新人，发给之前入群的成员：请大家欢迎新朋友",
        "message.send",
        {"names": "the newcomers of the wave, joined", "count": "how many", "wave": "wave number"},
        "请大家欢迎新朋友 {{ names }}",
        "Please welcome our new members: {{ names }}",
        {"names": ["lin", "wang", "zhao"], "count": 3, "wave": 4},
    ),
    TemplateSpec(
        "rejection",
        "a newcomer is not admitted (expired link, failed threshold, judges said no)",
        "新人未通过入群审核（链接失效、门槛未过、评审拒绝）",
        "message.send",
        {"reason": "why, as the entry decision records it"},
        "抱歉，这次未能通过入群审核：{{ reason }}",
        "Sorry, you were not admitted this time: {{ reason }}",
        {"reason": "the link has expired"},
    ),
    TemplateSpec(
        "waitlisted",
        "a newcomer knocked but every group they could enter is full: told privately",
        "新人想入群但可进的群都已满：私下告知",
        "message.send",
        {},
        "目前群已满，你已登记在候补名单上。",
        "The group is full right now; you are on the waiting list.",
        {},
    ),
    TemplateSpec(
        "task",
        "a group's entry threshold is a task the newcomer has not done yet",
        "入群门槛是一项新人尚未完成的任务",
        "message.send",
        {"task": "the task named in the group's entry (invited:N means bring N people)"},
        "入群前请先完成任务：{{ task }}",
        "Before you join, please complete this task: {{ task }}",
        {"task": "share the poster"},
    ),
    TemplateSpec(
        "payment",
        "a group's entry threshold is a fee (or a deposit) not paid yet",
        "入群门槛是尚未支付的费用（或押金）",
        "payment.request",
        {
            "amount": "the fee",
            "currency": "its currency code, e.g. CNY",
            "deposit": "true when the fee is a deposit refunded on graduation",
            "link": "the payment page with the order filled in ([money] provider and pay_url)",
            "order": "the order reference to pay with ([money] provider set)",
        },
        "入群需支付 {{ amount }} {{ currency }}{% if deposit %}（押金，结营后退还）{% endif %}"
        "{% if link %}，付款链接：{{ link }}{% elif order %}，付款时请备注订单号 {{ order }}"
        "{% else %}，管理员会联系你收款{% endif %}",
        "Joining costs {{ amount }} {{ currency }}"
        "{% if deposit %} (a deposit, refunded when you graduate){% endif %}"
        "{% if link %}. Pay here: {{ link }}{% elif order %}. Quote order {{ order }} when "
        "you pay{% else %}; an organiser will contact you to collect it{% endif %}",
        {"amount": 9.9, "currency": "CNY", "deposit": False, "order": None, "link": None},
    ),
    TemplateSpec(
        "seat_expired",
        "an admitted newcomer did not arrive within seat_hold_hours: the seat is given back",
        "已获准入群的新人在保留时间内未入群：席位释放",
        "message.send",
        {"hours": "how long the seat was held (seat_hold_hours)"},
        "你在{{ group }}的席位已保留 {{ hours }} 小时，因未入群现已释放；如需加入请重新申请。",
        "Your seat in {{ group }} was held for {{ hours }} hours and is now released; "
        "apply again to join.",
        {"hours": 48},
    ),
    TemplateSpec(
        "progress",
        "an inviter's count in a referral campaign changed and a reward tier is still ahead",
        "邀请人在裂变活动中的人数变化，且还有奖励档位未达成",
        "message.send",
        {
            "campaign": "the campaign's slug",
            "campaign_name": "the campaign's name",
            "invites": "invitees that count so far",
            "next": "invites needed for the next reward",
            "left": "how many more are needed",
            "reward": "the next reward",
        },
        "「{{ campaign_name }}」你已邀请 {{ invites }} 人，"
        "再邀请 {{ left }} 人即可获得「{{ reward }}」。",
        "{{ campaign_name }}: you have invited {{ invites }}; "
        '{{ left }} more to get "{{ reward }}".',
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
        "an inviter reached a reward tier of a referral campaign",
        "邀请人达成裂变活动的一个奖励档位",
        "message.send",
        {
            "campaign": "the campaign's slug",
            "campaign_name": "the campaign's name",
            "invites": "invitees that count",
            "reward": "the reward granted",
        },
        "恭喜！你在「{{ campaign_name }}」已邀请 {{ invites }} 人，获得「{{ reward }}」。",
        "Congratulations! You invited {{ invites }} in {{ campaign_name }} "
        'and earned "{{ reward }}".',
        {"campaign": "invite3", "campaign_name": "邀请有礼", "invites": 3, "reward": "unlock"},
    ),
    TemplateSpec(
        "reward_revoked",
        "a reward is clawed back: invitees left at once or were found fraudulent",
        "奖励被收回：被邀请人很快退群或被判定作弊",
        "message.send",
        {
            "campaign": "the campaign's slug",
            "campaign_name": "the campaign's name",
            "invites": "invitees that still count",
            "reward": "the reward taken back",
            "reason": "why, as reason codes (left_quickly, left_before_stay_days, blocked …)",
        },
        "很抱歉，部分被邀请人已退群或未通过审核，现计 {{ invites }} 人，"
        "「{{ campaign_name }}」的奖励「{{ reward }}」已收回。",
        "Sorry: some of your invitees left or did not pass review, {{ invites }} count now, "
        'so the reward "{{ reward }}" of {{ campaign_name }} was taken back.',
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

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
from shequn.model.templates_money import money_rows
from shequn.model.templates_org import org_rows

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
        "{% endif %}",
        "Joining costs {{ amount }} {{ currency }}"
        "{% if deposit %} (a deposit, refunded when you graduate){% endif %}"
        "{% if link %}. Pay here: {{ link }}{% elif order %}. Quote order {{ order }} when "
        "you pay{% endif %}",
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

# --- group rules and moderation (P-RUL-2): one text per ladder step, the reason by rule -----
_REASON_ZH = (
    "{% if rule == 'advert' %}发广告请先在群里发红包{% elif rule == 'banned_topic' %}"
    "本群不讨论这类话题{% elif rule == 'flood' %}请勿刷屏{% elif rule == 'newcomer' %}"
    "入群初期请勿发链接或图片{% elif rule == 'link_level' %}链接和联系方式仅限达到等级的成员"
    "{% elif rule == 'lock' %}本群暂不允许这类内容{% else %}{{ rule }}{% endif %}"
)
_REASON_EN = (
    "{% if rule == 'advert' %}adverts need a red envelope to the group first"
    "{% elif rule == 'banned_topic' %}this group does not discuss that topic"
    "{% elif rule == 'flood' %}please do not flood the group{% elif rule == 'newcomer' %}"
    "no links or media in your first hours{% elif rule == 'link_level' %}"
    "links and contact details need a higher level{% elif rule == 'lock' %}"
    "this kind of content is locked here{% else %}{{ rule }}{% endif %}"
)
_STEP_VARS = {
    "name": "the member who broke the rule (named in the group's reply)",
    "rule": "the rule broken (advert, banned_topic, flood, newcomer, link_level, lock)",
    "evidence": "what the rule saw, e.g. 'wechat \"vx123\"'",
    "until": "end of a mute (community time), '' for other steps",
}
_STEP_EXAMPLE = {
    "name": "lin",
    "rule": "advert",
    "evidence": 'wechat "vx12345"',
    "until": "2026-05-02 20:00",
}
_STEPS = (
    ("reminder", "提醒", "{{ name }}，提醒一下：", "{{ name }}, a reminder: ", "", ""),
    ("warning", "警告", "{{ name }}，警告：", "{{ name }}, a warning: ", "再犯将被禁言。",
     " Next time you will be muted."),
    ("mute", "禁言", "{{ name }} 已被禁言至 {{ until }}：",
     "{{ name }} is muted until {{ until }}: ", "", ""),
    ("removal", "移出", "{{ name }} 已被移出本社区的群：", "{{ name }} was removed from "
     "this community's groups: ", "", ""),
)  # fmt: skip
_RULE_ROWS = (
    *(
        TemplateSpec(
            f"moderation_{step}",
            f"a member broke a group rule and the ladder's step is {step}: said in the group",
            f"成员违反群规，处理步骤为{zh_name}：发在群里",
            "message.send",
            _STEP_VARS,
            f"{zh_head}{_REASON_ZH}（{{{{ evidence }}}}）。{zh_tail}如有异议可发送 /appeal 申诉。",
            f"{en_head}{_REASON_EN} ({{{{ evidence }}}}).{en_tail} To appeal, send /appeal.",
            _STEP_EXAMPLE,
        )
        for step, zh_name, zh_head, en_head, zh_tail, en_tail in _STEPS
    ),
    TemplateSpec(
        "moderation_reversed",
        "a manager reversed a step of the ladder: said to the member privately",
        "管理员撤销了一次处理：私信告知成员",
        "message.send",
        {"step": "the step undone (reminder, warning, mute, removal)", "reason": "why"},
        "你在{{ group }}的处理（{{ step }}）已被管理员撤销。{{ reason }}",
        "The {{ step }} you received in {{ group }} was reversed by a manager. {{ reason }}",
        {"step": "mute", "reason": ""},
    ),
    TemplateSpec(
        "damping_repost",
        "chatter buried a valuable post (P-RUL-3): it is re-posted in the group",
        "闲聊淹没了有价值的消息：在群里重发",
        "message.send",
        {"author": "who wrote the buried post", "excerpt": "its first 200 characters"},
        "刚才的闲聊把{{ author }}的这条消息刷下去了，重发一下：{{ excerpt }}",
        "This post by {{ author }} got buried by chatter, so here it is again: {{ excerpt }}",
        {"author": "lin", "excerpt": "周六下午三点读书会，地点见群公告"},
    ),
    TemplateSpec(
        "damping_reminder",
        "chatter buried a valuable post (P-RUL-3): said privately to each chatterer",
        "闲聊淹没了有价值的消息：私信提醒闲聊的成员",
        "message.send",
        {"author": "who wrote the buried post"},
        "你好，{{ group }}里刚才的闲聊把{{ author }}的重要消息刷下去了。"
        "刷屏会让有价值的信息被淹没、让核心成员离开，闲聊可以私聊或去闲聊群，谢谢配合。",
        "Hi — the chatter in {{ group }} just buried an important post by {{ author }}. When a "
        "group floods, valuable information gets lost and key members leave; please take small "
        "talk to a private chat. Thank you.",
        {"author": "lin"},
    ),
)

TEMPLATES: dict[str, TemplateSpec] = {
    row.name: row
    for row in (*_ROWS, *_RULE_ROWS, *engagement_rows(TemplateSpec), *money_rows(TemplateSpec))
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

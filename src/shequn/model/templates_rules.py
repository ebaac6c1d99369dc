"""Message templates of group rules and moderation (P-RUL), joined into ``TEMPLATES``.

One text per ladder step, its reason chosen by rule (both languages), the note to a member
whose step a manager reversed, and over-activity damping's re-post and private reminder. Same
contract as ``templates_table.py``; this module does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_REASON_ZH = (
    "{% if rule == 'advert' %}发广告请先在群里发红包{% elif rule == 'banned_topic' %}"
    "本群不讨论这类话题{% elif rule == 'flood' %}请勿刷屏{% elif rule == 'newcomer' %}"
    "入群初期请勿发链接或图片{% elif rule == 'link_level' %}链接和联系方式仅限达到等级的成员"
    "{% elif rule == 'lock' %}本群暂不允许这类内容{% elif rule == 'pull_in' %}"
    "拉人进群请先经管理员同意{% elif rule == 'activity' %}组织活动请先向管理员报备"
    "{% elif rule == 'ban' %}此前已在本社区的另一个群被移出，本社区的群都不再接纳"
    "{% else %}{{ rule }}{% endif %}"
)
_REASON_EN = (
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
    "name": "the member who broke the rule (named in the group's reply)",
    "rule": "the rule broken (advert, banned_topic, flood, newcomer, link_level, lock, "
    "pull_in, activity; ban: removed from another group of the community)",
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


def rules_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The moderation templates, built with ``templates_table.TemplateSpec``."""
    return (
        *(
            TemplateSpec(
                f"moderation_{step}",
                f"a member broke a group rule and the ladder's step is {step}: said in the group",
                f"成员违反群规，处理步骤为{zh_name}：发在群里",
                "message.send",
                _STEP_VARS,
                f"{zh_head}{_REASON_ZH}（{{{{ evidence }}}}）。{zh_tail}"
                "如有异议可发送 /appeal 申诉。",
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

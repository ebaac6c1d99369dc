"""Message templates of the pyramid (P-ORG-1..3), joined into ``TEMPLATES``.

Beside ``templates_table.py`` like the engagement texts, with the same contract: the engine
fills the variables, the blueprint may reword each text in zh and en. ``templates_table``
passes its ``TemplateSpec`` in (this module does not import it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_MOTION_VARS = {"motion": "the motion's id (for /second and /vote)", "wording": "the motion's text"}
_MOTION_EXAMPLE = {"motion": "m-3f2a", "wording": "每周六晚八点固定读书分享"}


def org_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The organization templates, built with ``templates_table.TemplateSpec``."""
    return (
        TemplateSpec(
            "level_up",
            "a member reached a higher level (by the blueprint's requirements or by hand): "
            "told privately",
            "成员升到更高等级（按蓝图要求自动或手动授予）：私信告知",
            "message.send",
            {"level": "the level's name in the community's language"},
            "恭喜！你在{{ community }}的等级升为「{{ level }}」，感谢你的参与和贡献。",
            "Congratulations! You are now a {{ level }} in {{ community }}. Thank you for all "
            "you do here.",
            {"level": "骨干成员"},
        ),
        TemplateSpec(
            "task_offered",
            "a key-member candidate is given a small task (P-ORG-2): told privately",
            "给骨干候选人布置小任务：私信告知",
            "message.send",
            {"title": "what to do", "due": "by when, in the community's time zone"},
            "你好，{{ member }}！我们注意到你在群里很热心，想请你帮个小忙：{{ title }}"
            "（{{ due }} 前）。完成后会有惊喜。",
            "Hi {{ member }}! We have noticed how much you help others here. Would you take on "
            "a small task: {{ title }} (by {{ due }})?",
            {"title": "本周回答 5 个新人提问", "due": "2026-05-15 20:00"},
        ),
        TemplateSpec(
            "task_reminder",
            "a small task is overdue: one reminder, privately",
            "小任务逾期：私信提醒一次",
            "message.send",
            {"title": "what to do", "due": "when it was due"},
            "提醒一下：小任务「{{ title }}」在 {{ due }} 到期了，需要帮忙随时说。",
            "A reminder: the task “{{ title }}” was due {{ due }}. Tell us if you need a hand.",
            {"title": "本周回答 5 个新人提问", "due": "2026-05-15 20:00"},
        ),
        TemplateSpec(
            "motion_open",
            "a motion was seconded (or needs no second): discussion and voting open, in the group",
            "动议获附议（或无需附议）：讨论与表决开始，发在群里",
            "message.send",
            {**_MOTION_VARS, "closes_at": "when voting closes, in the community's time zone"},
            "动议 {{ motion }}：{{ wording }}\n讨论与表决至 {{ closes_at }}，"
            "回复 /vote {{ motion }} yes|no|abstain 投票。",
            "Motion {{ motion }}: {{ wording }}\nDiscussion and voting until {{ closes_at }}; "
            "reply /vote {{ motion }} yes|no|abstain.",
            {**_MOTION_EXAMPLE, "closes_at": "2026-05-10 20:00"},
        ),
        TemplateSpec(
            "motion_result",
            "a motion closed: its result and the counts, in the group",
            "动议结束：结果与票数，发在群里",
            "message.send",
            {
                **_MOTION_VARS,
                "result": "carried, defeated, no_quorum or lapsed",
                "yes": "votes for",
                "no": "votes against",
                "abstain": "abstentions",
            },
            "动议 {{ motion }}（{{ wording }}）："
            "{% if result == 'carried' %}通过{% elif result == 'defeated' %}未通过"
            "{% elif result == 'no_quorum' %}投票人数不足，未形成决议{% else %}无人附议，已撤销"
            "{% endif %}。赞成 {{ yes }}，反对 {{ no }}，弃权 {{ abstain }}。",
            "Motion {{ motion }} ({{ wording }}): "
            "{% if result == 'carried' %}carried{% elif result == 'defeated' %}defeated"
            "{% elif result == 'no_quorum' %}no quorum, no decision{% else %}lapsed for want of "
            "a second{% endif %}. Yes {{ yes }}, no {{ no }}, abstain {{ abstain }}.",
            {**_MOTION_EXAMPLE, "result": "carried", "yes": 12, "no": 3, "abstain": 2},
        ),
        TemplateSpec(
            "election_open",
            "an election opened (seed 004: monitor election): nominations, then ballots, in the "
            "group",
            "选举开始（班长选举）：先提名，再投票，发在群里",
            "message.send",
            {
                "election": "the election's id (for /nominate and /ballot)",
                "role": "the role elected: manager or group_leader",
                "nominations_close": "when nominations close, in the community's time zone",
                "voting_close": "when voting closes, in the community's time zone",
            },
            "{{ group }}开始选举{% if role == 'manager' %}班长{% else %}组长{% endif %}"
            "（{{ election }}）：{{ nominations_close }} 前可提名自己或他人，"
            "之后至 {{ voting_close }} 不记名投票。",
            "{{ group }} is electing its {% if role == 'manager' %}monitor{% else %}group leader"
            "{% endif %} ({{ election }}): nominate yourself or someone else until "
            "{{ nominations_close }}, then vote by secret ballot until {{ voting_close }}.",
            {
                "election": "e-7c1d2e",
                "role": "manager",
                "nominations_close": "2026-05-04 20:00",
                "voting_close": "2026-05-06 20:00",
            },
        ),
        TemplateSpec(
            "election_result",
            "an election closed: the winners and the votes per candidate, in the group",
            "选举结束：当选者与各候选人票数，发在群里",
            "message.send",
            {
                "election": "the election's id",
                "role": "the role elected: manager or group_leader",
                "winners": "the members elected, joined ('' when nobody)",
                "votes": "candidate and votes, e.g. 'lin 12, wang 7'",
                "runoff": "true when a tie leaves a seat to a runoff",
            },
            "选举 {{ election }} 结果：{% if winners %}{{ winners }} 当选"
            "{% if role == 'manager' %}班长{% else %}组长{% endif %}。"
            "{% else %}无人当选。{% endif %}"
            "{% if runoff %}票数相同，将在并列者之间再投一轮。{% endif %}票数：{{ votes }}",
            "Election {{ election }}: {% if winners %}{{ winners }} elected "
            "{% if role == 'manager' %}monitor{% else %}group leader{% endif %}.{% else %}nobody "
            "elected.{% endif %}{% if runoff %} A tie goes to a runoff between the tied.{% endif %}"
            " Votes: {{ votes }}",
            {
                "election": "e-7c1d2e",
                "role": "manager",
                "winners": ["lin"],
                "votes": "lin 12, wang 7",
                "runoff": False,
            },
        ),
        TemplateSpec(
            "term_ended",
            "an elected term ran out: the members step down, in the group",
            "任期届满：当选者卸任，发在群里",
            "message.send",
            {
                "election": "the election that gave the role",
                "role": "the role held: manager or group_leader",
                "members": "the members stepping down, joined",
                "ended": "when the term ended, in the community's time zone",
            },
            "{{ members }} 的{% if role == 'manager' %}班长{% else %}组长{% endif %}任期"
            "（选举 {{ election }}）已于 {{ ended }} 届满，感谢付出！新一届选举即将开始。",
            "{{ members }}'s term as {% if role == 'manager' %}monitor{% else %}group leader"
            "{% endif %} (election {{ election }}) ended on {{ ended }}. Thank you! A new "
            "election comes next.",
            {
                "election": "e-7c1d2e",
                "role": "manager",
                "members": ["lin"],
                "ended": "2026-11-06 20:00",
            },
        ),
    )

"""Message templates of engagement (P-ENG-1, P-ENG-2), joined into ``TEMPLATES``.

Kept beside ``templates_table.py`` so each chapter's texts stay in a module of a readable
size; the rows follow the same contract (variables filled by the engine, zh and en defaults).
``templates_table`` calls :func:`engagement_rows` with its ``TemplateSpec`` (this module does
not import it, so neither module's import depends on the other's order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_SESSION_VARS = {
    "session": "the session's id (as in `shequn session list`)",
    "title": "the session's topic",
    "starts_at": "its start, in the community's time zone (YYYY-MM-DD HH:MM)",
    "speaker": "the speaker's name, '' when none was named",
}
_SESSION_EXAMPLE = {
    "session": "main-20260508-2000",
    "title": "如何读完一本书",
    "starts_at": "2026-05-08 20:00",
    "speaker": "lin",
}


def engagement_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The engagement templates, built with ``templates_table.TemplateSpec``."""
    return (
        TemplateSpec(
            "join_welcome",
            "members joined without a wave (direct joins, groups without waves): one welcome for "
            "the members of one recorded batch, in the group, with the group rules attached",
            "成员不经批次直接入群（直接加入、未开启批次的群）：同一批入群者一条欢迎语，附群规",
            "message.send",
            {
                "names": "the newcomers, joined",
                "count": "how many",
                "rules": "the group rules ([engagement.welcome] rules), joined; '' when none",
            },
            "欢迎 {{ names }} 加入{{ group }}！{% if rules %}\n群规：{{ rules }}{% endif %}",
            "Welcome to {{ group }}, {{ names }}!"
            "{% if rules %}\nGroup rules: {{ rules }}{% endif %}",
            {"names": ["lin", "wang"], "count": 2, "rules": ["发广告先发红包", "不刷屏"]},
        ),
        TemplateSpec(
            "session_announce",
            "a sharing session is announced in its group (announce_days_before the start)",
            "分享会预告，发在群里（开始前 announce_days_before 天）",
            "message.send",
            _SESSION_VARS,
            "【分享预告】{{ starts_at }}，{% if speaker %}{{ speaker }} {% endif %}"
            "分享「{{ title }}」，欢迎准时参加！",
            'Coming up: {% if speaker %}{{ speaker }} on {% endif %}"{{ title }}" at '
            "{{ starts_at }}. Save the date!",
            _SESSION_EXAMPLE,
        ),
        TemplateSpec(
            "session_collect",
            "question collection for a session opens (collect_days_before the start)",
            "分享会开始收集问题（开始前 collect_days_before 天）",
            "message.send",
            _SESSION_VARS,
            "「{{ title }}」将于 {{ starts_at }} 开始，现在开始收集问题：把你想问的发给我"
            "（/ask 你的问题），分享时统一解答。",
            '"{{ title }}" starts at {{ starts_at }}. Send me your questions now '
            "(/ask your question); they will be answered in the session.",
            _SESSION_EXAMPLE,
        ),
        TemplateSpec(
            "session_warmup",
            "the warm-up before a session (warmup_hours_before the start)",
            "分享会开始前预热（开始前 warmup_hours_before 小时）",
            "message.send",
            {**_SESSION_VARS, "hours": "hours until the start"},
            "还有 {{ hours }} 小时，「{{ title }}」就要开始了，大家准备好问题哦！",
            '"{{ title }}" starts in {{ hours }} hours. Get your questions ready!',
            {**_SESSION_EXAMPLE, "hours": 2},
        ),
        TemplateSpec(
            "session_start",
            "a sharing session starts now: straight into the content",
            "分享会现在开始，直接进入干货环节",
            "message.send",
            _SESSION_VARS,
            "「{{ title }}」现在开始！{% if speaker %}有请 {{ speaker }}。{% endif %}",
            '"{{ title }}" starts now!{% if speaker %} Over to {{ speaker }}.{% endif %}',
            _SESSION_EXAMPLE,
        ),
        TemplateSpec(
            "session_summary",
            "after a session: its summary, sent privately to every member of the group",
            "分享会结束后：内容总结私信发给群里每位成员",
            "message.send",
            {**_SESSION_VARS, "summary": "the summary the operator wrote"},
            "{{ member }}，你好！「{{ title }}」的分享总结：\n{{ summary }}",
            'Hi {{ member }}, here is the summary of "{{ title }}":\n{{ summary }}',
            {**_SESSION_EXAMPLE, "summary": "三个方法：……"},
        ),
        TemplateSpec(
            "session_moved",
            "a session the group already heard of moved to a new time",
            "已预告的分享会改期",
            "message.send",
            {**_SESSION_VARS, "was": "the old start, in the community's time zone"},
            "「{{ title }}」改期：由 {{ was }} 改为 {{ starts_at }}。",
            '"{{ title }}" moved from {{ was }} to {{ starts_at }}.',
            {**_SESSION_EXAMPLE, "was": "2026-05-07 20:00"},
        ),
        TemplateSpec(
            "session_cancelled",
            "a session the group already heard of was called off",
            "已预告的分享会取消",
            "message.send",
            {**_SESSION_VARS, "reason": "why, '' when not given"},
            "很抱歉，原定 {{ starts_at }} 的「{{ title }}」取消了。{{ reason }}",
            'Sorry, "{{ title }}" at {{ starts_at }} is cancelled. {{ reason }}',
            {**_SESSION_EXAMPLE, "reason": ""},
        ),
        TemplateSpec(
            "checkin_reminder",
            "a check-in camp's reminder hour came and the member has not checked in today "
            "(privately, once a day)",
            "打卡营到了提醒时间、成员今天还没打卡（私信，每天最多一次）",
            "message.send",
            {
                "day": "today, in the community's time zone (YYYY-MM-DD)",
                "streak": "the member's current streak in days (0: none yet)",
                "task": "the camp's daily task ([engagement.checkins] task; '' when none)",
                "day_of": "the member's day of the camp (join day 1; 0 when unknown)",
                "days": "the camp's length ([engagement.checkins] days; 0: open-ended)",
            },
            "{{ member }}，今天还没打卡哦！{% if streak %}已连续 {{ streak }} 天，别断了～"
            "{% else %}今天开始，坚持就是收获。{% endif %}"
            "{% if days and day_of %}（第 {{ day_of }}/{{ days }} 天）{% endif %}"
            "{% if task %}今日任务：{{ task }}{% endif %}",
            "{{ member }}, you have not checked in today!{% if streak %} {{ streak }} days in a "
            "row so far: keep it going.{% else %} Start today: every day counts.{% endif %}"
            "{% if days and day_of %} (day {{ day_of }} of {{ days }}){% endif %}"
            "{% if task %} Today's task: {{ task }}{% endif %}",
            {"day": "2026-05-08", "streak": 5, "task": "读 20 页", "day_of": 6, "days": 21},
        ),
        TemplateSpec(
            "checkin_completed",
            "a member's days checked in reached the camp's complete_days (privately, once)",
            "成员打卡天数达到打卡营的完成天数（私信，一次）",
            "message.send",
            {
                "days": "days checked in",
                "longest": "their longest streak in the camp",
            },
            "恭喜{{ member }}完成{{ group }}！共打卡 {{ days }} 天，最长连续 {{ longest }} 天。",
            "Congratulations, {{ member }}: you completed {{ group }} with {{ days }} days "
            "checked in, {{ longest }} in a row at best.",
            {"days": 21, "longest": 14},
        ),
        TemplateSpec(
            "qa_repeat",
            "a question the knowledge base has answered came again: the earlier answer (in "
            "the group, or privately for a question sent to the bot)",
            "知识库里已答过的问题又被问到：回复之前的答案（群里问的回群里，私信问的回私信）",
            "message.send",
            {
                "question": "the question just asked",
                "asker": "who asked (name)",
                "asked": "the earlier question the answer belongs to",
                "answer": "the answer",
            },
            "{% if asker %}@{{ asker }} {% endif %}这个问题之前有人问过：「{{ asked }}」\n"
            "答：{{ answer }}",
            '{% if asker %}@{{ asker }} {% endif %}This was asked before: "{{ asked }}"\n'
            "Answer: {{ answer }}",
            {
                "question": "请问怎么报名？",
                "asker": "amy",
                "asked": "怎么报名呢",
                "answer": "点群公告里的链接",
            },
        ),
        TemplateSpec(
            "qa_unanswered",
            "questions in a group nobody answered for surface_after_hours, privately to its "
            "leaders (once per question)",
            "群里超过 surface_after_hours 小时没人回答的问题，私信给群主/管理员（每个问题一次）",
            "message.send",
            {
                "questions": "the questions, joined",
                "count": "how many",
                "hours": "surface_after_hours",
            },
            "{{ member }}，{{ group }} 有 {{ count }} 个问题超过 {{ hours }} 小时没人回答：\n"
            "{{ questions }}",
            "{{ member }}, {{ count }} question(s) in {{ group }} have had no answer for "
            "{{ hours }} hours:\n{{ questions }}",
            {"questions": ["怎么报名？", "什么时候开课？"], "count": 2, "hours": 12},
        ),
        TemplateSpec(
            "care_newcomer",
            "a newcomer's newcomer_day-th day in a group, privately, at their active hour",
            "新成员入群第 newcomer_day 天，私信，在其活跃时段",
            "message.send",
            {"day": "the day in the group (the join day is 1)"},
            "{{ member }}，来{{ group }}第 {{ day }} 天了，还习惯吗？有想聊的、想问的随时找我。",
            "{{ member }}, it is your day {{ day }} in {{ group }}: settling in? Ask me "
            "anything, any time.",
            {"day": 3},
        ),
        TemplateSpec(
            "care_silent",
            "a key member has been silent for silent_days, privately, once per silence",
            "活跃成员沉默 silent_days 天，私信问候（每次沉默一次）",
            "message.send",
            {"days": "days since their last message"},
            "{{ member }}，好久没在{{ group }}看到你了（{{ days }} 天），最近还好吗？"
            "大家都挺想你的。",
            "{{ member }}, we have missed you in {{ group }} these {{ days }} days. All well?",
            {"days": 15},
        ),
        TemplateSpec(
            "care_at_risk",
            "the churn-risk metric flags a member whose activity fell well below their own "
            "usual (shequn care at-risk), privately, once per decline",
            "流失风险指标发现成员的活跃度明显低于其以往水平（shequn care at-risk），私信问候，"
            "每次下滑一次",
            "message.send",
            {"days": "days since they were last active"},
            "{{ member }}，最近在{{ group }}少见你了，一切都好吗？有什么想聊的、想看的内容，"
            "随时告诉我。",
            "{{ member }}, we have seen less of you in {{ group }} lately. All well? If there is "
            "anything you would like to talk about or see more of, just tell me.",
            {"days": 9},
        ),
        TemplateSpec(
            "care_birthday",
            "a member's birthday (from the intake card), privately, once a year",
            "成员生日（来自入群名片），私信，每年一次",
            "message.send",
            {},
            "{{ member }}，生日快乐！🎂 {{ group }}的大家祝你新的一岁一切顺利。",
            "Happy birthday, {{ member }}! 🎂 Everyone in {{ group }} wishes you a great year.",
            {},
        ),
        TemplateSpec(
            "badge_granted",
            "a member reached new badge levels, privately",
            "成员获得新的徽章等级，私信",
            "message.send",
            {"badges": "the new badges with their levels, joined"},
            "{{ member }}，恭喜获得徽章：{{ badges }}！",
            "Congratulations {{ member }}, new badge: {{ badges }}!",
            {"badges": ["answers 10"]},
        ),
    )

"""Message templates of engagement (P-ENG-1, P-ENG-2), joined into ``TEMPLATES``.

Kept beside ``templates_table.py`` so each chapter's texts stay in a module of a readable
size; the rows follow the same contract (variables filled by the engine, zh and en defaults).
``templates_table`` calls :func:`engagement_rows` with its ``TemplateSpec`` (this module does
not import it, so neither module's import depends on the other's order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shequn.model.i18n import N_

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_SESSION_VARS = {
    "session": N_("the session's id (as in `shequn session list`)"),
    "title": N_("the session's topic"),
    "starts_at": N_("its start, in the community's time zone (YYYY-MM-DD HH:MM)"),
    "speaker": N_("the speaker's name, '' when none was named"),
}
_SESSION_EXAMPLE = {
    "session": "main-20260508-2000",
    "title": "如何读完一本书",
    "starts_at": "2026-05-08 20:00",
    "speaker": "lin",
}
CARE_VARIABLES = {
    "name": N_("the member's display name (else the short form of their key)"),
    "joined_days": N_("days since they joined the group (the join day is 0; '' when unknown)"),
    "last_active_days": N_("days since their last message ('' when none in key_window_days)"),
    "messages": N_("their messages in the last key_window_days"),
    "city": N_("the city their intake card gives ('' when none, or no card)"),
    "profession": N_("the profession their intake card gives ('' when none, or no card)"),
    "company": N_("the company their intake card gives ('' when none, or no card)"),
    "birthday": N_("their birthday from the intake card, MM-DD ('' when none)"),
    "has_card": N_("whether they filled in an intake card at all"),
}
"""Every care text's per-member variables (``engine/engagement/care.py member_variables``)."""
CARE_EXAMPLE = {
    "name": "老王", "joined_days": 42, "last_active_days": 17, "messages": 30, "city": "杭州",
    "profession": "产品经理", "company": "西湖书店", "birthday": "05-03", "has_card": True,
}  # fmt: skip


def engagement_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The engagement templates, built with ``templates_table.TemplateSpec``."""
    return (
        TemplateSpec(
            "join_welcome",
            N_(
                "members joined without a wave (direct joins, groups without waves): one welcome "
                "for the members of one recorded batch, in the group, with the group rules attached"
            ),
            "message.send",
            {
                "names": N_("the newcomers, joined"),
                "count": N_("how many"),
                "rules": N_("the group rules ([engagement.welcome] rules), joined; '' when none"),
            },
            N_(
                "Welcome to {{ group }}, {{ names }}!"
                "{% if rules %}\nGroup rules: {{ rules }}{% endif %}"
            ),
            {"names": ["lin", "wang"], "count": 2, "rules": ["发广告先发红包", "不刷屏"]},
        ),
        TemplateSpec(
            "session_announce",
            N_("a sharing session is announced in its group (announce_days_before the start)"),
            "message.send",
            _SESSION_VARS,
            N_(
                'Coming up: {% if speaker %}{{ speaker }} on {% endif %}"{{ title }}" at '
                "{{ starts_at }}. Save the date!"
            ),
            _SESSION_EXAMPLE,
        ),
        TemplateSpec(
            "session_collect",
            N_("question collection for a session opens (collect_days_before the start)"),
            "message.send",
            _SESSION_VARS,
            N_(
                '"{{ title }}" starts at {{ starts_at }}. Send me your questions now '
                "(/ask your question); they will be answered in the session."
            ),
            _SESSION_EXAMPLE,
        ),
        TemplateSpec(
            "session_warmup",
            N_("the warm-up before a session (warmup_hours_before the start)"),
            "message.send",
            {**_SESSION_VARS, "hours": N_("hours until the start")},
            N_('"{{ title }}" starts in {{ hours }} hours. Get your questions ready!'),
            {**_SESSION_EXAMPLE, "hours": 2},
        ),
        TemplateSpec(
            "session_start",
            N_("a sharing session starts now: straight into the content"),
            "message.send",
            _SESSION_VARS,
            N_('"{{ title }}" starts now!{% if speaker %} Over to {{ speaker }}.{% endif %}'),
            _SESSION_EXAMPLE,
        ),
        TemplateSpec(
            "session_summary",
            N_("after a session: its summary, sent privately to every member of the group"),
            "message.send",
            {**_SESSION_VARS, "summary": N_("the summary the operator wrote")},
            N_('Hi {{ member }}, here is the summary of "{{ title }}":\n{{ summary }}'),
            {**_SESSION_EXAMPLE, "summary": "三个方法：……"},
        ),
        TemplateSpec(
            "session_moved",
            N_("a session the group already heard of moved to a new time"),
            "message.send",
            {**_SESSION_VARS, "was": N_("the old start, in the community's time zone")},
            N_('"{{ title }}" moved from {{ was }} to {{ starts_at }}.'),
            {**_SESSION_EXAMPLE, "was": "2026-05-07 20:00"},
        ),
        TemplateSpec(
            "session_cancelled",
            N_("a session the group already heard of was called off"),
            "message.send",
            {**_SESSION_VARS, "reason": N_("why, '' when not given")},
            N_('Sorry, "{{ title }}" at {{ starts_at }} is cancelled. {{ reason }}'),
            {**_SESSION_EXAMPLE, "reason": ""},
        ),
        TemplateSpec(
            "checkin_reminder",
            N_(
                "a check-in camp's reminder hour came and the member has not checked in today "
                "(privately, once a day)"
            ),
            "message.send",
            {
                "day": N_("today, in the community's time zone (YYYY-MM-DD)"),
                "streak": N_("the member's current streak in days (0: none yet)"),
                "task": N_("the camp's daily task ([engagement.checkins] task; '' when none)"),
                "day_of": N_("the member's day of the camp (join day 1; 0 when unknown)"),
                "days": N_("the camp's length ([engagement.checkins] days; 0: open-ended)"),
            },
            N_(
                "{{ member }}, you have not checked in today!{% if streak %} {{ streak }} days in "
                "a row so far: keep it going.{% else %} Start today: every day counts.{% endif "
                "%}{% if days and day_of %} (day {{ day_of }} of {{ days }}){% endif %}{% if task "
                "%} Today's task: {{ task }}{% endif %}"
            ),
            {"day": "2026-05-08", "streak": 5, "task": "读 20 页", "day_of": 6, "days": 21},
        ),
        TemplateSpec(
            "checkin_completed",
            N_("a member's days checked in reached the camp's complete_days (privately, once)"),
            "message.send",
            {
                "days": N_("days checked in"),
                "longest": N_("their longest streak in the camp"),
            },
            N_(
                "Congratulations, {{ member }}: you completed {{ group }} with {{ days }} days "
                "checked in, {{ longest }} in a row at best."
            ),
            {"days": 21, "longest": 14},
        ),
        TemplateSpec(
            "qa_repeat",
            N_(
                "a question the knowledge base has answered came again: the earlier answer (in "
                "the group, or privately for a question sent to the bot)"
            ),
            "message.send",
            {
                "question": N_("the question just asked"),
                "asker": N_("who asked (name)"),
                "asked": N_("the earlier question the answer belongs to"),
                "answer": N_("the answer"),
            },
            N_(
                '{% if asker %}@{{ asker }} {% endif %}This was asked before: "{{ asked }}"\n'
                "Answer: {{ answer }}"
            ),
            {
                "question": "请问怎么报名？",
                "asker": "amy",
                "asked": "怎么报名呢",
                "answer": "点群公告里的链接",
            },
        ),
        TemplateSpec(
            "qa_unanswered",
            N_(
                "questions in a group nobody answered for surface_after_hours, privately to its "
                "leaders (once per question)"
            ),
            "message.send",
            {
                "questions": N_("the questions, joined"),
                "count": N_("how many"),
                "hours": N_("surface_after_hours"),
            },
            N_(
                "{{ member }}, {{ count }} question(s) in {{ group }} have had no answer for "
                "{{ hours }} hours:\n{{ questions }}"
            ),
            {"questions": ["怎么报名？", "什么时候开课？"], "count": 2, "hours": 12},
        ),
        TemplateSpec(
            "care_newcomer",
            N_("a newcomer's newcomer_day-th day in a group, privately, at their active hour"),
            "message.send",
            {"day": N_("the day in the group (the join day is 1)"), **CARE_VARIABLES},
            N_(
                "{{ member }}, it is your day {{ day }} in {{ group }}: settling in?"
                "{% if city %} How are things in {{ city }}?{% endif %} Ask me anything, any time."
            ),
            {"day": 3, **CARE_EXAMPLE},
        ),
        TemplateSpec(
            "care_silent",
            N_("a key member has been silent for silent_days, privately, once per silence"),
            "message.send",
            {"days": N_("days since their last message"), **CARE_VARIABLES},
            N_("{{ member }}, we have missed you in {{ group }} these {{ days }} days. All well?"),
            {"days": 15, **CARE_EXAMPLE},
        ),
        TemplateSpec(
            "care_at_risk",
            N_(
                "the churn-risk metric flags a member whose activity fell well below their own "
                "usual (shequn care at-risk), privately, once per decline"
            ),
            "message.send",
            {"days": N_("days since they were last active"), **CARE_VARIABLES},
            N_(
                "{{ member }}, we have seen less of you in {{ group }} lately. All well? If there "
                "is anything you would like to talk about or see more of, just tell me."
            ),
            {"days": 9, **CARE_EXAMPLE},
        ),
        TemplateSpec(
            "care_birthday",
            N_("a member's birthday (from the intake card), privately, once a year"),
            "message.send",
            dict(CARE_VARIABLES),
            N_("Happy birthday, {{ member }}! 🎂 Everyone in {{ group }} wishes you a great year."),
            dict(CARE_EXAMPLE),
        ),
        TemplateSpec(
            "badge_granted",
            N_("a member reached new badge levels, privately"),
            "message.send",
            {"badges": N_("the new badges with their levels, joined")},
            N_("Congratulations {{ member }}, new badge: {{ badges }}!"),
            {"badges": ["answers 10"]},
        ),
        TemplateSpec(
            "honour_story",
            N_("a manager names a member a role model: their story is published in the group"),
            "message.send",
            {
                "honour": N_("the honour's id (as in `shequn honours list`)"),
                "title": N_("what they are honoured as"),
                "name": N_("the member's display name (else the short form of their key)"),
                "story": N_("their story, in the manager's words"),
            },
            N_("🏅 {{ title }}: {{ name }}\n{{ story }}"),
            {
                "honour": "main-amy-2026-05",
                "title": "本月答疑之星",
                "name": "艾米",
                "story": "这个月回答了 26 个问题。",
            },
        ),
    )

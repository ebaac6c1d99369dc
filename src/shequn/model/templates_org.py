"""Message templates of the pyramid (P-ORG-1..3), joined into ``TEMPLATES``.

Beside ``templates_table.py`` like the engagement texts, with the same contract: the engine
fills the variables, the blueprint may reword each text in zh and en. ``templates_table``
passes its ``TemplateSpec`` in (this module does not import it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shequn.model.i18n import N_

if TYPE_CHECKING:
    from shequn.model.templates_table import TemplateSpec

_MOTION_VARS = {
    "motion": N_("the motion's id (for /second and /vote)"),
    "wording": N_("the motion's text"),
}
_MOTION_EXAMPLE = {"motion": "m-3f2a", "wording": "每周六晚八点固定读书分享"}


def org_rows(TemplateSpec: type[TemplateSpec]) -> tuple[TemplateSpec, ...]:
    """The organization templates, built with ``templates_table.TemplateSpec``."""
    return (
        TemplateSpec(
            "level_up",
            N_(
                "a member reached a higher level (by the blueprint's requirements or by hand): "
                "told privately"
            ),
            "message.send",
            {"level": N_("the level's name in the community's language")},
            N_(
                "Congratulations! You are now a {{ level }} in {{ community }}. Thank you for all "
                "you do here."
            ),
            {"level": "骨干成员"},
        ),
        TemplateSpec(
            "task_offered",
            N_("a key-member candidate is given a small task (P-ORG-2): told privately"),
            "message.send",
            {"title": N_("what to do"), "due": N_("by when, in the community's time zone")},
            N_(
                "Hi {{ member }}! We have noticed how much you help others here. Would you take on "
                "a small task: {{ title }} (by {{ due }})?"
            ),
            {"title": "本周回答 5 个新人提问", "due": "2026-05-15 20:00"},
        ),
        TemplateSpec(
            "task_reminder",
            N_("a small task is overdue: one reminder, privately"),
            "message.send",
            {"title": N_("what to do"), "due": N_("when it was due")},
            N_("A reminder: the task “{{ title }}” was due {{ due }}. Tell us if you need a hand."),
            {"title": "本周回答 5 个新人提问", "due": "2026-05-15 20:00"},
        ),
        TemplateSpec(
            "motion_open",
            N_(
                "a motion was seconded (or needs no second): discussion and voting open, in the "
                "group"
            ),
            "message.send",
            {**_MOTION_VARS, "closes_at": N_("when voting closes, in the community's time zone")},
            N_(
                "Motion {{ motion }}: {{ wording }}\nDiscussion and voting until {{ closes_at }}; "
                "reply /vote {{ motion }} yes|no|abstain."
            ),
            {**_MOTION_EXAMPLE, "closes_at": "2026-05-10 20:00"},
        ),
        TemplateSpec(
            "motion_result",
            N_("a motion closed: its result and the counts, in the group"),
            "message.send",
            {
                **_MOTION_VARS,
                "result": N_("carried, defeated, no_quorum or lapsed"),
                "yes": N_("votes for"),
                "no": N_("votes against"),
                "abstain": N_("abstentions"),
            },
            N_(
                "Motion {{ motion }} ({{ wording }}): {% if result == 'carried' %}carried{% elif "
                "result == 'defeated' %}defeated{% elif result == 'no_quorum' %}no quorum, no "
                "decision{% else %}lapsed for want of a second{% endif %}. Yes {{ yes }}, no {{ no "
                "}}, abstain {{ abstain }}."
            ),
            {**_MOTION_EXAMPLE, "result": "carried", "yes": 12, "no": 3, "abstain": 2},
        ),
        TemplateSpec(
            "election_open",
            N_(
                "an election opened (seed 004: monitor election): nominations, then ballots, in "
                "the group"
            ),
            "message.send",
            {
                "election": N_("the election's id (for /nominate and /ballot)"),
                "role": N_("the role elected: manager or group_leader"),
                "nominations_close": N_("when nominations close, in the community's time zone"),
                "voting_close": N_("when voting closes, in the community's time zone"),
            },
            N_(
                "{{ group }} is electing its {% if role == 'manager' %}monitor{% else %}group "
                "leader{% endif %} ({{ election }}): nominate yourself or someone else until {{ "
                "nominations_close }}, then vote by secret ballot until {{ voting_close }}."
            ),
            {
                "election": "e-7c1d2e",
                "role": "manager",
                "nominations_close": "2026-05-04 20:00",
                "voting_close": "2026-05-06 20:00",
            },
        ),
        TemplateSpec(
            "election_result",
            N_("an election closed: the winners and the votes per candidate, in the group"),
            "message.send",
            {
                "election": N_("the election's id"),
                "role": N_("the role elected: manager or group_leader"),
                "winners": N_("the members elected, joined ('' when nobody)"),
                "votes": N_("candidate and votes, e.g. 'lin 12, wang 7'"),
                "runoff": N_("true when a tie leaves a seat to a runoff"),
            },
            N_(
                "Election {{ election }}: {% if winners %}{{ winners }} elected {% if role == "
                "'manager' %}monitor{% else %}group leader{% endif %}.{% else %}nobody elected.{% "
                "endif %}{% if runoff %} A tie goes to a runoff between the tied.{% endif %} "
                "Votes: {{ votes }}"
            ),
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
            N_("an elected term ran out: the members step down, in the group"),
            "message.send",
            {
                "election": N_("the election that gave the role"),
                "role": N_("the role held: manager or group_leader"),
                "members": N_("the members stepping down, joined"),
                "ended": N_("when the term ended, in the community's time zone"),
            },
            N_(
                "{{ members }}'s term as {% if role == 'manager' %}monitor{% else %}group leader"
                "{% endif %} (election {{ election }}) ended on {{ ended }}. Thank you! A new "
                "election comes next."
            ),
            {
                "election": "e-7c1d2e",
                "role": "manager",
                "members": ["lin"],
                "ended": "2026-11-06 20:00",
            },
        ),
    )

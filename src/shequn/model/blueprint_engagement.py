"""The ``[engagement]`` part of the blueprint: welcomes, sharing sessions, the Q&A knowledge
base, the dead-group test, check-in camps, offline events, care, points and badges
(P-ENG-1..8).

Every seed figure is a default here and nowhere else. Seed 003's sharing-session timeline:
the announcement three to five days before (``announce_days_before``, the early end), the
question collection two days before, the warm-up two hours before, then the session, and
afterwards the content summarized and sent privately to every member. Figures the seeds do
not give (how long a session lasts, how fast private summaries go out, how late a join may
still be welcomed) are conservative choices, documented in docs/blueprint.md.

Per community, with per-group overrides (``[engagement.groups.<slug>.welcome]``) for the
welcome, because groups of one matrix often differ in tone and rules.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shequn.model.blueprint_calendar import Calendar

DEFAULT_WELCOME_MAX_AGE_MINUTES = 60.0
"""A join recorded later than this after it happened is history (an import), not a moment to
greet someone: no welcome."""
DEFAULT_ANNOUNCE_DAYS_BEFORE = 3.0
"""Seed 003: announce three to five days before; the late end keeps the news fresh."""
DEFAULT_COLLECT_DAYS_BEFORE = 2.0
"""Seed 003: collect the members' questions two days before."""
DEFAULT_WARMUP_HOURS_BEFORE = 2.0
"""Seed 003: warm the group up two hours before."""
DEFAULT_DURATION_MINUTES = 60
"""How long a session lasts when the plan does not say (attendance counts inside it)."""
DEFAULT_SUMMARY_PER_MINUTE = 20
"""Private summaries queued per minute, spread so a 500-member group is not one burst (the
worker's per-connector pacing still applies on top)."""
DEFAULT_REMIND_HOUR = 20
"""Check-in camps (P-ENG-5): the local hour after which those who have not checked in today
are reminded — evening, so the day's task can still be done."""
DEFAULT_FREEZE_TOKENS = 0
"""Missed days a streak may bridge (streak freezes); none unless a camp grants them."""
DEFAULT_BOARD_TOP = 10
"""Members shown on a camp's leaderboard."""
DEFAULT_REMIND_PER_MINUTE = 20
"""Private check-in reminders queued per minute, like the session summaries: a big camp is
not one burst of private messages."""
DEFAULT_QA_SURFACE_AFTER_HOURS = 12.0
"""Q&A (P-ENG-3): a question nobody answered for this long goes to the group's leaders — half
a day, so a question asked in the evening is still open the next morning (the seeds give no
figure)."""
DEFAULT_QA_SURFACE_WITHIN_DAYS = 3.0
"""Only questions asked in the last days are surfaced: an imported year of history is not a
to-do list."""
DEFAULT_QA_MATCH = 0.5
"""How alike (0–1, Dice over character pairs and words) a new question must be to an answered
one to get its answer back."""
BestBy = Literal["marked", "reactions", "key_member", "first"]
DEFAULT_QA_BEST: tuple[BestBy, ...] = ("marked", "reactions", "key_member", "first")
"""The best answer among a question's replies and its marking, criterion by criterion: a
manager's marking, then the reply with most reactions, then one by a member holding a role,
then the first; the earliest breaks what the rule leaves tied."""
DEFAULT_QA_REPLY_MAX_AGE_MINUTES = 60.0
"""A question recorded later than this after it was asked (an import) gets no automatic answer."""
DEFAULT_ENVELOPE_TEST_HOURS = 2.0
"""Seed 001: a red envelope not grabbed within one to two hours means the group is dead; the
late end, so a slow evening is not taken for death."""
DEFAULT_ENVELOPE_TEST_SHARES = 10
"""Shares the operator is asked to split the test envelope into (the seeds give no figure);
the verdict counts against the shares the envelope was actually sent with."""
DEFAULT_CARE_NEWCOMER_DAY = 3
"""Seed 003's rhythm: a newcomer hears from the group personally on their third day, when the
first welcome has faded and most silent newcomers decide whether to stay."""
DEFAULT_CARE_SILENT_DAYS = 14
"""A key member silent this long is asked after privately (the seeds give no figure)."""
DEFAULT_CARE_KEY_MESSAGES = 20
"""Messages in ``key_window_days`` that make a member a key member for the silence trigger."""
DEFAULT_CARE_KEY_WINDOW_DAYS = 60
DEFAULT_CARE_HOUR = 20
"""When a member with no message history is written to: the evening, local time."""
DEFAULT_CARE_PER_MINUTE = 20
"""Private care messages queued per minute, like the summaries and reminders."""
DEFAULT_BADGE_ANSWERS = (10, 25, 50)
"""Badge levels (issue 18): questions answered."""
DEFAULT_BADGE_STREAK = (7, 30, 100)
"""Badge levels: the longest check-in streak, in days."""
DEFAULT_BADGE_INVITES = (1, 3, 5)
"""Badge levels: members brought who stayed (``invite`` in model/org_facts.py)."""
DEFAULT_BADGE_CAMPS = (1, 3, 5)
"""Badge levels: check-in camps completed (``checkin.completed``)."""
DEFAULT_MEETUP_INVITE_DAYS_BEFORE = 7.0
"""Offline events (P-ENG-6): the group is invited a week ahead, so people can plan a trip (the
seeds give no figure)."""
DEFAULT_MEETUP_REMIND_HOURS_BEFORE = 24.0
"""Those going are reminded privately the day before, with the venue."""
DEFAULT_MEETUP_PER_MINUTE = 20
"""Private meetup reminders and follow-ups queued per minute, like the session summaries."""
DEFAULT_POINTS_EARN = {
    "answer": 10,
    "checkins": 5,
    "invite": 20,
    "link": 2,
    "reply": 1,
    "camps": 50,
}
"""Points per counted behaviour (model/org_facts.py names, and ``camps``: check-in camps
completed — ten days' check-ins as a bonus for finishing); anything else earns none."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Welcome(_Section):
    """P-ENG-1: every join is welcomed — a wave's by the wave welcome, any other by this."""

    enabled: bool = True
    clean: bool = False  # delete the previous welcome when a new one is sent
    max_age_minutes: float = Field(DEFAULT_WELCOME_MAX_AGE_MINUTES, gt=0)
    rules: list[str] = Field(default_factory=list)  # the group rules attached, one per line


class Sessions(_Section):
    """P-ENG-2: the timeline of a sharing session (seed 003)."""

    announce_days_before: float = Field(DEFAULT_ANNOUNCE_DAYS_BEFORE, ge=0)
    collect_days_before: float = Field(DEFAULT_COLLECT_DAYS_BEFORE, ge=0)
    warmup_hours_before: float = Field(DEFAULT_WARMUP_HOURS_BEFORE, ge=0)
    duration_minutes: int = Field(DEFAULT_DURATION_MINUTES, gt=0)
    summary_per_minute: int = Field(DEFAULT_SUMMARY_PER_MINUTE, gt=0)


class Checkins(_Section):
    """P-ENG-5: check-in camps. A camp is a group some entry names as its ``camp`` or one
    listed in ``groups``; only camps are reminded, so an ordinary group is never nagged."""

    enabled: bool = True
    groups: list[str] = Field(default_factory=list)  # camps beyond the entry camps
    remind_hour: int = Field(DEFAULT_REMIND_HOUR, ge=0, le=23)
    freeze_tokens: int = Field(DEFAULT_FREEZE_TOKENS, ge=0)
    board_top: int = Field(DEFAULT_BOARD_TOP, gt=0)
    remind_per_minute: int = Field(DEFAULT_REMIND_PER_MINUTE, gt=0)
    days: int = Field(0, ge=0, le=366)  # a camp's length per member from their join; 0: open
    task: str = Field("", max_length=500)  # the daily task, named in the reminder
    complete_days: int | None = Field(None, ge=1)  # days checked in that complete it (: days)

    @property
    def to_complete(self) -> int:
        """Days checked in that complete the camp; 0 when camps have no period."""
        return self.complete_days or self.days if self.days else 0


class QA(_Section):
    """P-ENG-3: the Q&A knowledge base — answered questions are kept and found again."""

    enabled: bool = True
    surface_after_hours: float = Field(DEFAULT_QA_SURFACE_AFTER_HOURS, gt=0)
    surface_within_days: float = Field(DEFAULT_QA_SURFACE_WITHIN_DAYS, gt=0)
    match: float = Field(DEFAULT_QA_MATCH, gt=0, le=1)
    reply_max_age_minutes: float = Field(DEFAULT_QA_REPLY_MAX_AGE_MINUTES, gt=0)
    best: tuple[BestBy, ...] = Field(DEFAULT_QA_BEST, min_length=1)


class Envelopes(_Section):
    """P-ENG-4: the dead-group test (seed 001) — send a red envelope; if it is not all grabbed
    within ``test_hours``, the group is dead."""

    test_hours: float = Field(DEFAULT_ENVELOPE_TEST_HOURS, gt=0)
    test_shares: int = Field(DEFAULT_ENVELOPE_TEST_SHARES, gt=0)


class Care(_Section):
    """P-ENG-7: private, personal messages at each member's own active hour; never to those
    who opted out (``/stop``)."""

    enabled: bool = True
    newcomer_day: int = Field(DEFAULT_CARE_NEWCOMER_DAY, ge=1)
    silent_days: int = Field(DEFAULT_CARE_SILENT_DAYS, ge=1)
    key_messages: int = Field(DEFAULT_CARE_KEY_MESSAGES, ge=1)
    key_window_days: int = Field(DEFAULT_CARE_KEY_WINDOW_DAYS, ge=1)
    birthday: bool = True  # greet on the birthday the intake card gives (card.birthday)
    at_risk: bool = False  # the worker's care.at_risk tick writes to those the churn metric flags
    hour: int = Field(DEFAULT_CARE_HOUR, ge=0, le=23)
    per_minute: int = Field(DEFAULT_CARE_PER_MINUTE, gt=0)


class Points(_Section):
    """P-ENG-8: points earned for counted behaviours, spent on rewards."""

    earn: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_POINTS_EARN))
    allow_negative: bool = False


class Badges(_Section):
    """P-ENG-8: badge levels; a level is granted once, when the count reaches it."""

    answers: list[int] = Field(default_factory=lambda: list(DEFAULT_BADGE_ANSWERS))
    streak: list[int] = Field(default_factory=lambda: list(DEFAULT_BADGE_STREAK))
    invites: list[int] = Field(default_factory=lambda: list(DEFAULT_BADGE_INVITES))
    camps: list[int] = Field(default_factory=lambda: list(DEFAULT_BADGE_CAMPS))


class GroupEngagement(_Section):
    """A group's overrides: a section given here replaces the community's."""

    welcome: Welcome | None = None


class Meetups(_Section):
    """P-ENG-6: offline events — the invitation's lead, the reminder to those going, pacing."""

    invite_days_before: float = Field(DEFAULT_MEETUP_INVITE_DAYS_BEFORE, ge=0)
    remind_hours_before: float = Field(DEFAULT_MEETUP_REMIND_HOURS_BEFORE, ge=0)
    duration_minutes: int = Field(DEFAULT_DURATION_MINUTES * 2, gt=0)
    per_minute: int = Field(DEFAULT_MEETUP_PER_MINUTE, gt=0)


class Engagement(_Section):
    """``[engagement]``: the community's routines and its groups' overrides."""

    welcome: Welcome = Field(default_factory=Welcome)
    sessions: Sessions = Field(default_factory=Sessions)
    meetups: Meetups = Field(default_factory=Meetups)
    calendar: Calendar = Field(default_factory=Calendar)
    checkins: Checkins = Field(default_factory=Checkins)
    qa: QA = Field(default_factory=QA)
    envelopes: Envelopes = Field(default_factory=Envelopes)
    care: Care = Field(default_factory=Care)
    points: Points = Field(default_factory=Points)
    badges: Badges = Field(default_factory=Badges)
    groups: dict[str, GroupEngagement] = Field(default_factory=dict)

    def welcome_for(self, slug: str | None) -> Welcome:
        """The welcome settings that govern ``slug``: the group's if it has its own."""
        over = self.groups.get(slug or "")
        return over.welcome if over is not None and over.welcome is not None else self.welcome

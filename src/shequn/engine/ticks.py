"""Ticks: the engine's periodic jobs, run by ``shequn worker`` on their own schedule.

Timed playbook steps that no single event triggers — open the waves that are due, give back
seats held too long, re-count campaign rewards — are ticks, so nothing needs cron. Each tick is
idempotent (running it twice at one instant decides nothing the second time), so several
workers running the same tick, or a worker restarted mid-tick, change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shequn.engine.campaigns import settle
from shequn.engine.elections import close_elections
from shequn.engine.engagement.at_risk import at_risk_tick
from shequn.engine.engagement.calendar import release as release_posts
from shequn.engine.engagement.caring import send_care
from shequn.engine.engagement.checkins import remind as remind_checkins
from shequn.engine.engagement.envelopes import judge as judge_envelopes
from shequn.engine.engagement.honours import grant as grant_badges
from shequn.engine.engagement.knowledge import surface as surface_questions
from shequn.engine.engagement.meetups import run_meetups
from shequn.engine.engagement.sessions import close_sessions
from shequn.engine.entry import open_waves
from shequn.engine.invitelinks import sync_invite_links
from shequn.engine.livecodes import sync_live_codes
from shequn.engine.money import renewals
from shequn.engine.motions import close_motions
from shequn.engine.organization_levels import evaluate_tick
from shequn.engine.organization_tasks import progress_tick
from shequn.engine.seats import expire_seats
from shequn.engine.wecom_stats import pull_tick, readback_tick
from shequn.store.db import Store


@dataclass(frozen=True, slots=True)
class Tick:
    """One periodic job: ``run(store, community, now)`` returns how many things it did."""

    name: str
    every: timedelta
    run: Callable[[Store, str, datetime], int]
    doc: str


def _waves(store: Store, community: str, now: datetime) -> int:
    return open_waves(store, community, now=now)


def _expire(store: Store, community: str, now: datetime) -> int:
    return len(expire_seats(store, community, now=now))


def _settle(store: Store, community: str, now: datetime) -> int:
    return len(settle(store, community, now=now).events)


TICKS: tuple[Tick, ...] = (
    Tick("entry.waves", timedelta(minutes=1), _waves, "open the waves that are due"),
    Tick("entry.expire", timedelta(minutes=10), _expire, "give back seats held too long"),
    Tick("wecom.livecodes", timedelta(minutes=1), sync_live_codes, "WeCom live codes ← seats"),
    Tick("telegram.links", timedelta(minutes=1), sync_invite_links, "invite links ← seats"),
    Tick("wecom.stats", timedelta(hours=1), pull_tick, "pull yesterday's WeCom statistics"),
    Tick("wecom.readback", timedelta(hours=1), readback_tick, "were WeCom message tasks sent?"),
    Tick("campaign.settle", timedelta(hours=1), _settle, "grant and claw back rewards"),
    Tick("sessions.close", timedelta(minutes=5), close_sessions, "record sessions held"),
    Tick("calendar.release", timedelta(minutes=5), release_posts, "today's calendar posts due"),
    Tick("meetups.run", timedelta(minutes=10), run_meetups, "meetup reminders, held, follow-up"),
    Tick("checkins.remind", timedelta(minutes=10), remind_checkins, "remind camps to check in"),
    Tick("envelopes.judge", timedelta(minutes=10), judge_envelopes, "dead-group test verdicts"),
    Tick("care.send", timedelta(hours=1), send_care, "private care at each member's hour"),
    Tick("care.at_risk", timedelta(days=1), at_risk_tick, "care for those the churn metric flags"),
    Tick("badges.grant", timedelta(hours=1), grant_badges, "grant badge levels reached"),
    Tick("qa.surface", timedelta(minutes=15), surface_questions, "unanswered questions → leaders"),
    Tick("money.renewals", timedelta(minutes=5), renewals, "remind, lapse and expire memberships"),
    Tick("org.levels", timedelta(hours=1), evaluate_tick, "evaluate levels and core-figure tags"),
    Tick("org.tasks", timedelta(minutes=15), progress_tick, "small tasks done, promoted, reminded"),
    Tick("motions.close", timedelta(minutes=5), close_motions, "close motions, tell the results"),
    Tick("elections.close", timedelta(minutes=5), close_elections, "count closed elections"),
)
"""The registry, in the order a worker runs them (waves before the seats they fill)."""

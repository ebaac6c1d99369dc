"""The demo's engagement chapter (issue 18): a sharing session planned at the story's end with
its whole timeline, and the check-in camp's leaderboard from the simulated check-ins.

``shequn demo`` prints both after the report, so a new operator sees the routines shequn runs
— what the group will hear and when, and who leads the camp — in the community's own words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shequn.engine.engagement.checkins import leaderboard
from shequn.engine.engagement.sessions import plan_session
from shequn.engine.engagement.streaks import Streak, camps
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import N_, Said
from shequn.plan.demo_growth import story_end
from shequn.store import tables as t
from shequn.store.db import Store

SESSION_GROUP = "main"
SESSION_TITLE = "如何读完一本难读的书"
SESSION_DAYS_AHEAD = 5  # far enough for the whole timeline: announcement 3 days before
BOARD_TOP = 5
STEPS = {
    "session_announce": N_("announced in the group"),
    "session_collect": N_("questions collected"),
    "session_warmup": N_("warm-up"),
    "session_start": N_("start"),
    "session.summarize": N_("summary written (an operator task), then sent to each member"),
}


@dataclass
class EngageSummary:
    session: str = ""
    steps: list[tuple[str, datetime]] = field(default_factory=list)  # template, local due
    camp: str = ""
    board: list[Streak] = field(default_factory=list)

    def render(self, who: Callable[[str], str] = str) -> list[Said]:
        """The session's timeline and the camp's board, a line each (people by ``who``, their
        display name where the caller knows it)."""
        lines = [
            Said(
                "Session {session}'s timeline (shequn session show {session}):",
                session=self.session,
            )
        ]
        for step, due in self.steps:
            what = Said(STEPS[step]) if step in STEPS else step
            lines.append(Said("  {due}  {step}", due=f"{due:%m-%d %H:%M}", step=what))
        if self.camp:
            lines.append(
                Said("Camp {camp}'s leaderboard (shequn checkin board {camp}):", camp=self.camp)
            )
            lines += [
                Said(
                    "  {member}  {current} days in a row, {total} days in all",
                    member=who(s.member),
                    current=s.current,
                    total=s.total,
                )
                for s in self.board
            ]
        return lines


def run_engagement(store: Store, bp: Blueprint) -> EngageSummary:
    """Plan the demo's session (once: planning again is a no-op) and read the camp board, both
    at the story's end."""
    with store.read() as conn:
        end = story_end(conn)
    summary = EngageSummary()
    if end is None:
        return summary
    zone = ZoneInfo(bp.community.timezone)
    day = (end + timedelta(days=SESSION_DAYS_AHEAD)).astimezone(zone)
    at = day.replace(hour=20, minute=0, second=0, microsecond=0)
    session, _ = plan_session(store, bp.community.slug, SESSION_GROUP, title=SESSION_TITLE,
                              starts_at=at, now=end)  # fmt: skip
    a = t.actions.c
    with store.read() as conn:
        rows = conn.execute(
            select(a.kind, a.payload, a.due_at)
            .where(a.caused_by == session.cause_event_id)
            .order_by(a.due_at, a.id)
        ).all()
    summary.session = session.session
    summary.steps = [
        (str(payload.get("template") or kind), _aware(due).astimezone(zone))
        for kind, payload, due in rows
    ]
    found = camps(bp)
    if found:
        summary.camp = found[0]
        summary.board = leaderboard(store, bp.community.slug, found[0], top=BOARD_TOP, now=end)
    return summary


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))

"""WeCom's own group statistics, pulled daily and compared with the log (issue 20).

The ``wecom.stats`` tick queues one ``stats.pull`` action per China day (WeCom's days) once the
day is over; the worker's ``wecom`` connector reads ``groupchat/statistic`` (per owner) into
the action's result. :func:`stats_report` then sets WeCom's counts beside what the log holds
for the same day and groups — new members, chats — and reports the differences. Nothing is
overwritten: a join WeCom counted and the log lacks is a callback lost (or a chat not bound),
one the log has and WeCom lacks is a join recorded by hand or an import; an operator decides.

The ``wecom.readback`` tick does the same for message tasks: a day after each one, a
``message.readback`` asks WeCom (``get_groupmsg_task``) whether its sender confirmed it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from shequn.engine.decisions import Decision, apply
from shequn.model.actions import Action
from shequn.model.livecodes import WELCOME_TEMPLATES
from shequn.store.bindings import group_chats
from shequn.store.db import Store
from shequn.store.wecom_queries import SentTask, joins_between, pulled_stats, tasks_to_read_back

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
"""WeCom counts by China day."""
READBACK_AFTER = timedelta(days=1)
"""How long the sender has to confirm a message task before shequn asks WeCom whether it was
sent (``message.readback``: the answer is the action's result)."""
READBACK_UNTIL = timedelta(days=3)
"""How long after a message task the read-back keeps asking while recipients are unsent (the
sender may confirm late); then it records what it found."""


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), CHINA)


def decide_stats_pull(community: str, on_wecom: bool, now: datetime) -> Decision:
    """Pure: pull yesterday's (China) statistics, due at the start of today — the same
    action all day long, so the tick queues it once however often it runs."""
    if not on_wecom:
        return Decision.none()
    today = now.astimezone(CHINA).date()
    yesterday = today - timedelta(days=1)
    payload = {"day": yesterday.isoformat()}
    return Decision(actions=[Action("stats.pull", community, day_start(today), None, payload)])


def pull_tick(store: Store, community: str, now: datetime) -> int:
    """The ``wecom.stats`` tick: queue yesterday's pull if the community has WeCom groups."""
    with store.transaction() as conn:
        decision = decide_stats_pull(community, bool(group_chats(conn, community, "wecom")), now)
        apply(conn, decision)
        return len(decision.actions)


def decide_readbacks(community: str, tasks: list[SentTask], now: datetime) -> Decision:
    """Pure: one ``message.readback`` per message task carried out ``READBACK_AFTER`` ago,
    due then (so the same task always asks for the same readback), in the task's group, asking
    until ``READBACK_UNTIL`` after the task while recipients are still unsent."""
    actions = []
    for task in tasks:
        if task.at + READBACK_AFTER > now:
            continue
        payload: dict[str, object] = {"msgid": task.msgid, "action": task.action,
                                      "until": (task.at + READBACK_UNTIL).isoformat()}  # fmt: skip
        if task.to:
            payload["to"] = task.to
        actions.append(
            Action("message.readback", community, task.at + READBACK_AFTER, task.group, payload)
        )
    return Decision(actions=actions)


def readback_tick(store: Store, community: str, now: datetime) -> int:
    """The ``wecom.readback`` tick: ask WeCom whether yesterday's message tasks were sent."""
    with store.transaction() as conn:
        before = now - READBACK_AFTER
        tasks = tasks_to_read_back(conn, community, before, WELCOME_TEMPLATES)
        decision = decide_readbacks(community, tasks, now)
        apply(conn, decision)
        return len(decision.actions)


@dataclass(frozen=True, slots=True)
class DayReport:
    """One day (or one owner's part of it): WeCom's counts, the log's, where they differ."""

    day: str
    wecom_new_members: int | None
    log_new_members: int
    wecom_chats: int | None
    bound_chats: int
    member_total: int | None
    msg_total: int | None
    owner: str | None = None
    """Whose groups these are (``None``: the day's total)."""
    owners: tuple[DayReport, ...] = ()
    """The day's total split by owner (WeCom counts per owner), when the pull said whose."""

    @property
    def differences(self) -> dict[str, int]:
        """What WeCom counted minus what the log holds, where they differ."""
        pairs = {
            "new_members": (self.wecom_new_members, self.log_new_members),
            "chats": (self.wecom_chats, self.bound_chats),
        }
        return {k: w - ours for k, (w, ours) in pairs.items() if w is not None and w != ours}

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON: each row with its differences."""
        row = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "owners"}
        return row | {"differences": self.differences, "owners": [o.as_dict() for o in self.owners]}


def reconcile(
    day: str,
    wecom: dict[str, int],
    log_joins: int,
    bound: int,
    *,
    owner: str | None = None,
    owners: tuple[DayReport, ...] = (),
) -> DayReport:
    """Pure: WeCom's counts of ``day`` (of ``owner``'s groups, or all) beside the log's."""
    return DayReport(
        day=day,
        wecom_new_members=wecom.get("new_member_cnt"),
        log_new_members=log_joins,
        wecom_chats=wecom.get("chat_total"),
        bound_chats=bound,
        member_total=wecom.get("member_total"),
        msg_total=wecom.get("msg_total"),
        owner=owner,
        owners=owners,
    )


def stats_report(store: Store, community: str) -> list[DayReport]:
    """Every pulled day, oldest first, reconciled with the log's joins in the WeCom groups, and
    owner by owner with the groups the pull counted as each owner's."""
    with store.read() as conn:
        groups = sorted(group_chats(conn, community, "wecom"))
        reports = []
        for day, pulled in sorted(pulled_stats(conn, community).items()):
            begin = day_start(date.fromisoformat(day))
            end = begin + timedelta(days=1)
            whose: dict[str, list[str]] = {}
            for group, owner in sorted((pulled.get("groups") or {}).items()):
                whose.setdefault(str(owner), []).append(str(group))
            by_owner = pulled.get("by_owner") or {}
            owners = tuple(
                reconcile(day, by_owner.get(owner) or {}, joins_between(conn, community, mine,
                          begin, end), len(mine), owner=owner)
                for owner, mine in sorted(whose.items())
            )  # fmt: skip
            joins = joins_between(conn, community, groups, begin, end)
            data = dict(pulled.get("data") or {})
            reports.append(reconcile(day, data, joins, len(groups), owners=owners))
    return reports

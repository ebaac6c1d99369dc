"""Pinning and slow mode (P-RUL-3, P-RUL-2): damping pins the buried post and slows the group
for a while; a ladder step for a rule in ``slow_mode_rules`` (flood) slows it too — actions
the worker carries (slow mode as an operator task, since no bot API sets it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shequn.engine.rules.damping import decide_damping
from shequn.engine.rules.ladder import Offence, decide_step
from shequn.engine.rules.verdict import Evidence, Verdict
from shequn.model.action_kinds import ACTION_KINDS, task_text
from shequn.model.blueprint_rules import Damping, Ladder
from shequn.model.talk import Said

T0 = datetime(2026, 5, 1, 20, tzinfo=UTC)
BURIED = [
    Said(T0, "telegram:1", 30, link=True, source="telegram-bot:g", ref="-100:15", text="读书会"),
    *(Said(T0 + timedelta(seconds=k), f"telegram:{2 + k % 3}", 2) for k in range(1, 25)),
]


def kinds(cfg: Damping) -> list[str]:
    (d,) = decide_damping(BURIED, cfg, community="c", group="main", now=T0)
    return [a.kind for a in d.actions]


def test_by_default_damping_reposts_and_reminds_only():
    assert kinds(Damping()) == ["message.send", "message.send"]


def test_pin_and_slow_mode_for_a_while():
    cfg = Damping(repost=False, remind=False, pin=True, slow_mode_seconds=30,
                  slow_mode_minutes=20, pin_hours=12)  # fmt: skip
    (d,) = decide_damping(BURIED, cfg, community="c", group="main", now=T0)
    pin, unpin, on, off = d.actions
    assert (pin.kind, pin.payload["message"]) == ("message.pin", "-100:15")
    assert (unpin.kind, unpin.payload["message"]) == ("message.unpin", "-100:15")
    assert unpin.due_at == T0 + timedelta(hours=12)  # pins do not pile up
    assert (on.kind, on.payload["seconds"], on.due_at) == ("group.slow_mode", 30, T0)
    assert (off.kind, off.payload["seconds"]) == ("group.slow_mode", 0)
    assert off.due_at == T0 + timedelta(minutes=20)
    task = task_text(ACTION_KINDS["group.slow_mode"], "main", on.payload)
    assert task.startswith("Set slow mode in main to 30 seconds between a member's messages")


def test_a_pin_for_good_has_no_unpin():
    cfg = Damping(repost=False, remind=False, pin=True, pin_hours=0)
    (d,) = decide_damping(BURIED, cfg, community="c", group="main", now=T0)
    assert [a.kind for a in d.actions] == ["message.pin"]


def test_a_flood_step_slows_the_group_when_the_ladder_says_so():
    ladder = Ladder(slow_mode_rules=["flood"], slow_mode_seconds=60, slow_mode_minutes=15)
    o = Offence("c", "main", "telegram:9", "telegram-bot:g", "-100:20", T0)
    flood = Verdict("flood", True, 9.0, (Evidence("flood", "9 messages in 30s"),))
    kinds = [a.kind for a in decide_step(o, flood, [], ladder).actions]
    assert kinds == ["message.send", "group.slow_mode", "group.slow_mode"]
    on, off = decide_step(o, flood, [], ladder).actions[1:]
    assert (on.payload["seconds"], off.payload["seconds"]) == (60, 0)
    assert off.due_at == T0 + timedelta(minutes=15) and on.payload["reason"] == "flood"
    advert = Verdict("advert", True, 1.0, (Evidence("url", "t.me/x"),))
    assert "group.slow_mode" not in [a.kind for a in decide_step(o, advert, [], ladder).actions]
    assert "group.slow_mode" not in [a.kind for a in decide_step(o, flood, [], Ladder()).actions]

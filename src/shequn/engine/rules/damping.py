"""Over-activity damping (P-RUL-3) as a pure decision: chatter burying a valuable post.

Seed 003: over-activity is "why 90% of groups die" — the valuable information is buried and
the key members leave. With the one definition of *valuable* and *chatter*
(``model/talk.py``), a valuable post is buried when at least ``buried_after`` messages follow
it within ``window_minutes`` and at least ``chatter_share`` of them are chatter. The answer
is a ``talk.damped`` event (once per post: its ``source_ref`` names the post) and actions
through the worker: the post re-posted (and, with ``pin``, pinned) in the group, the
chatterers reminded privately with the playbook's reason, and, with ``slow_mode_seconds``,
slow mode on for ``slow_mode_minutes`` (one ``group.slow_mode`` now, one turning it off then;
no bot API sets it, so on every platform a person does it from the operator task).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.engine.rules.slow import slow_mode
from shequn.model.actions import Action
from shequn.model.blueprint_rules import Damping
from shequn.model.events import Event
from shequn.model.talk import Said, chatter, valuable

EXCERPT = 200
"""Characters of the buried post quoted in the re-post."""
REASON = "chatter buried a valuable post (P-RUL-3)"


def decide_damping(
    messages: Sequence[Said], cfg: Damping, *, community: str, group: str, now: datetime
) -> list[Decision]:
    """One decision per buried valuable post among ``messages`` (a group's, in time order)."""
    if not cfg.enabled:
        return []
    flags = chatter(messages)
    window = timedelta(minutes=cfg.window_minutes)
    out = []
    for i, post in enumerate(messages):
        if not valuable(post) or not post.ref:
            continue
        after = [
            (m, c) for m, c in zip(messages[i + 1 :], flags[i + 1 :], strict=True)
            if m.at - post.at <= window
        ]  # fmt: skip
        noisy = [m for m, c in after if c]
        if len(after) < cfg.buried_after or len(noisy) < cfg.chatter_share * len(after):
            continue
        out.append(_damp(post, len(after), noisy, cfg, community, group, now))
    return out


def _damp(
    post: Said, count: int, noisy: list[Said], cfg: Damping, community: str, group: str,
    now: datetime,
) -> Decision:  # fmt: skip
    chatterers = sorted({m.author for m in noisy} - {post.author})
    event = Event(
        kind="talk.damped", occurred_at=now, community=community, group=group,
        subject=post.author, source=ENGINE_SOURCE,
        source_ref=capped_ref(f"damped:{post.source}:{post.ref}"),
        data={"message": post.ref, "message_source": post.source, "messages": count,
              "chatter": len(noisy), "chatterers": chatterers},
    )  # fmt: skip
    name = post.author.partition(":")[2] or post.author
    actions = []
    if cfg.repost:
        said: dict[str, object] = {
            "template": "damping_repost",
            "author": name,
            "excerpt": post.text[:EXCERPT],
        }
        actions.append(Action("message.send", community, now, group, said))
    if cfg.remind and chatterers:
        said = {"template": "damping_reminder", "to": chatterers, "author": name}
        actions.append(Action("message.send", community, now, group, said))
    if cfg.pin:
        pin = {"message": post.ref, "message_source": post.source, "reason": REASON}
        actions.append(Action("message.pin", community, now, group, pin))
        if cfg.pin_hours:
            until = now + timedelta(hours=cfg.pin_hours)
            actions.append(Action("message.unpin", community, until, group, pin))
    if cfg.slow_mode_seconds:
        actions += slow_mode(community, group, now, seconds=cfg.slow_mode_seconds,
                             minutes=cfg.slow_mode_minutes, reason=REASON)  # fmt: skip
    return Decision([event], actions)

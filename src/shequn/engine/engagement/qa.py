"""The Q&A knowledge base as pure decisions (P-ENG-3; 000 §7: asking and answering is the
core of a group's interaction, and the answers are what a community accumulates).

Two decisions, no store and no clock (``knowledge.py`` reads and passes "now"):

- :func:`decide_repeat` — a fresh question that matches an answered one closely enough
  (``[engagement.qa] match``, scored by :func:`shequn.model.text_match.similarity`) gets the
  earlier answer back: in the group for a question asked there, privately for one sent to
  the bot. ``qa.repeated`` keyed on the question makes it once.
- :func:`decide_surface` — questions nobody answered for ``surface_after_hours`` (but asked
  within ``surface_within_days``: an import's history is not a to-do list) go to the group's
  leaders privately, one message per leader listing them; with no leader, an operator task.
  ``qa.surfaced`` keyed on each question makes it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shequn.engine.decisions import ENGINE_SOURCE, Decision, capped_ref
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.model.i18n import N_, Phrases
from shequn.model.text_match import similarity
from shequn.store.qa import Entry


@dataclass(frozen=True, slots=True)
class Question:
    """A question as it arrives: in the group (``private`` false) or sent to the bot."""

    key: str  # source|source_ref of the message that asked it
    group: str | None
    asker: str | None
    text: str
    at: datetime
    private: bool = False


def fresh(bp: Blueprint, question: Question, now: datetime) -> bool:
    """Recent enough for an automatic answer (an imported question is history)."""
    return now - question.at <= timedelta(minutes=bp.engagement.qa.reply_max_age_minutes)


def best_match(
    bp: Blueprint, question: Question, entries: Sequence[Entry]
) -> tuple[Entry, float] | None:
    """The answered entry most like ``question`` at or above ``match``; ties go to the
    earliest asked (the original, not a copy)."""
    scored = [
        (similarity(question.text, e.question), e)
        for e in entries
        if e.question_ref != question.key and e.answer and e.status == "answered"
    ]
    scored = [(s, e) for s, e in scored if s >= bp.engagement.qa.match]
    if not scored:
        return None
    score, entry = min(scored, key=lambda x: (-x[0], x[1].asked_at))
    return entry, round(score, 3)


def decide_repeat(
    bp: Blueprint, question: Question, match: tuple[Entry, float] | None, now: datetime
) -> Decision:
    """Pure: the earlier answer for a fresh repeated question, once."""
    if match is None or not bp.engagement.qa.enabled or not fresh(bp, question, now):
        return Decision.none()
    entry, score = match
    community = bp.community.slug
    event = Event("qa.repeated", now, community, ENGINE_SOURCE,
                  capped_ref(f"qa-repeat:{community}:{question.key}"), group=question.group,
                  data={"question": question.key, "same_as": entry.question_ref,
                        "score": score})  # fmt: skip
    said = {"template": "qa_repeat", "question": question.text, "answer": entry.answer,
            "asked": entry.question, "asker": (question.asker or "").split(":", 1)[-1]}  # fmt: skip
    if question.private and question.asker:
        said["to"] = question.asker
    return Decision([event], [Action("message.send", community, now, question.group, said)])


def decide_surface(
    bp: Blueprint, group: str, open_questions: Sequence[Entry], leaders: Sequence[str],
    now: datetime,
) -> Decision:  # fmt: skip
    """Pure: the group's questions unanswered since ``surface_after_hours`` (asked within
    ``surface_within_days``, not surfaced yet) to each leader privately, or as one operator
    task when the group has no leader."""
    cfg = bp.engagement.qa
    if not cfg.enabled:
        return Decision.none()
    oldest = now - timedelta(days=cfg.surface_within_days)
    latest = now - timedelta(hours=cfg.surface_after_hours)
    due = sorted(
        (e for e in open_questions
         if e.status == "open" and e.surfaced_at is None and oldest <= e.asked_at <= latest),
        key=lambda e: e.asked_at,
    )  # fmt: skip
    if not due:
        return Decision.none()
    community = bp.community.slug
    events = [
        Event("qa.surfaced", now, community, ENGINE_SOURCE,
              capped_ref(f"qa-surface:{community}:{e.question_ref}"), group=group,
              data={"question": e.question_ref, "to": list(leaders)})
        for e in due
    ]  # fmt: skip
    said = {
        "group": group,
        "questions": [e.question for e in due],
        "count": len(due),
        "hours": _number(cfg.surface_after_hours),
    }
    actions = [
        Action(
            "message.send", community, now, group, {"template": "qa_unanswered", **said, "to": who}
        )
        for who in leaders
    ] or [Action("qa.answer", community, now, group, said)]
    return Decision(events, actions)


_MD = Phrases(
    {
        "title": N_("Knowledge base"),
        "everyone": N_("Whole community"),
        "answer": N_("A: "),
        "count": N_("{n} entries"),
    }
)


def to_markdown(bp: Blueprint, entries: Sequence[Entry]) -> str:
    """Pure: the knowledge base as Markdown (沉淀内容) in the community's language — a
    section per group in blueprint order, each question a heading and its answer below,
    oldest first (``entries`` in log order break ties), so the file reads like an FAQ."""
    md = _MD[bp.community.language]
    title, community_wide, a, count = md["title"], md["everyone"], md["answer"], md["count"]
    names = {g.slug: g.name for g in bp.groups}
    order = {g.slug: n for n, g in enumerate(bp.groups)}
    answered = sorted(
        (e for e in entries if e.status == "answered" and e.answer),
        key=lambda e: (order.get(e.group or "", len(order)), e.asked_at),
    )
    lines = [f"# {bp.community.name} · {title}", "", count.format(n=len(answered))]
    group: object = object()
    for e in answered:
        if e.group != group:
            group = e.group
            heading = names.get(e.group, e.group) if e.group else community_wide
            lines += ["", f"## {heading}"]
        lines += ["", f"### {e.question.strip()}", "", f"{a}{(e.answer or '').strip()}"]
    return "\n".join(lines) + "\n"


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


__all__ = ["Question", "best_match", "decide_repeat", "decide_surface", "fresh", "to_markdown"]

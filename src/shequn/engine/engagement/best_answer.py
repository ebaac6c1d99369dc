"""The best answer to a question, by the blueprint's rule (P-ENG-3: "answers linked — a reply,
or a manager marking one; the best answer by rule").

Pure: the entry as the projection keeps it (its first reply, or the latest marking) and its
replies (``store/qa_answers.py``) in, the entry with its best answer out. ``[engagement.qa]
best`` lists the criteria in order — ``marked`` (a manager's or group leader's marking),
``reactions`` (most members reacting to the reply), ``key_member`` (written by someone holding
a role), ``first`` (the earliest) — and the earliest breaks whatever ties remain. The default,
marked > reactions > key member > first, lets the operator's word stand over the crowd's, and
the crowd's over rank. The knowledge base's lists, search and Markdown export all read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from shequn.model.blueprint_engagement import BestBy
from shequn.store.qa import Entry
from shequn.store.qa_answers import Reply


@dataclasses.dataclass(frozen=True, slots=True)
class Candidate:
    """A possible answer: a reply, or the marking kept on the entry."""

    text: str
    who: str | None
    at: datetime
    ref: str | None
    marked: bool = False
    reactions: int = 0
    key_member: bool = False


def _rank(rule: Sequence[BestBy], c: Candidate) -> tuple[object, ...]:
    by: dict[BestBy, object] = {
        "marked": not c.marked,
        "reactions": -c.reactions,
        "key_member": not c.key_member,
        "first": c.at,
    }
    return (*(by[x] for x in rule), c.at)


def best_answer(rule: Sequence[BestBy], candidates: Sequence[Candidate]) -> Candidate | None:
    """The candidate the rule puts first, or ``None`` when there is none."""
    return min(candidates, key=lambda c: _rank(rule, c), default=None)


def with_best_answer(rule: Sequence[BestBy], entry: Entry, replies: Sequence[Reply]) -> Entry:
    """``entry`` answered by its best answer: the marking it holds (if any) and its replies
    compete by ``rule``. An open or repeated entry, or one without replies, is unchanged."""
    if entry.status != "answered" or not replies or entry.answered_at is None:
        return entry
    kept = entry.answered_by == "marked"
    candidates = [
        Candidate(r.text, r.who, r.at, r.ref, reactions=r.reactions, key_member=r.key_member)
        for r in replies
    ]
    if kept:
        candidates.append(Candidate(entry.answer or "", entry.answerer, entry.answered_at,
                                    entry.answer_ref, marked=True))  # fmt: skip
    best = best_answer(rule, candidates)
    if best is None or (best.marked and kept):
        return entry
    return dataclasses.replace(entry, answer=best.text, answerer=best.who, answer_ref=best.ref,
                               answered_at=best.at, answered_by="reply")  # fmt: skip


__all__ = ["Candidate", "best_answer", "with_best_answer"]

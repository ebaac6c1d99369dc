"""What the Q&A knowledge base costs an import (P-ENG-3), against the same import without it.

    python benchmarks/bench_qa.py                  # SQLite, 100,000 events, 3 rounds

Every ``message.posted`` batch is folded into ``qa_entries`` (questions inserted and indexed
by the FTS5 trigram table's triggers, replies answering them in one ``executemany``). The
baseline is the same ``record`` with that fold switched off, measured in the same run and
interleaved round by round (the machine is shared: compare the ratio, not the seconds). The
events are ``bench_append``'s mix with text: 10% questions, 20% replies.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_append import make_events

import shequn.store.projections as projections
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.db import Store

WORDS = [
    "怎么", "报名", "读书会", "几点", "开始", "链接", "在哪里",
    "how", "do", "I", "join", "the", "club", "tonight",
]  # fmt: skip


def with_text(events: list[Event]) -> list[Event]:
    """The mix with a text on every message (the fold needs text to keep a question)."""
    out = []
    for n, e in enumerate(events):
        if e.kind == "message.posted":
            words = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(4))
            text = words + ("？" if e.data.get("is_question") else "")
            data = {k: v for k, v in e.data.items() if v is not None}
            e = Event(e.kind, e.occurred_at, e.community, e.source, e.source_ref,
                      group=e.group, actor=e.actor, data={**data, "text": text})  # fmt: skip
        out.append(e)
    return out


def once(events: list[Event], fold: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/b.db")
        saved: Any = projections.fold_questions
        if not fold:
            projections.fold_questions = lambda _p, _events: None
        try:
            start = time.perf_counter()
            record(store, events)
            return time.perf_counter() - start
        finally:
            projections.fold_questions = saved
            store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    events = with_text(make_events(a.events))
    with_fold, without = [], []
    for _ in range(a.rounds):  # interleaved: both see the same load on a shared machine
        without.append(once(events, fold=False))
        with_fold.append(once(events, fold=True))
    best_with, best_without = min(with_fold), min(without)
    print(json.dumps({
        "events": len(events),
        "with_qa_events_per_s": round(len(events) / best_with),
        "without_qa_events_per_s": round(len(events) / best_without),
        "ratio_with_vs_without": round(best_without / best_with, 3),
        "rounds": a.rounds,
    }))  # fmt: skip


if __name__ == "__main__":
    main()

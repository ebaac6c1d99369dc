"""How well ``model.text.is_question`` finds questions in real chat (P-ENG-3): precision and
recall per language on a sample labelled by hand.

    python benchmarks/qa_detector.py            # both halves, per language
    python benchmarks/qa_detector.py --json

The labels are ours (``benchmarks/data/qa_questions.csv``: the shared file, the message id,
its language and 1 for a question); the texts are not copied into the project — they are read
at run time from the shared data set ``moderation/dev.jsonl`` (real Telegram group messages in
Chinese, ``tg-zh``, and real SMS conversations in English, ``uci-sms``), found in
``$SHEQUN_SHARED`` or in a ``shared`` directory beside the checkout or one of its parents.

The sample: the first 400 ``tg-zh`` and 250 ``uci-sms`` messages in the order of
``sha1("qa-sample:" + id)`` — ads included, as in a real group. The rule each label follows:

* **a question** (1) asks the others for information, an answer, an opinion or a decision and
  expects a reply that gives it — with or without a question mark, anywhere in the message:
  "dmit的4837怎么样", "直接信用卡可不可以", "you know where advising is?", "Can a not?"; a
  request phrased as a question counts ("Can you please send me my aunty's number");
* **not a question** (0): statements, exclamations and rhetorical questions whose answer is
  implied ("我去这玩意买回家是摆着好看吗", "什么妖风"); greeting formulas ("How are you", "how've
  you been"); questions inside an advert or a spam text ("想赚钱？", "Fancy a chat?") and offers
  to buy or sell ("谁要收…半价"); a bare "?" reaction; statements of not knowing that ask
  nothing ("不知道咋操作的"); imperatives ("请帮我订票").

Half the sample (``sha1("half:" + id)`` even) is for tuning the detector, the other half is
held out and only measured, so a rule that fits the tuning half's quirks shows up here.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from shequn.model.text import is_question

LABELS = Path(__file__).resolve().parent / "data" / "qa_questions.csv"
HALVES = ("tune", "held")


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    lang: str
    text: str
    question: bool

    @property
    def half(self) -> str:
        """``tune`` or ``held``: a fixed split by the message id."""
        return HALVES[
            hashlib.sha1(f"half:{self.id}".encode(), usedforsecurity=False).digest()[0] % 2
        ]


@dataclass(frozen=True, slots=True)
class Score:
    messages: int
    questions: int
    found: int  # flagged by the detector
    right: int  # flagged and a question

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.questions if self.questions else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"messages": self.messages, "questions": self.questions, "found": self.found,
                "right": self.right, "precision": round(self.precision, 3),
                "recall": round(self.recall, 3), "f1": round(self.f1, 3)}  # fmt: skip


def shared_dir() -> Path | None:
    """The shared data directory: ``$SHEQUN_SHARED``, else a ``shared`` directory beside the
    checkout or one of its parents (a worktree lives deeper than the main checkout)."""
    if os.environ.get("SHEQUN_SHARED"):
        return Path(os.environ["SHEQUN_SHARED"])
    for parent in Path(__file__).resolve().parents[1:]:
        if (parent / "shared").is_dir():
            return parent / "shared"
    return None


def load(shared: Path, labels: Path = LABELS) -> list[Labelled]:
    """The labelled messages, their texts read from ``shared``."""
    with labels.open(encoding="utf-8") as fp:
        rows = list(csv.DictReader(fp))
    texts: dict[str, str] = {}
    for name in sorted({r["file"] for r in rows}):
        with (shared / name).open(encoding="utf-8") as fp:
            texts.update((d["id"], d["text"]) for d in map(json.loads, fp))
    return [Labelled(r["id"], r["lang"], texts[r["id"]], r["question"] == "1") for r in rows]


def score(sample: Iterable[Labelled], detect: Callable[[str], bool] = is_question) -> Score:
    n = questions = found = right = 0
    for m in sample:
        flagged = detect(m.text)
        n, questions = n + 1, questions + m.question
        found, right = found + flagged, right + (flagged and m.question)
    return Score(n, questions, found, right)


def report(sample: list[Labelled]) -> dict[str, dict[str, Score]]:
    """Scores by half (``tune``, ``held``, ``all``) and language."""
    out: dict[str, dict[str, Score]] = {}
    for half in (*HALVES, "all"):
        part = [m for m in sample if half in ("all", m.half)]
        out[half] = {lang: score(m for m in part if m.lang == lang) for lang in ("zh", "en")}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shared = shared_dir()
    if shared is None or not (shared / "moderation" / "dev.jsonl").is_file():
        print("no shared data (moderation/dev.jsonl): set SHEQUN_SHARED", file=sys.stderr)
        return 2
    scores = report(load(shared))
    if args.json:
        print(json.dumps({h: {k: s.to_dict() for k, s in v.items()} for h, v in scores.items()}))
        return 0
    print(f"{'half':<5} {'lang':<4} {'msgs':>5} {'qs':>4} {'found':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for half, langs in scores.items():
        for lang, s in langs.items():
            print(f"{half:<5} {lang:<4} {s.messages:>5} {s.questions:>4} {s.found:>5} "
                  f"{s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How well and how fast the advert detector works, on the shared labelled set.

    python benchmarks/bench_rules.py [--data ../shared/moderation/dev.jsonl] [--threshold 0.8]

The set (``{id, lang, text, label, source}`` lines, see its README) is read where it lies and
never copied into the project. Printed, per language and per source:

``rules``        the shipped rules alone (nothing learned);
``rules+model``  rules plus a model per language trained on half of its rows (seeded
                 split), tested on the other half — the model ``shequn rules train`` makes,
                 its threshold chosen for precision 0.95 out of fold on its training rows
                 alone (``engine/rules/calibrate.py``); ``per source``: one model per
                 source instead (a community is one source), same halves;
``cross``        rules plus a (calibrated) model trained on the *other* source of the same
                 language (sms80w <-> tg-zh, uci-sms <-> yt-spam): what a community gets from
                 a model that has never seen its kind of spam; on all rows and on the test
                 half, and with the model's threshold chosen again on the source's own
                 training half (``shequn rules calibrate``: the community's own labels; off
                 where no threshold is precise enough), tested on the test half.
``own chat``     a model the rules teach on the source's training half *unlabelled* (its
                 texts only: a community's stored chat; ``shequn rules train --chat``,
                 ``engine/rules/selftrain.py``), with the other source's labels alongside
                 (``cross + own chat``) or none at all (``own chat only``); test half.

Then how many verdicts the detector's shortcut changes (it skips the model when the rules
already hit; checked on every row: it must be 0), and the detector's speed in messages per
second of CPU time on one core (the process's own time, so the other work on a shared machine
weighs less), the best of five interleaved rounds of: ``fold`` alone (the baseline every
detector pays, printed as the ratio), the rules alone, and rules + model. ``--speed-rows ok``
times only the rows labelled ok (what a live group mostly sees: shorter messages, and the
model runs on each). ``--against OTHER/src`` times another checkout too (e.g. main before a
change), each side in its own process, alternated, and prints the ratio: an A/B in one run.
Goal (issue 16): precision >= 0.95 and recall >= 0.80 in both languages; >= 20,000 msg/s.

    python benchmarks/bench_rules.py --speed-only [--speed-rows ok]
    python benchmarks/bench_rules.py --against /path/to/main/src
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from shequn.engine.rules.advert import DEFAULT_THRESHOLD as RULES_THRESHOLD
from shequn.engine.rules.calibrate import TARGET_PRECISION, calibrated, recalibrated
from shequn.engine.rules.detector import detect_advert
from shequn.engine.rules.linear import LinearModel, train
from shequn.engine.rules.normalize import fold
from shequn.engine.rules.selftrain import self_trained

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path("shared") / "moderation" / "dev.jsonl"
"""Where the set lies: ``../shared`` beside the checkout (see :func:`default_data`)."""
OTHER = {"sms80w": "tg-zh", "tg-zh": "sms80w", "uci-sms": "yt-spam", "yt-spam": "uci-sms"}
Row = dict[str, str]


def checkouts(repo: Path) -> list[Path]:
    """``repo`` and, when it is a git worktree (its ``.git`` a file naming the gitdir), the
    main checkout it belongs to: the shared set lies beside that one, not beside the tree."""
    out = [repo]
    dot_git = repo / ".git"
    if dot_git.is_file():
        gitdir = Path(dot_git.read_text(encoding="utf-8").partition("gitdir:")[2].strip())
        common = gitdir / "commondir"
        root = (gitdir / common.read_text(encoding="utf-8").strip()) if common.is_file() else gitdir
        out.append(root.resolve().parent)
    return out


def default_data(repo: Path = REPO) -> Path:
    """The shared set's path: ``shared/moderation/dev.jsonl`` in the nearest folder above the
    checkout — or above the main checkout when this is a git worktree elsewhere (``/work/wt/x``
    for ``/work/main``) — or an error that says where it was looked for and what to pass."""
    tried: list[Path] = []
    for checkout in checkouts(repo):
        for folder in checkout.parents:
            candidate = folder / SHARED_DATA
            if candidate.is_file():
                return candidate
            tried.append(candidate)
    raise SystemExit(
        "bench_rules: the labelled set was not found (looked for "
        + ", ".join(map(str, tried[:4]))
        + " …); pass --data PATH/TO/dev.jsonl"
    )


def split(rows: Sequence[Row], seed: int = 7) -> tuple[list[Row], list[Row]]:
    """Half of each source for training, the other half for testing."""
    rng = random.Random(seed)
    train_rows: list[Row] = []
    test_rows: list[Row] = []
    for r in rows:
        (train_rows if rng.random() < 0.5 else test_rows).append(r)
    return train_rows, test_rows


def fit(rows: Sequence[Row], *, precision: float | None = TARGET_PRECISION) -> LinearModel:
    """The model ``shequn rules train`` makes: its threshold chosen for ``precision`` out of
    fold on these rows alone (``None``: the fixed default threshold, as before)."""
    examples = [(fold(r["text"]), r["label"] == "ad") for r in rows]
    return train(examples) if precision is None else calibrated(examples, precision=precision)


def score(rows: Sequence[Row], hit: Callable[[Row], bool]) -> dict[str, tuple[int, int, int]]:
    """(true positives, false positives, false negatives) per language and per source."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        h, y = hit(r), r["label"] == "ad"
        for key in (r["lang"], r["source"]):
            c = counts[key]
            c[0] += h and y
            c[1] += h and not y
            c[2] += y and not h
    return {k: (c[0], c[1], c[2]) for k, c in counts.items()}


def changed_by_shortcut(rows: Sequence[Row], models: dict[str, LinearModel]) -> int:
    """Rows whose verdict would differ if the model ran on every message: the detector skips
    it when the rules already hit (``detector.detect_folded``). Checked here on every row."""
    return sum(
        always(r["text"], models[r["lang"]])
        != detect_advert(r["text"], model=models[r["lang"]]).hit
        for r in rows
    )


def in_pool(row: Row, pool: str) -> bool:
    """Is ``row`` in ``pool``: each row belongs, by a hash of its id, to the *tuning* pool
    (settings are chosen looking at test rows from it only) or the *report* pool (the figures
    a change is judged by: test rows no setting was chosen on); ``all`` is both."""
    if pool == "all":
        return True
    return ("tune", "report")[zlib.crc32(row["id"].encode()) % 2] == pool


Counts = dict[str, dict[str, tuple[int, int, int]]]


def tables(
    rows: Sequence[Row], train_rows: Sequence[Row], test_rows: Sequence[Row], pool: str,
    threshold: float,
) -> Counts:  # fmt: skip
    """Every row of the table for one split: models trained on ``train_rows`` (all pools),
    counted on the ``pool``'s rows of ``test_rows`` (and of ``rows`` for the all-rows lines)."""
    by_source: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_source[r["source"]].append(r)
    langs = sorted({r["lang"] for r in rows})
    half = {lang: fit([r for r in train_rows if r["lang"] == lang]) for lang in langs}
    # a community is one source: its model learns only its own messages
    mine = {s: fit([r for r in train_rows if r["source"] == s]) for s in by_source}
    cross = {s: fit(by_source[OTHER[s]]) for s in by_source}
    # the same foreign models, their thresholds chosen again on the community's own labels
    # (its training half, as `shequn rules calibrate` does with a community's history)
    own = {
        s: recalibrated(m, [(fold(r["text"]), r["label"] == "ad") for r in train_rows
                            if r["source"] == s], source=f"{s} training half")
        for s, m in cross.items()
    }  # fmt: skip
    # the community's own chat, unlabelled (its training half's texts), taught by the rules,
    # with the other source's labels alongside (self-training: `shequn rules train --chat`)
    taught = {
        s: self_trained([fold(r["text"]) for r in train_rows if r["source"] == s],
                        [(fold(r["text"]), r["label"] == "ad") for r in by_source[OTHER[s]]])
        for s in by_source
    }  # fmt: skip
    chat_only = {
        s: self_trained([fold(r["text"]) for r in train_rows if r["source"] == s])
        for s in by_source
    }
    every = [r for r in rows if in_pool(r, pool)]
    test = [r for r in test_rows if in_pool(r, pool)]

    def by(models: dict[str, LinearModel], key: str) -> Callable[[Row], bool]:
        return lambda r: detect_advert(r["text"], model=models[r[key]], threshold=threshold).hit

    return {
        "rules (all rows)": score(
            every, lambda r: detect_advert(r["text"], threshold=threshold).hit
        ),
        "rules (test half)": score(
            test, lambda r: detect_advert(r["text"], threshold=threshold).hit
        ),
        "rules+model (test half)": score(test, by(half, "lang")),
        "rules+model per source": score(test, by(mine, "source")),
        "rules+model cross-source": score(every, by(cross, "source")),
        "cross-source (test half)": score(test, by(cross, "source")),
        "cross, own threshold (test)": score(test, by(own, "source")),
        "cross + own chat (test)": score(test, by(taught, "source")),
        "own chat only (test)": score(test, by(chat_only, "source")),
    }


def print_tables(counted: Sequence[Counts], seeds: Sequence[int], pool: str) -> None:
    """Precision, recall and F1 of each row: the mean over the splits and, below it, the
    smallest of each (the goal must hold on every split, not on average)."""
    keys = ["zh", "sms80w", "tg-zh", "en", "uci-sms", "yt-spam"]
    print(f"splits (seeds): {', '.join(map(str, seeds))}; test rows of the {pool} pool")
    print(f"{'':28}" + "".join(f"{k:>20}" for k in keys))
    print(f"{'(precision recall F1)':28}" + "".join(f"{'P     R     F1':>20}" for _ in keys))
    for name in counted[0]:
        for label, agg in (("mean", statistics.fmean), ("min", min)):
            cells = []
            for k in keys:
                each = [prf(*c[name][k]) for c in counted]
                cells.append(" ".join(f"{agg(m[i] for m in each):5.3f}" for i in range(3)))
            title = name if label == "mean" else f"  min over {len(counted)}"
            print(f"{title:28}" + "".join(f"{c:>20}" for c in cells))


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def always(text: str, model: LinearModel) -> bool:
    """Rules + model without the detector's shortcut: the model asked about every message."""
    p, evidence = model.probability(fold(text))  # the rules' signals included
    return sum(e.weight for e in evidence if e.signal != "model") >= RULES_THRESHOLD or (
        p >= model.threshold
    )


def speed(rows: Sequence[Row], models: dict[str, LinearModel], rounds: int = 5) -> dict[str, float]:
    """Messages per second of this process's CPU time (one core, whatever else runs on the
    machine), the best of ``rounds``, the three interleaved: the folding every detector
    starts with (the baseline), the rules alone, and rules plus the language's model."""
    texts = [(r["text"], models[r["lang"]]) for r in rows]
    runs: dict[str, Callable[[str, LinearModel], object]] = {
        "fold (baseline)": lambda text, model: fold(text),
        "rules": lambda text, model: detect_advert(text),
        "rules+model": lambda text, model: detect_advert(text, model=model),
        "rules+model (always)": always,
    }
    for text, model in texts:  # the model's weight cache, as in a running community
        detect_advert(text, model=model)
    best = dict.fromkeys(runs, 0.0)
    for _ in range(rounds):
        for label, run in runs.items():
            start = time.process_time()
            for text, model in texts:
                run(text, model)
            best[label] = max(best[label], len(texts) / (time.process_time() - start))
    return best


def print_speed(rates: dict[str, float], n: int, other: dict[str, float] | None = None) -> None:
    base = rates["fold (baseline)"]
    for label, rate in rates.items():
        line = f"speed {label:20} {rate:10,.0f} messages/s  {rate / base:5.3f} x fold"
        if other is not None:
            line += f"  {other[label]:10,.0f} against  {rate / other[label]:5.2f} x"
        print(line + ("" if label == "fold (baseline)" else f"  goal 20,000: {rate >= 20_000}"))
    print(f"(one core: CPU time of the process, best of 5 interleaved rounds, {n:,} messages)")


def against(
    src: Path, data: Path, rows: str = "all", times: int = 2
) -> tuple[dict[str, float], dict[str, float]]:
    """The speed of this checkout and of the one at ``src`` (another ``src`` directory, e.g.
    main before a change), each in its own process, alternated ``times`` times: the best of
    each side, measured on the same machine at the same time."""
    here = str(REPO / "src")
    best: list[dict[str, float]] = [{}, {}]
    for _ in range(times):
        for side, path in enumerate((here, str(src))):
            env = {**os.environ, "PYTHONPATH": path}
            cmd = [sys.executable, __file__, "--data", str(data), "--speed-only", "--json",
                   "--speed-rows", rows]  # fmt: skip
            out = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True,
                                            text=True).stdout)  # fmt: skip
            best[side] = {k: max(v, best[side].get(k, 0.0)) for k, v in out.items()}
    return best[0], best[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=None,
                    help="the labelled set (default: ../shared/moderation/dev.jsonl beside "
                    "the checkout, or beside the main checkout of a git worktree)")  # fmt: skip
    ap.add_argument("--threshold", type=float, default=None, help="rules' threshold")
    ap.add_argument("--speed-only", action="store_true", help="no tables, only the speed")
    ap.add_argument("--json", action="store_true", help="with --speed-only: one JSON object")
    ap.add_argument("--speed-rows", choices=("all", "ok", "ad"), default="all",
                    help="time only the rows with this label")  # fmt: skip
    ap.add_argument("--against", type=Path, help="also time the src/ directory of another "
                    "checkout, alternating (A/B), and print the ratio")  # fmt: skip
    ap.add_argument(
        "--seeds",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[1, 2, 3, 4],
        help="the seeded splits (comma-separated)",
    )
    ap.add_argument("--pool", choices=("report", "tune", "all"), default="report",
                    help="whose test rows are counted (see in_pool)")  # fmt: skip
    ap.add_argument("--no-speed", action="store_true", help="only the tables")
    args = ap.parse_args()
    if args.data is None:
        args.data = default_data()
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8")]
    langs = sorted({r["lang"] for r in rows})
    timed = [r for r in rows if args.speed_rows in ("all", r["label"])]
    if args.against is not None:
        mine, theirs = against(args.against, args.data, args.speed_rows)
        print_speed(mine, len(timed), theirs)
        return
    train_rows = split(rows, args.seeds[0])[0]
    # a community's model learns its own language's messages: one model per language
    half = {lang: fit([r for r in train_rows if r["lang"] == lang]) for lang in langs}
    if args.speed_only:
        rates = speed(timed, half)
        if args.json:
            print(json.dumps(rates))
        else:
            print_speed(rates, len(timed))
        return
    threshold = RULES_THRESHOLD if args.threshold is None else args.threshold
    counted = [tables(rows, *split(rows, seed), args.pool, threshold) for seed in args.seeds]
    print_tables(counted, args.seeds, args.pool)
    differ = changed_by_shortcut(rows, half)
    print(f"verdicts changed by skipping the model when the rules hit: {differ} of {len(rows)}")
    if not args.no_speed:
        print_speed(speed(timed, half), len(timed))


if __name__ == "__main__":
    main()

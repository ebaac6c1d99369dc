"""docs/scale.md lists the metrics that run on Spark exactly as the code does, and says why
each other metric does not (yet)."""

from __future__ import annotations

import re
from pathlib import Path

from shequn.analytics.portable import PORTABLE
from shequn.analytics.registry import all_metrics

DOC = Path(__file__).resolve().parent.parent / "docs" / "scale.md"


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("### Which metrics run on Spark", 1)[1].split("**On a cluster.**", 1)[0]


def test_the_docs_list_of_portable_metrics_is_portable() -> None:
    portable = _section().partition("Not portable yet")[0]
    assert re.findall(r"^- `(\w+)`$", portable, re.M) == list(PORTABLE)


def test_every_other_metric_is_named_with_why_it_is_not_portable() -> None:
    rest = _section().partition("Not portable yet")[2]
    named = set(re.findall(r"`(\w+)`", "\n".join(re.findall(r"^- .*?(?= —)", rest, re.M | re.S))))
    assert named == set(all_metrics()) - set(PORTABLE)

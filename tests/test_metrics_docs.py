"""Every metric the registry knows is documented with a heading of its own name."""

from __future__ import annotations

from pathlib import Path

from shequn.analytics.registry import all_metrics

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_metric_has_a_documented_section():
    text = "\n".join(p.read_text() for p in [DOCS / "metrics.md", *(DOCS / "metrics").glob("*.md")])
    missing = [name for name in all_metrics() if f"## `{name}`" not in text]
    assert not missing, f"document these metrics in docs/metrics/: {missing}"


def test_every_metric_names_its_playbook_ids():
    for metric in all_metrics().values():
        assert metric.playbook and all(p.startswith("P-") for p in metric.playbook), metric.name
        assert metric.title, metric.name

"""Every metric by name, for ``shequn metrics NAME``, the report, the API and the dashboard.

Each analytics module lists its metrics in a module-level ``METRICS`` sequence; this module
collects them. A metric is a read-only function ``compute(con, scope, **params)`` over the
replica's ``ev`` view returning dataclasses (or lists of them), with documented defaults.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MODULES = (
    "shequn.analytics.activity",
    "shequn.analytics.retention",
    "shequn.analytics.funnel",
    "shequn.analytics.money",
    "shequn.analytics.lifecycle",
    "shequn.analytics.leaders",
    "shequn.analytics.talk",
    "shequn.analytics.churn",
    "shequn.analytics.fission",
)


@dataclass(frozen=True, slots=True)
class Metric:
    """A named measurement: what it computes, which playbook ids it serves, its defaults."""

    name: str
    title: str
    playbook: tuple[str, ...]
    compute: Callable[..., Any]
    params: dict[str, Any] = field(default_factory=dict)


def all_metrics() -> dict[str, Metric]:
    """Name → metric, from every analytics module present in this build."""
    found: dict[str, Metric] = {}
    for name in MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        for metric in getattr(importlib.import_module(name), "METRICS", ()):
            found[metric.name] = metric
    return found

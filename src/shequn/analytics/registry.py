"""Every metric by name, for ``shequn metrics NAME``, the report, the API and the dashboard.

Each analytics module lists its metrics in a module-level ``METRICS`` sequence; this module
collects them. A metric is a read-only function ``compute(con, scope, **params)`` over the
replica's ``ev`` view returning dataclasses (or lists of them), with documented defaults
and ranges (``analytics/params.py``): :meth:`Metric.check` is what the API and the CLI call
before computing anything.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shequn.analytics.budget import duckdb_errors
from shequn.analytics.params import Param, ParameterError, check_params, parse_text
from shequn.model.i18n import Said

MODULES = (
    "shequn.analytics.activity",
    "shequn.analytics.retention",
    "shequn.analytics.funnel",
    "shequn.analytics.money",
    "shequn.analytics.camps",
    "shequn.analytics.money_figures",
    "shequn.analytics.money_series",
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
    ranges: Mapping[str, Param] = field(default_factory=dict)
    """Ranges of parameters that mean something narrower here than in ``params.PARAMS``."""

    def check(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """``given`` as the metric takes it; ParameterError (422) naming the parameter when one
        is unknown, of the wrong type or out of range."""
        return check_params(self.name, given, self.params, self.ranges)

    def parse(self, given: Mapping[str, str]) -> dict[str, Any]:
        """Text values (query string, ``-p key=value``) read as JSON when they parse, checked."""
        return self.check({k: parse_text(v) for k, v in given.items()})

    def run(self, con: Any, scope: Any, params: Mapping[str, Any]) -> Any:
        """Compute on ``con`` with checked ``params``; DuckDB's errors mapped (``budget``), and
        a value the metric itself refuses blamed on the parameters (422)."""
        try:
            with duckdb_errors(self.name):
                return self.compute(con, scope, **params)
        except (ValueError, TypeError) as e:
            if not params:
                raise  # no input of the caller's to blame: a bug
            raise ParameterError(
                next(iter(params)),
                Said("is refused: {error}", error=e.args[0] if e.args else str(e)),
                metric=self.name,
            ) from None


def all_metrics() -> dict[str, Metric]:
    """Name → metric, from every analytics module present in this build."""
    found: dict[str, Metric] = {}
    for name in MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        for metric in getattr(importlib.import_module(name), "METRICS", ()):
            found[metric.name] = metric
    return found

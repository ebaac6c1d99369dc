"""``/communities/{community}/metrics``: every measurement function, by name (as
``shequn metrics``), computed on the analytics replica.

Extra query parameters override a metric's parameters (``?window_days=14``); values are read
as the type of the default (JSON for lists and objects). A scoped token that names no group
gets one result per group it covers, so nothing outside its groups is ever measured for it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request

from shequn.analytics.registry import Metric, all_metrics
from shequn.analytics.scope import Scope
from shequn.api.deps import (
    CommunityPath,
    Operator,
    OperatorDep,
    StoreDep,
    access_community,
    access_group,
    analytics,
)
from shequn.api.errors import BadParameter
from shequn.api.schemas import MetricInfo, MetricOut, MetricScope, jsonable
from shequn.errors import NotFound
from shequn.store.db import Store
from shequn.store.queries import list_groups

router = APIRouter(tags=["metrics"])

GroupQ = Annotated[str | None, Query(description="Only this group.")]
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)
"""Days outside this range are refused (422): date arithmetic near year 1 or 9999 overflows."""
SinceQ = Annotated[
    date | None, Query(ge=EARLIEST, le=LATEST, description="First local day (YYYY-MM-DD).")
]
UntilQ = Annotated[
    date | None,
    Query(ge=EARLIEST, le=LATEST, description="Last local day (default: newest event's)."),
]
_RESERVED = frozenset({"group", "since", "until"})


def scopes(
    store: Store,
    op: Operator,
    community: str,
    group: str | None,
    since: date | None = None,
    until: date | None = None,
) -> list[Scope]:
    """What to measure for this operator: the group asked for, else the community (unscoped
    tokens) or each group the token covers."""
    with store.read() as conn:
        access_community(conn, op, community)
        if group is not None:
            names: list[str | None] = [access_group(conn, op, community, group).slug]
        elif op.scoped:
            names = [g.slug for g in op.visible_groups(list_groups(conn, community))]
        else:
            names = [None]
    return [Scope(community, name, since, until) for name in names]


@router.get("/communities/{community}/metrics", response_model=list[MetricInfo])
def get_metrics(community: CommunityPath, op: OperatorDep, store: StoreDep) -> list[MetricInfo]:
    """The metrics this build has, with their playbook ids and default parameters."""
    with store.read() as conn:
        access_community(conn, op, community)
    return [
        MetricInfo(name=m.name, title=m.title, playbook=list(m.playbook), params=jsonable(m.params))
        for m in all_metrics().values()
    ]


def _coerce(metric: Metric, key: str, raw: str) -> Any:
    """A query-string value as the type of the parameter's default."""
    if key not in metric.params:
        known = ", ".join(metric.params) or "(none)"
        raise BadParameter(f"{metric.name} has no parameter {key!r}; known: {known}", field=key)
    default = metric.params[key]
    try:
        if isinstance(default, bool):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, str):
            return raw
        value = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError):
        raise BadParameter(f"{key}={raw!r} is not a {type(default).__name__}", field=key) from None
    if isinstance(default, tuple | list) and not isinstance(value, list):
        raise BadParameter(f"{key} must be a JSON list", field=key)
    if isinstance(default, dict) and not isinstance(value, dict):
        raise BadParameter(f"{key} must be a JSON object", field=key)
    return tuple(value) if isinstance(default, tuple) else value


@router.get("/communities/{community}/metrics/{name}", response_model=MetricOut)
def get_metric(
    community: CommunityPath,
    name: Annotated[str, Path(description="Metric name, as listed by /metrics.")],
    op: OperatorDep,
    store: StoreDep,
    request: Request,
    group: GroupQ = None,
    since: SinceQ = None,
    until: UntilQ = None,
) -> MetricOut:
    """Compute one metric. Other query parameters override the metric's parameters."""
    targets = scopes(store, op, community, group, since, until)
    metric = all_metrics().get(name)
    if metric is None:
        raise NotFound(f"no metric {name!r}", metric=name)
    params = {
        k: _coerce(metric, k, v) for k, v in request.query_params.items() if k not in _RESERVED
    }
    results = []
    with analytics(request) as con:
        for scope in targets:
            try:
                out = metric.compute(con, scope, **params)
            except Exception as e:
                if not params:
                    raise  # no input of the caller's to blame: a bug, let it be a 500
                raise BadParameter(
                    f"{name} cannot run with these parameters: {e}", field=next(iter(params))
                ) from None
            rows = out if isinstance(out, list) else [out]
            results.append(MetricScope(group=scope.group, rows=jsonable(rows)))
    return MetricOut(metric=name, title=metric.title, params=jsonable(params), results=results)

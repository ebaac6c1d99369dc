"""``/communities/{community}/metrics``: every measurement function, by name (as
``shequn metrics``), computed on the analytics replica.

Extra query parameters override a metric's parameters (``?window_days=14``); values are read
as JSON when they parse (``[21, 27]``), else as text, and checked against the parameter's
documented range (``analytics/params.py``) before anything is computed: 422 naming it.
A scoped token that names no group gets one result per group it covers, so nothing outside
its groups is ever measured for it. DuckDB's errors never reach the client as text: see
``analytics/budget.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from shequn.analytics.registry import all_metrics
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
from shequn.api.schemas import MetricInfo, MetricOut, MetricScope, jsonable
from shequn.errors import NotFound
from shequn.model.i18n import Said
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
        raise NotFound(Said("no metric {name!r}", name=name), metric=name)
    params = metric.parse({k: v for k, v in request.query_params.items() if k not in _RESERVED})
    results = []
    with analytics(request) as con:
        for scope in targets:
            out = metric.run(con, scope, params)
            rows = out if isinstance(out, list) else [out]
            results.append(MetricScope(group=scope.group, rows=jsonable(rows)))
    return MetricOut(metric=name, title=metric.title, params=jsonable(params), results=results)

"""``/communities/{community}/report`` and ``/diagnose``: the health report and the playbook
moves that fit each group now — ``build_report`` and ``diagnose``, exactly as the CLI runs
them, on the analytics replica."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from shequn.analytics.report import build_report
from shequn.api.deps import CommunityPath, OperatorDep, StoreDep, analytics
from shequn.api.routes.metrics import EARLIEST, LATEST, GroupQ, SinceQ, UntilQ, scopes
from shequn.api.schemas import DiagnosisOut, ReportsOut, jsonable
from shequn.plan.diagnose import diagnose

router = APIRouter(tags=["reports"])


@router.get("/communities/{community}/report", response_model=ReportsOut)
def get_report(
    community: CommunityPath,
    op: OperatorDep,
    store: StoreDep,
    request: Request,
    group: GroupQ = None,
    since: SinceQ = None,
    until: UntilQ = None,
) -> ReportsOut:
    """The health report (as ``shequn report --json``): one for the community or the group
    asked for; one per covered group for a scoped token."""
    targets = scopes(store, op, community, group, since, until)
    with analytics(request) as con:
        reports = [jsonable(build_report(con, scope).to_dict()) for scope in targets]
    return ReportsOut(community=community, reports=reports)


@router.get("/communities/{community}/diagnose", response_model=list[DiagnosisOut])
def get_diagnosis(
    community: CommunityPath,
    op: OperatorDep,
    store: StoreDep,
    request: Request,
    group: GroupQ = None,
    until: Annotated[
        date | None,
        Query(
            ge=EARLIEST,
            le=LATEST,
            description="Diagnose as of this local day (default: the newest event's).",
        ),
    ] = None,
) -> list[DiagnosisOut]:
    """The moves that fit each group now, by priority (as ``shequn diagnose --json``)."""
    targets = scopes(store, op, community, group, None, until)
    with analytics(request) as con:
        moves = [d for scope in targets for d in diagnose(con, scope)]
    moves.sort(key=lambda d: (d.priority, d.group, d.rule_id))
    return [DiagnosisOut.model_validate(jsonable(d)) for d in moves]

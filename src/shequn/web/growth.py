"""The growth page: ``/c/{community}/growth`` — campaigns and their leaderboards, newcomers at
the door, entry links, and the fraud cases an operator reviews (P-IN, P-FIS).

Reads through the engine's and the store's read functions; the one write (a fraud verdict)
goes through ``engine.campaigns.review_case`` like ``shequn fraud review``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from shequn.api.deps import Operator
from shequn.api.errors import Forbidden
from shequn.engine.campaigns import campaigns, leaderboard, review_case
from shequn.engine.decisions import operator_source
from shequn.errors import Conflict
from shequn.model.i18n import Said
from shequn.store.db import Store
from shequn.store.growth_queries import list_entries, list_links
from shequn.store.referral_queries import fraud_cases
from shequn.web.app import CsrfField, PageDep, checked_writer
from shequn.web.pages import router

WAITING = ("pending", "queued", "waitlisted")
LEADERS = 10


def growth_view(store: Store, op: Operator, community: str) -> dict[str, Any]:
    """What the page shows, cut to the operator's groups: a scoped token sees the campaigns
    and links that route only into its groups, and the newcomers at those groups' doors;
    fraud cases are community-wide, for unscoped tokens."""
    shown = [c for c in campaigns(store, community) if all(op.covers(g) for g in c.groups)]
    boards = [(c, leaderboard(store, community, c.slug, top=LEADERS)) for c in shown]
    with store.read() as conn:
        waiting = [
            e
            for e in list_entries(conn, community, status=WAITING)
            if op.covers(e.group) or (e.group is None and not op.scoped)
        ]
        links = [
            link for link in list_links(conn, community) if all(op.covers(g) for g in link.groups)
        ]
        cases = [] if op.scoped else fraud_cases(conn, community)
    return {"boards": boards, "waiting": waiting, "links": links, "cases": cases}


@router.get("/growth", response_class=HTMLResponse)
def growth_page(p: PageDep) -> HTMLResponse:
    return p.render("growth.html", done=None, **growth_view(p.store, p.op, p.community))


@router.post("/growth/review", response_model=None)
def review(
    p: PageDep,
    request: Request,
    csrf: CsrfField,
    case: Annotated[str, Form(max_length=255)],
    verdict: Annotated[str, Form(pattern="^(upheld|overturned)$")],
) -> HTMLResponse:
    """Uphold or overturn a fraud case (unscoped writers only: it moves rewards
    community-wide)."""
    op = checked_writer(p, csrf)
    if op.scoped:
        raise Forbidden(Said("fraud cases are reviewed by an owner or an unscoped manager"))
    try:
        found = review_case(
            p.store, p.community, case, verdict, source=operator_source(f"web:{op.token_id}")
        )
        done = f"{case}: {found['status']}"
    except Conflict as e:
        done = p._(e.message)  # a Said: in the reader's language
    request.state.audit_summary = {"fraud_case": case, "verdict": verdict}
    return p.render("growth.html", done=done, **growth_view(p.store, p.op, p.community))

"""The money page: ``/c/{community}/money`` — the ladder as a funnel, the money figures, and
the benefit-sharing ledger (P-MON-1..4).

The figures are the registered metrics (``analytics/money.py`` and ``money_figures.py``) on
the page's scope, like every chart of the dashboard. The ledger is the one
``GET /api/v1/communities/{c}/commission`` serves, with the same rule (docs/security.md):
owners and managers, a scoped manager the agents who are members of their groups; a group
leader's or an analyst's session sees the figures but not the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.responses import HTMLResponse

from shequn.analytics.money import LadderRung, ladder_conversion
from shequn.analytics.money_figures import (
    conversion_time,
    offer_acceptance,
    recurring_revenue,
    refund_rate,
)
from shequn.analytics.money_series import recurring_by_month
from shequn.api.deps import Operator
from shequn.engine.ledger import accounts
from shequn.engine.ledger_rules import Account
from shequn.model.blueprint_money import show
from shequn.store.db import Store
from shequn.store.scope_queries import groups_of
from shequn.web.app import PageDep, with_analytics
from shequn.web.charts import Label, Option, funnel, mrr_lines
from shequn.web.pages import GroupQ, _visible_groups, router

LEDGER_ROLES = ("owner", "manager")


def ladder_funnel(rungs: Sequence[LadderRung], _: Label) -> Option:
    """Persons reaching each rung of the ladder (``ladder_conversion``), free at the top."""
    return funnel([(_(r.tier), r.reached) for r in rungs])


def ledger_view(store: Store, op: Operator, community: str) -> list[Account] | None:
    """The ledger as this operator may see it, or ``None`` when their role may not."""
    if op.role not in LEDGER_ROLES:
        return None
    with store.read() as conn:
        found = accounts(conn, community)
        if op.groups is not None:
            where = groups_of(conn, community, [a.agent for a in found])
            found = [a for a in found if where.get(a.agent, set()) & op.groups]
    return found


@router.get("/money", response_class=HTMLResponse)
def money_page(p: PageDep, group: GroupQ = None) -> HTMLResponse:
    scope = p.scope(group)
    with with_analytics(p) as con:
        rungs = ladder_conversion(con, scope)
        figures: dict[str, Any] = {
            "recurring": recurring_revenue(con, scope),
            "refunds": refund_rate(con, scope),
            "offers": offer_acceptance(con, scope),
            "climb": conversion_time(con, scope),
        }
        months = recurring_by_month(con, scope)
    return p.render(
        "money.html",
        scope=scope,
        groups=_visible_groups(p),
        rungs=rungs,
        charts={"ladder": ladder_funnel(rungs, p._), "mrr": mrr_lines(months, p._)},
        climb_days={c.tier: c.median_days for c in figures["climb"]},
        ledger=ledger_view(p.store, p.op, p.community),
        show=show,
        **figures,
    )

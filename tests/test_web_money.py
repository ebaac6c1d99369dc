"""The dashboard's money page on the demo community: the ladder as a funnel and the money
figures for every role; the commission ledger for owners and managers only (a scoped manager
sees the agents of their groups), never for a group leader or an analyst."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from shequn.engine.record import record
from shequn.model.events import Event
from shequn.plan.demo_growth import story_end
from shequn.store.queries import list_members
from tests.test_web import OTHER_GROUP, SCOPED_GROUP, C, Site, site  # noqa: F401 (the fixture)


def _agent_in(site: Site, group: str) -> str:  # noqa: F811
    with site.store.read() as conn:
        members = list_members(conn, community=C, group=group, limit=1)
    return members[0].identities[0].key


def test_the_money_page_shows_the_ladder_and_the_ledger_by_role(site: Site) -> None:  # noqa: F811
    agent = _agent_in(site, SCOPED_GROUP)
    earned = Event("commission.earned", datetime.now(UTC), C, "web-money", "c1", subject=agent,
                   data={"amount": 19.9, "level": 1, "payment": "p1"})  # fmt: skip
    record(site.store, [earned])
    owner = site.client("owner").get(f"/c/{C}/money")
    assert owner.status_code == 200
    ladder = re.search(r'id="chart-ladder-data">(.*?)</script>', owner.text, re.S)
    assert ladder is not None
    tiers = [d["name"] for d in json.loads(ladder.group(1))["series"][0]["data"]]
    assert tiers[0] in ("free", "免费") and len(tiers) == 5
    assert agent in owner.text and "19.90" in owner.text
    manager = site.client("manager").get(f"/c/{C}/money").text  # scoped to the agent's group
    assert agent in manager
    for role in ("group_leader", "analyst"):
        page = site.client(role).get(f"/c/{C}/money").text
        assert agent not in page and 'class="ledger"' not in page


def test_the_money_page_draws_recurring_revenue_month_by_month(site: Site) -> None:  # noqa: F811
    """A yearly membership paid 40 days before the demo's end (99.00: 8.25 a month): MRR at
    each month's end as a chart, every point 8.25 (recurring_by_month asks recurring_revenue
    once a month)."""
    member = _agent_in(site, OTHER_GROUP)
    with site.store.read() as conn:
        end = story_end(conn)  # the demo's as-of day, whatever other tests recorded
    assert end is not None
    paid_at = end - timedelta(days=40)
    until = (paid_at + timedelta(days=365)).date().isoformat()
    record(site.store, [
        Event("payment.made", paid_at, C, "web-money", "pay-year", actor=member,
              data={"amount": 99, "amount_minor": 9900, "currency": "CNY", "product": "year"}),
        Event("membership.started", paid_at + timedelta(seconds=1), C, "web-money", "m-year",
              actor=member, data={"plan": "year", "until": until, "payment": "pay-year"}),
    ])  # fmt: skip
    page = site.client("analyst").get(f"/c/{C}/money").text
    found = re.search(r'id="chart-mrr-data">(.*?)</script>', page, re.S)
    assert found is not None
    option = json.loads(found.group(1))
    months = option["xAxis"]["data"]
    assert months[0] == paid_at.strftime("%Y-%m") and len(months) >= 2
    assert [(s["name"], s["data"]) for s in option["series"]] == [("year", [8.25] * len(months))]
    assert "每月经常性收入（MRR）" in page  # the demo community speaks Chinese

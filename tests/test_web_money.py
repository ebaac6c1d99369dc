"""The dashboard's money page on the demo community: the ladder as a funnel and the money
figures for every role; the commission ledger for owners and managers only (a scoped manager
sees the agents of their groups), never for a group leader or an analyst."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.queries import list_members
from tests.test_web import SCOPED_GROUP, C, Site, site  # noqa: F401 (the fixture)


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

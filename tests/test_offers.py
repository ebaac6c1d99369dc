"""Private offers (P-MON-3): readiness as a pure rule, then planned through a real store —
point to point (private messages, never the group), once however often it is planned, spaced,
and accepted by a payment of the offered product within its life."""

from __future__ import annotations

from datetime import timedelta

from shequn.engine.offers import plan_offers
from shequn.engine.offers_rules import Candidate, decide_offers, why_not
from shequn.engine.payments_in import record_payment
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from shequn.store.rules_queries import events_by
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.money_helpers import MONEY, money_blueprint

BP = money_blueprint()
RULE = BP.money.offers[0]


def ready(name: str = "lin", **over: object) -> Candidate:
    base: dict[str, object] = {
        "identity": wx(name), "since": T0 - timedelta(days=30), "active_weeks": 3,
        "contributions": 2, "holds": frozenset(), "last_offer": None,
    }  # fmt: skip
    return Candidate(**{**base, **over})  # type: ignore[arg-type]


def test_readiness_follows_the_rule_defaults():
    assert why_not(RULE, ready(), T0) is None
    assert why_not(RULE, ready(active_weeks=2), T0) == "active in 2 of the last 4 weeks"
    assert why_not(RULE, ready(contributions=0), T0) == "asked and answered too little"
    assert "14 days" in str(why_not(RULE, ready(since=T0 - timedelta(days=3)), T0))
    assert why_not(RULE, ready(holds=frozenset({"course"})), T0) == "holds it already"
    recent = ready(last_offer=T0 - timedelta(days=10))
    assert why_not(RULE, recent, T0) == "had an offer in the last 30 days"


def test_offers_are_private_and_spaced():
    people = [ready(f"m{i:02}") for i in range(12)]
    d = decide_offers(BP, RULE, [*people, ready("lazy", active_weeks=0)], T0)
    assert len(d.events) == 12 and all(e.kind == "offer.made" for e in d.events)
    assert all(a.group is None and a.payload["to"].startswith("wechat:m") for a in d.actions)
    assert [a.due_at - T0 for a in d.actions].count(timedelta(minutes=1)) == 2  # 10 a minute
    assert d.actions[0].payload["order"].startswith("sq1")


def _chat(name: str, weeks: tuple[int, ...]) -> list[Event]:
    out = [Event("member.joined", T0 - timedelta(days=40), COMMUNITY, "t", f"j-{name}",
                 group="fans", actor=wx(name))]  # fmt: skip
    for w in weeks:
        at = T0 - timedelta(days=7 * w + 1)
        out.append(Event("message.posted", at, COMMUNITY, "t", f"m-{name}-{w}", group="fans",
                         actor=wx(name), data={"is_question": True}))  # fmt: skip
    return out


def test_plan_offers_once_and_a_payment_accepts(store: Store):
    loaded(store, *(group(g) for g in ("main", "fans", "course", "senior")), extra=MONEY)
    record(store, [*_chat("lin", (0, 1, 2)), *_chat("quiet", (0,))])
    dry = plan_offers(store, COMMUNITY, now=T0, dry_run=True)
    assert {(p.identity, p.reason) for p in dry} == {
        (wx("lin"), None),
        (wx("quiet"), "active in 1 of the last 4 weeks"),
    }
    with store.read() as conn:
        assert not list_actions(conn, community=COMMUNITY, kind="message.send")
    plan_offers(store, COMMUNITY, now=T0)
    again = plan_offers(store, COMMUNITY, now=T0 + timedelta(hours=1))
    assert {p.reason for p in again if p.identity == wx("lin")} == {
        "had an offer in the last 30 days"
    }
    with store.read() as conn:
        sent = list_actions(conn, community=COMMUNITY, kind="message.send")
    assert [(a["payload"]["template"], a["payload"]["to"], a["group_slug"]) for a in sent] == [
        ("offer_made", wx("lin"), None)
    ]
    record_payment(store, COMMUNITY, wx("lin"), "course", ref="p1", at=T0 + timedelta(days=2))
    with store.read() as conn:
        accepted = [e for _, e in events_by(conn, COMMUNITY, ("offer.accepted",))]
    assert [(e.actor, e.data["product"], e.data["payment"]) for e in accepted] == [
        (wx("lin"), "course", "p1")
    ]

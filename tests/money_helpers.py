"""Shortcuts for the money tests (and for test_templates, which needs every message the
money engine can decide): a ladder of three products over three paid groups."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from shequn.api.app import create_app
from shequn.engine.money_rules import MembershipView, decide_clock, decide_refund
from shequn.engine.offers_rules import Candidate, decide_offers
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.tokens import create_token
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, wx
from tests.test_api import UNLIMITED, ApiClient

MONEY = """
[money]
reminder_days = [7, 1]
grace_days = 3

[[money.offers]]
product = "course"
from_groups = ["fans"]

[[money.products]]
slug = "fan"
name = "粉丝群月卡"
rung = "low"
price = 9.9
term = "duration"
term_months = 1
opens = ["fans"]

[[money.products]]
slug = "course"
name = "课程"
rung = "mid"
price = 99
term = "calendar"
opens = ["course"]

[[money.products]]
slug = "life"
name = "终身会员"
rung = "high"
price = 999
term = "lifetime"
opens = ["senior"]
"""


def money_blueprint(capacity: int = 500) -> Blueprint:
    groups = [group(g, capacity) for g in ("main", "fans", "course", "senior")]
    return blueprint(*groups, extra=MONEY)


def member(plan: str, until: datetime | None, state: str = "active") -> MembershipView:
    return MembershipView(wx("lin"), plan, state, until)


def refund(product: str, minor: int, at: datetime = T0) -> Event:
    return Event(
        kind="payment.refunded",
        occurred_at=at,
        community=COMMUNITY,
        source="test",
        source_ref=f"r-{product}-{minor}",
        actor=wx("lin"),
        data={"amount": minor / 100, "amount_minor": minor, "product": product},
    )


def money_messages(bp: Blueprint) -> list[Action]:
    """One of every message the money engine decides, from its pure rules."""
    end = T0 + timedelta(days=30)
    actions = decide_clock(bp, [member("fan", end)], end - timedelta(days=1)).actions
    actions += decide_clock(bp, [member("fan", end)], end + timedelta(days=9)).actions
    actions += decide_refund(bp, refund("fan", 990), member("fan", end)).actions
    cancelled = MembershipView(wx("lin"), "fan", "active", end, cancelled=True)
    actions += decide_clock(bp, [cancelled], end).actions
    ready = Candidate(wx("lin"), T0 - timedelta(days=30), 4, 3, frozenset(), None)
    actions += decide_offers(bp, bp.money.offers[0], [ready], T0).actions
    return [a for a in actions if a.kind == "message.send"]


def money_api(store: Store, url: str, tmp: Path) -> tuple[ApiClient, dict[str, str]]:
    """The API on ``store`` (already holding the money blueprint), with the secrets of an
    owner, a manager of ``fans`` only and a group leader of ``fans``."""
    secrets = {}
    for role in ("owner", "manager", "group_leader"):
        groups = ["fans"] if role != "owner" else []
        _, secrets[role] = create_token(store, name=role, role=role, community=COMMUNITY,
                                        groups=groups)  # fmt: skip
    settings = replace(UNLIMITED, analytics_path=str(tmp / "analytics.duckdb"))
    return ApiClient(create_app(url, settings=settings)), secrets

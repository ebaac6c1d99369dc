"""A member cancels (P-MON-2) and opts out of private offers (P-MON-3): the membership runs to
the end of the term paid for with no more reminders, then ends as cancelled with the removal;
paying again withdraws the cancellation; offer planning passes an opted-out member by — through
the engine, the CLI, the API and the bot's private commands, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shequn.engine.bot_commands import BotCommand, answer
from shequn.engine.money import cancel, grant, renewals
from shequn.engine.money_commands import handle
from shequn.engine.money_rules import MembershipView, decide_clock
from shequn.engine.offers import opt_out, plan_offers
from shequn.engine.payments_in import record_payment
from shequn.engine.record import record
from shequn.errors import Conflict
from shequn.store.db import Store
from shequn.store.money import list_memberships
from shequn.store.outbox import list_actions
from shequn.store.rebuild import rebuild, snapshot
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.money_helpers import MONEY, money_api, money_blueprint
from tests.test_cli import Cli, cli  # noqa: F401 (the fixture)
from tests.test_offers import _chat

LIN = wx("lin")
END = T0.replace(month=6)  # a month of "fan" bought at T0


def _setup(store: Store) -> None:
    loaded(store, *(group(g) for g in ("main", "fans", "course", "senior")), extra=MONEY)


def _templates(store: Store) -> list[str]:
    with store.read() as conn:
        sent = list_actions(conn, community=COMMUNITY, kind="message.send", limit=1000)
    return [a["payload"]["template"] for a in sent]


def _member(store: Store, who: str = LIN) -> Any:
    with store.read() as conn:
        (m,) = list_memberships(conn, COMMUNITY, identity=who)
    return m


def test_a_cancelled_membership_gets_no_reminder_and_ends_at_its_end():
    bp = money_blueprint()
    m = MembershipView(LIN, "fan", "active", END, cancelled=True)
    assert not decide_clock(bp, [m], END - timedelta(days=1))  # no reminder, no lapse
    ended = decide_clock(bp, [m], END)
    assert [(e.kind, e.data["reason"]) for e in ended.events] == [("membership.ended", "cancelled")]
    assert [(a.kind, a.group) for a in ended.actions] == [
        ("member.remove", "fans"),
        ("message.send", None),
    ]
    assert ended.actions[-1].payload["template"] == "membership_cancelled"


def test_cancel_runs_to_the_end_then_removes(store: Store):
    _setup(store)
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)
    m = cancel(store, COMMUNITY, LIN, "fan", source="operator:cli", ref="c1", at=T0 + timedelta(1))
    assert (m.state, m.until, m.cancelled_at) == ("active", END, T0 + timedelta(1))
    again = cancel(store, COMMUNITY, LIN, "fan", source="operator:cli", ref="c2", at=T0)
    assert again.cancelled_at == m.cancelled_at  # cancelling twice records nothing new
    for days in (7, 1):
        renewals(store, COMMUNITY, END - timedelta(days=days, hours=-1))
    assert _templates(store) == []  # no renewal reminders for a cancelled membership
    assert renewals(store, COMMUNITY, END) == 1
    assert renewals(store, COMMUNITY, END + timedelta(days=5)) == 0  # no grace, nothing more
    assert (_member(store).state, _templates(store)) == ("cancelled", ["membership_cancelled"])
    with store.read() as conn:
        removed = list_actions(conn, community=COMMUNITY, kind="member.remove")
    assert [(a["group_slug"], a["payload"]["reason"]) for a in removed] == [("fans", "cancelled")]
    with pytest.raises(Conflict):
        cancel(store, COMMUNITY, LIN, "fan", source="operator:cli", ref="c3", at=END)
    with store.read() as conn:
        before = snapshot(conn)
    assert before["paid_memberships"]
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == before


def test_paying_again_withdraws_the_cancellation(store: Store):
    _setup(store)
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)
    cancel(store, COMMUNITY, LIN, "fan", source="operator:cli", ref="c1", at=T0)
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-2", at=T0 + timedelta(days=20))
    m = _member(store)
    assert (m.cancelled_at, m.renewals, m.until) == (None, 1, END.replace(month=7))
    renewals(store, COMMUNITY, END.replace(month=7) - timedelta(days=1))
    assert _templates(store) == ["membership_reminder"]


def test_a_lifetime_membership_ends_when_cancelled(store: Store):
    _setup(store)
    grant(store, COMMUNITY, LIN, "life", at=T0)
    m = cancel(store, COMMUNITY, LIN, "life", source="operator:cli", ref="c1", at=T0)
    assert m.state == "cancelled" and _templates(store) == ["membership_cancelled"]


def test_offer_planning_respects_an_opt_out(store: Store):
    _setup(store)
    record(store, _chat("lin", (0, 1, 2)))
    assert opt_out(store, COMMUNITY, LIN, source="operator:cli", ref="o1", at=T0)
    assert not opt_out(store, COMMUNITY, LIN, source="operator:cli", ref="o1", at=T0)
    [p] = plan_offers(store, COMMUNITY, now=T0 + timedelta(hours=1), dry_run=True)
    assert p.reason == "opted out of offers"
    opt_out(store, COMMUNITY, LIN, out=False, source="operator:cli", ref="o2", at=T0)
    [p] = plan_offers(store, COMMUNITY, now=T0 + timedelta(hours=1), dry_run=True)
    assert p.reason is None


def test_the_bot_cancels_and_opts_out_in_the_members_language(store: Store):
    _setup(store)
    bp = money_blueprint()
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)
    record_payment(store, COMMUNITY, LIN, "course", ref="pay-2", at=T0)

    def say(name: str, args: str = "", ref: str = "m1") -> str | None:
        return handle(store, bp, LIN, name, args, ref=ref, at=T0, source="telegram-bot:1")

    assert say("cancel") == "请说明要取消哪一项：/cancel course | fan"
    assert (
        say("cancel", "fan", "m2")
        == "已取消「粉丝群月卡」：2026-06-01 10:00 后结束，不再提醒续费。"
    )
    assert say("cancel", "fan", "m2") == "你没有可取消的会员。"  # re-delivered: already cancelled
    assert say("nooffers", ref="m3") == "好的，不再向你私聊发送邀约。发送 /offers 可恢复。"
    assert say("help") is None  # not a money command
    with store.read() as conn:
        fan = list_memberships(conn, COMMUNITY, identity=LIN, plan="fan")[0]
    assert fan.cancelled_at == T0
    cancel_course = BotCommand(LIN, "cancel", "course", "chat:9", T0)  # as the bot receives it
    answer(store, COMMUNITY, [cancel_course, cancel_course], source="telegram-bot:1")
    with store.read() as conn:
        replies = list_actions(conn, community=COMMUNITY, kind="message.send", limit=100)
    assert [a["payload"]["text"] for a in replies] == [
        "已取消「课程」：2026-06-01 00:00 后结束，不再提醒续费。"
    ]


def test_cancel_and_opt_out_from_the_cli(store: Store, cli: Cli) -> None:  # noqa: F811
    _setup(store)
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)
    [m] = cli.json("memberships", "cancel", LIN, "fan", "--ref", "said-1")
    assert (m["state"], m["cancelled_at"] is not None) == ("active", True)
    assert cli.json("offers", "optout", LIN) == {"member": LIN, "opted_out": True}
    code, _, err = cli.run("memberships", "cancel", wx("nobody"), "fan", "--lang", "en")
    assert code != 0 and "holds no 'fan' membership" in err


def test_cancel_opt_out_and_plan_through_the_api(store: Store, database_url: str, tmp_path: Path):
    _setup(store)
    record_payment(store, COMMUNITY, LIN, "fan", ref="pay-1", at=T0)
    record(store, _chat("lin", (0, 1, 2)))
    api, secrets = money_api(store, database_url, tmp_path)
    owner, manager = api.as_(secrets["owner"]), api.as_(secrets["manager"])
    leader = api.as_(secrets["group_leader"])
    base = f"communities/{COMMUNITY}"
    body = {"member": LIN, "product": "fan", "ref": "said-1"}
    assert leader.post(f"{base}/memberships/cancel", json=body).status_code == 403
    done = manager.post(f"{base}/memberships/cancel", json=body).json()
    assert (done["state"], done["until"]) == ("active", END.isoformat())
    stranger = {"member": wx("nobody"), "product": "fan"}
    assert manager.post(f"{base}/memberships/cancel", json=stranger).status_code == 404
    out = manager.post(f"{base}/offers/optout", json={"member": LIN}).json()
    assert out == {"member": LIN, "opted_out": True}
    assert manager.post(f"{base}/offers/plan", json={"dry_run": True}).status_code == 404
    planned = owner.post(f"{base}/offers/plan", json={"dry_run": True}).json()
    assert planned == [{"identity": LIN, "product": "course", "not_because": "opted out of offers"}]
    api.close()

"""Entry (P-IN-1, P-IN-3, P-IN-4): live codes, thresholds, waves, the preparatory camp.

The pure rules are tested with plain values; the rest runs through a real store (SQLite and
PostgreSQL) the way the CLI and the API call it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.entry import Request, enter, graduate, open_waves, review_application
from shequn.engine.entry_rules import DoorView, Knock, decide_entry, pick_group
from shequn.engine.links import create_link, update_link
from shequn.engine.record import record
from shequn.engine.seats import expire_seats
from shequn.errors import NotFound
from shequn.model.entities import EntryState, Link, Profile
from shequn.model.events import Event
from shequn.model.i18n import Said, tr
from shequn.model.templates import render_payload
from shequn.store.growth_queries import get_entry, get_link, list_entries
from shequn.store.outbox import pending
from shequn.store.rebuild import rebuild, snapshot
from shequn.store.rules_queries import events_by
from shequn.store.seat_queries import Seats, seats
from tests.growth_helpers import COMMUNITY, T0, at, blueprint, group, loaded, wx

# -- pure rules ---------------------------------------------------------------------------


def test_live_code_fills_groups_in_order_or_least_full_first():
    s = {"a": Seats("a", 10, 10), "b": Seats("b", 10, 3), "c": Seats("c", 10, 1)}
    assert pick_group(("a", "b", "c"), s, "in_order") == "b"
    assert pick_group(("a", "b", "c"), s, "least_full") == "c"
    assert pick_group(("a",), s, "in_order") is None


def _knock(link: Link | None = None, **kw):
    return Knock(identity=wx("new"), at=T0, ref="k1", link=link, **kw)


def test_a_full_live_code_waitlists_and_asks_for_the_next_group_once():
    bp = blueprint(group("g1", capacity=1), group("g2", capacity=1))
    link = Link("LC", COMMUNITY, "live_code", ("g1", "g2"))
    view = DoorView(bp, {"g1": Seats("g1", 1, 1), "g2": Seats("g2", 1, 1)})
    d = decide_entry(_knock(link), view)
    decided = next(e for e in d.events if e.kind == "entry.decided")
    assert decided.data["outcome"] == "waitlisted" and decided.group is None
    told, ask = d.actions
    assert (told.kind, told.payload["to"], told.payload["template"]) == (
        "message.send", wx("new"), "waitlisted",
    )  # fmt: skip
    assert ask.kind == "group.create"
    assert ask.payload == {"template": "g2", "link": "LC", "suggested_slug": "g2-2"}
    again = decide_entry(_knock(link), DoorView(bp, view.seats, overflow_requested=True))
    assert [a.payload.get("template") for a in again.actions] == ["waitlisted"]  # no 2nd ask


def test_expired_or_used_up_codes_reject_with_a_message():
    """The decision records the reason (in English, for the log); the newcomer reads it in
    the community's language — this blueprint's is Chinese."""
    bp = blueprint(group("main", gates=["code"]))
    expired = Link("C1", COMMUNITY, "code", ("main",), expires_at=T0 - timedelta(seconds=1))
    used = Link("C2", COMMUNITY, "code", ("main",), max_uses=2, uses=2)
    view = DoorView(bp, {"main": Seats("main", 500, 0)})
    cases = ((expired, "expired", "过期"), (used, "used 2 times", "已用了 2 次"))
    for link, words, zh in cases:
        d = decide_entry(_knock(link), view)
        decided = next(e for e in d.events if e.kind == "entry.decided")
        assert decided.data["outcome"] == "rejected" and words in decided.data["reason"]
        sent = d.actions[0]
        assert sent.kind == "message.send" and sent.payload["template"] == "rejection"
        text = render_payload(bp, sent.payload)  # the reason reaches the newcomer
        assert zh in text and words not in text, text
    en = bp.model_copy(update={"community": bp.community.model_copy(update={"language": "en"})})
    view = DoorView(en, {"main": Seats("main", 500, 0)})
    for link, words, _zh in cases:
        assert words in render_payload(en, decide_entry(_knock(link), view).actions[0].payload)


def test_gates_wait_for_task_and_payment_and_pass_when_done():
    bp = blueprint(group("main", gates=["task", "payment"], task="shared_poster", fee=9.9))
    view = DoorView(bp, {"main": Seats("main", 500, 0)})
    d = decide_entry(_knock(group="main"), view)
    decided = next(e for e in d.events if e.kind == "entry.decided")
    assert decided.data["outcome"] == "pending"
    assert decided.data["gates"] == ["task:shared_poster", "payment:9.9 CNY"]
    assert {a.kind for a in d.actions} == {"message.send", "payment.request", "payment.collect"}
    ready = Profile(wx("new"), tasks=("shared_poster",), paid=9.9)
    d = decide_entry(_knock(group="main"), DoorView(bp, view.seats, profile=ready))
    decided = next(e for e in d.events if e.kind == "entry.decided")
    assert decided.data["outcome"] == "admitted"
    assert [a.kind for a in d.actions] == ["member.admit"]


def test_the_task_invited_n_counts_people_the_newcomer_brought():
    bp = blueprint(group("main", gates=["task"], task="invited:1"))
    view = DoorView(bp, {"main": Seats("main", 500, 0)}, invited=1)
    decided = next(
        e for e in decide_entry(_knock(group="main"), view).events if e.kind == "entry.decided"
    )
    assert decided.data["outcome"] == "admitted"


def test_someone_already_in_knocking_again_changes_nothing():
    bp = blueprint(group("main"))
    mine = EntryState(COMMUNITY, "main", wx("new"), "joined")
    view = DoorView(bp, {"main": Seats("main", 500, 1)}, entries={"main": mine})
    assert not decide_entry(_knock(group="main"), view)


# -- through the store ---------------------------------------------------------------------


def test_live_code_routes_newcomers_and_opens_the_next_group_when_full(store):
    bp = loaded(store, group("g1", capacity=2), group("g2", capacity=1))
    link = create_link(
        store, bp, purpose="live_code", groups=["g1", "g2"], channel="offline", now=at(0)
    )
    placed = []
    for n in range(4):
        entries = enter(store, COMMUNITY, Request(wx(f"p{n}"), link=link.code, at=at(n + 1)))
        placed.append((entries[0].group, entries[0].status))
    assert placed == [
        ("g1", "admitted"),
        ("g1", "admitted"),
        ("g2", "admitted"),
        (None, "waitlisted"),
    ]
    with store.read() as conn:
        assert {s.group: s.taken for s in seats(conn, COMMUNITY, ["g1", "g2"]).values()} == {
            "g1": 2,
            "g2": 1,
        }
        kinds = [a["kind"] for a in pending(conn)]
    assert kinds.count("member.admit") == 3 and kinds.count("group.create") == 1
    # scanning again once in changes nothing; the seat becomes a membership when they join
    assert (
        enter(store, COMMUNITY, Request(wx("p0"), link=link.code, at=at(9)))[0].status == "admitted"
    )
    record(
        store, [Event("member.joined", at(10), COMMUNITY, "bot", "j0", group="g1", actor=wx("p0"))]
    )
    with store.read() as conn:
        assert list_entries(conn, COMMUNITY, identity=wx("p0"))[0].status == "joined"
        assert seats(conn, COMMUNITY, ["g1"])["g1"].taken == 2


def test_application_is_admitted_by_k_of_n_judges_and_rejected_with_reasons(store):
    bp = loaded(store, group("club", gates=["application"], judges=3, approvals=2))
    e = enter(store, COMMUNITY, Request(wx("amy"), group="club", answers={"why": "读书"}, at=at(0)))
    assert e[0].status == "pending"
    review_application(
        store, COMMUNITY, "club", wx("amy"), judge=wx("j1"), verdict="approve", now=at(1)
    )
    done = review_application(
        store, COMMUNITY, "club", wx("amy"), judge=wx("j2"), verdict="approve", now=at(2)
    )
    assert (done.status, done.approvals) == ("admitted", 2)

    enter(store, COMMUNITY, Request(wx("bob"), group="club", at=at(3)))
    review_application(
        store,
        COMMUNITY,
        "club",
        wx("bob"),
        judge=wx("j1"),
        verdict="reject",
        reason="广告号",
        now=at(4),
    )
    done = review_application(
        store,
        COMMUNITY,
        "club",
        wx("bob"),
        judge=wx("j2"),
        verdict="reject",
        reason="无关",
        now=at(5),
    )
    assert done.status == "rejected" and "广告号" in (done.reason or "")
    with store.read() as conn:
        messages = [a for a in pending(conn) if a["kind"] == "message.send"]
    assert any(
        a["payload"]["to"] == wx("bob") and "广告号" in render_payload(bp, a["payload"])
        for a in messages
    )


def test_a_payment_recorded_later_lets_a_pending_newcomer_in(store):
    loaded(store, group("paid", gates=["payment"], fee=9.9))
    assert (
        enter(store, COMMUNITY, Request(wx("cat"), group="paid", at=at(0)))[0].status == "pending"
    )
    pay = Event(
        "payment.made", at(5), COMMUNITY, "shop", "order-1", actor=wx("cat"), data={"amount": 9.9}
    )
    record(store, [pay])
    with store.read() as conn:
        assert list_entries(conn, COMMUNITY, identity=wx("cat"))[0].status == "admitted"


def test_waves_admit_twenty_at_a_time_with_one_welcome(store):
    bp = loaded(store, group("main", waves=True, wave_size=3, wave_wait_hours=24))
    for n in range(7):
        enter(store, COMMUNITY, Request(wx(f"w{n}"), group="main", at=at(n)))
    with store.read() as conn:
        states = {
            e.identity: (e.status, e.wave) for e in list_entries(conn, COMMUNITY, group="main")
        }
        actions = pending(conn)
    assert sorted(v for v in states.values()) == [("admitted", 1)] * 3 + [("admitted", 2)] * 3 + [
        ("queued", None)
    ]
    welcomes = [a["payload"] for a in actions if a["kind"] == "message.send"]
    assert [(w["template"], w["wave"]) for w in welcomes] == [
        ("welcome", 1),
        ("welcome", 2),
        ("greet", 2),
    ]
    greeters = [w["to"] for w in welcomes if "to" in w]
    assert greeters == [[wx("w0"), wx("w1"), wx("w2")]]  # the first wave greets the second
    assert render_payload(bp, welcomes[1]) == "欢迎 w3、w4、w5 加入main！"  # 读书会 speaks zh
    assert open_waves(store, COMMUNITY, now=at(6) + timedelta(hours=23)) == 0
    assert open_waves(store, COMMUNITY, now=at(6) + timedelta(hours=24)) == 1


def test_the_wave_welcome_names_people_not_accounts(store):
    bp = loaded(store, group("main", waves=True, wave_size=2))
    enter(store, COMMUNITY, Request(wx("w0"), group="main", at=at(0)))
    rename = Event("member.renamed", at(0), COMMUNITY, "test", "rn", actor=wx("w0"),
                   data={"name": "阿林"})  # fmt: skip
    record(store, [rename])
    enter(store, COMMUNITY, Request(wx("w1"), group="main", at=at(1)))
    with store.read() as conn:
        (welcome,) = [a["payload"] for a in pending(conn) if a["kind"] == "message.send"]
    assert render_payload(bp, welcome) == "欢迎 阿林、w1 加入main！"  # no name yet: the id


def test_preparatory_camp_first_then_the_main_group_and_the_deposit_back(store):
    loaded(
        store,
        group(
            "main",
            gates=["payment", "camp"],
            fee=99,
            deposit=True,
            camp="camp",
            graduate_checkins=2,
        ),
        group("camp"),
    )
    record(
        store,
        [
            Event(
                "payment.made",
                at(0),
                COMMUNITY,
                "shop",
                "o1",
                actor=wx("dan"),
                data={"amount": 99.0, "deposit": True},
            )
        ],
    )
    states = {
        e.group: e.status
        for e in enter(store, COMMUNITY, Request(wx("dan"), group="main", at=at(1)))
    }
    assert states == {"main": "pending", "camp": "admitted"}
    record(
        store,
        [Event("member.joined", at(2), COMMUNITY, "bot", "j", group="camp", actor=wx("dan"))]
        + [
            Event(
                "checkin.done",
                at(3 + d * 1440),
                COMMUNITY,
                "bot",
                f"c{d}",
                group="camp",
                actor=wx("dan"),
            )
            for d in range(2)
        ],
    )
    assert graduate(store, COMMUNITY, now=at(3000)) == [wx("dan")]
    with store.read() as conn:
        states = {e.group: e.status for e in list_entries(conn, COMMUNITY, identity=wx("dan"))}
        refunds = [a["payload"] for a in pending(conn) if a["kind"] == "payment.refund"]
    assert states == {"main": "admitted", "camp": "graduated"}
    assert refunds == [
        {"to": wx("dan"), "amount": 99.0, "currency": "CNY", "reason": "graduated from camp"}
    ]
    assert graduate(store, COMMUNITY, now=at(4000)) == []


def test_invitation_codes_count_their_uses(store):
    bp = loaded(store, group("vip", gates=["code"]))
    code = create_link(store, bp, purpose="code", groups=["vip"], max_uses=1, now=at(0))
    assert (
        enter(store, COMMUNITY, Request(wx("e1"), link=code.code, at=at(1)))[0].status == "admitted"
    )
    second = enter(store, COMMUNITY, Request(wx("e2"), link=code.code, at=at(2)))
    assert second[0].status == "rejected" and "limit" in (second[0].reason or "")
    assert enter(store, COMMUNITY, Request(wx("e3"), group="vip", at=at(3)))[0].status == "rejected"


def test_unknown_link_is_an_error_that_records_nothing(store):
    loaded(store, group("main"))
    with pytest.raises(Exception, match="no link 'nope'"):
        enter(store, COMMUNITY, Request(wx("x"), link="nope"))
    with store.read() as conn:
        assert list_entries(conn, COMMUNITY) == []


def test_a_live_code_takes_in_the_group_opened_after_it_filled_up(store):
    bp = loaded(store, group("g1", capacity=1), group("g2", capacity=1))
    link = create_link(store, bp, purpose="live_code", groups=["g1"], channel="salon", now=at(0))
    enter(store, COMMUNITY, Request(wx("a"), link=link.code, at=at(1)))
    assert (
        enter(store, COMMUNITY, Request(wx("b"), link=link.code, at=at(2)))[0].status
        == "waitlisted"
    )
    with store.read() as conn:
        (ask,) = [a["payload"] for a in pending(conn) if a["kind"] == "group.create"]
    assert ask["suggested_slug"] == "g1-2"
    update_link(store, bp, link.code, groups=["g1", "g2"], now=at(3))
    states = enter(store, COMMUNITY, Request(wx("b"), link=link.code, at=at(4)))
    assert [(e.group, e.status) for e in states] == [("g2", "admitted")]  # the waitlist row goes
    with store.read() as conn:
        assert get_link(conn, link.code).uses == 2


def test_wave_admissions_carry_the_join_data_and_a_typo_is_an_error(store):
    bp = loaded(store, group("main", waves=True, wave_size=2))
    link = create_link(store, bp, purpose="live_code", groups=["main"], channel="salon", now=at(0))
    for n in range(2):
        enter(store, COMMUNITY, Request(wx(f"v{n}"), link=link.code, at=at(n)))
    with store.read() as conn:
        admits = [a["payload"] for a in pending(conn) if a["kind"] == "member.admit"]
    assert admits == [
        {"identity": wx(f"v{n}"), "link": link.code, "channel": "salon"} for n in range(2)
    ]
    with pytest.raises(NotFound, match="no group 'mian'"):
        enter(store, COMMUNITY, Request(wx("x"), group="mian"))


def test_a_pending_application_shows_each_approval(store):
    loaded(store, group("club", gates=["application"], judges=3, approvals=2))
    enter(store, COMMUNITY, Request(wx("amy"), group="club", at=at(0)))
    after = review_application(
        store, COMMUNITY, "club", wx("amy"), judge=wx("j1"), verdict="approve", now=at(1)
    )
    assert (after.status, after.reason, after.gates) == (
        "pending",
        "waiting for application:1/2",
        ("application:1/2",),
    )
    with store.read() as conn:
        asks = [a for a in pending(conn) if a["kind"] == "application.review"]
    assert len(asks) == 1  # the judges were asked once


def test_a_seat_nobody_takes_is_given_back_after_the_hold(store):
    bp = loaded(store, group("g1", capacity=1, seat_hold_hours=48), group("g2", capacity=1))
    link = create_link(store, bp, purpose="live_code", groups=["g1"], now=at(0))
    enter(store, COMMUNITY, Request(wx("ghost"), link=link.code, at=at(1)))
    assert (
        enter(store, COMMUNITY, Request(wx("late"), link=link.code, at=at(2)))[0].status
        == "waitlisted"
    )
    assert expire_seats(store, COMMUNITY, now=at(1) + timedelta(hours=47)) == []
    assert expire_seats(store, COMMUNITY, now=at(1) + timedelta(hours=48)) == [wx("ghost")]
    with store.read() as conn:
        assert seats(conn, COMMUNITY, ["g1"])["g1"].taken == 0
        cancels = [a["payload"] for a in pending(conn) if a["kind"] == "member.admit.cancel"]
        told = [a["payload"] for a in pending(conn) if a["kind"] == "message.send"]
    assert cancels == [{"identity": wx("ghost")}]
    assert [(t["to"], t["template"], t.get("hours")) for t in told] == [
        (wx("late"), "waitlisted", None),  # told when the door was full
        (wx("ghost"), "seat_expired", 48),
    ]
    again = enter(store, COMMUNITY, Request(wx("late"), link=link.code, at=at(3000)))
    assert [(e.group, e.status) for e in again] == [("g1", "admitted")]
    assert expire_seats(store, COMMUNITY, now=at(3000) + timedelta(hours=1)) == []  # fresh seat


def test_the_task_invited_n_passes_when_the_person_brought_joins(store):
    bp = loaded(store, group("club", gates=["task"], task="invited:1"), group("main"))
    record(
        store,
        [Event("member.joined", at(0), COMMUNITY, "bot", "j-amy", group="main", actor=wx("amy"))],
    )
    assert (
        enter(store, COMMUNITY, Request(wx("amy"), group="club", at=at(1)))[0].status == "pending"
    )
    link = create_link(store, bp, purpose="referral", owner=wx("amy"), groups=["main"], now=at(2))
    enter(store, COMMUNITY, Request(wx("bo"), link=link.code, at=at(3)))
    record(
        store,
        [Event("member.joined", at(4), COMMUNITY, "bot", "j-bo", group="main", actor=wx("bo"))],
    )
    with store.read() as conn:  # bo's join reconsidered amy's pending entry by itself
        assert get_entry(conn, COMMUNITY, "club", wx("amy")).status == "admitted"
    # and a newcomer who already brought someone passes at the door
    enter(store, COMMUNITY, Request(wx("cy"), link=link.code, at=at(5)))
    record(
        store,
        [Event("member.joined", at(6), COMMUNITY, "bot", "j-cy", group="main", actor=wx("cy"))],
    )
    link2 = create_link(store, bp, purpose="referral", owner=wx("cy"), groups=["main"], now=at(7))
    enter(store, COMMUNITY, Request(wx("di"), link=link2.code, at=at(8)))
    record(
        store,
        [Event("member.joined", at(9), COMMUNITY, "bot", "j-di", group="main", actor=wx("di"))],
    )
    states = {
        e.group: e.status
        for e in enter(store, COMMUNITY, Request(wx("cy"), group="club", at=at(10)))
    }
    assert states["club"] == "admitted"


def test_the_doors_reasons_are_stored_with_their_message_id_and_read_in_chinese(store):
    """Issue 23 item 10: ``entry.decided`` keeps the reason in English (logs, ``--json``) and
    its message id with arguments (``reason_said``), so a zh page shows it in Chinese;
    ``shequn rebuild`` folds the same rows, and a decision stored before it stays English."""
    loaded(store, group("main", waves=True, wave_size=5))
    enter(store, COMMUNITY, Request(wx("lin"), group="main", at=at(0)))
    old = Event("entry.decided", at(1), COMMUNITY, "engine", "old-1", group="main",
                subject=wx("old"), data={"outcome": "queued", "reason": "open group"})  # fmt: skip
    record(store, [old])
    with store.read() as conn:
        lin, before = get_entry(conn, COMMUNITY, "main", wx("lin")), snapshot(conn)
        earlier = get_entry(conn, COMMUNITY, "main", wx("old"))
        ((_, event),) = events_by(conn, COMMUNITY, ("entry.decided",), [wx("lin")], who="subject")
    assert lin is not None and earlier is not None
    assert lin.reason == event.data["reason"] == "open group; admitted with the next wave"
    assert event.data["reason_said"] == {
        "msgid": "{why}; admitted with the next wave",
        "args": {"why": {"msgid": "open group", "args": {}}},
    }
    assert tr("zh", lin.reason) == "开放群；随下一批入群"
    assert earlier.reason == "open group" and not isinstance(earlier.reason, Said)
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == before

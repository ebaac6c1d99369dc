"""Offline events (P-ENG-6): plan and invite, answers and the waitlist, the reminder with the
door code, check-in at the door, the meetup held with its attendance and the follow-up to
those who came — pure rules, then through the store (SQLite and PostgreSQL) and the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.engagement import meetup_rules as mr
from shequn.engine.engagement import meetups
from shequn.engine.engagement.caring import set_opt_out
from shequn.errors import Conflict
from shequn.model.templates import render_payload
from shequn.store.db import Store
from shequn.store.outbox import list_actions
from tests.engagement_helpers import START, meetup
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.test_cli import EXAMPLE, Cli, cli  # noqa: F401 (the fixture)

AMY, BO, CY, DAN = wx("amy"), wx("bo"), wx("cy"), wx("dan")


# -- pure rules -----------------------------------------------------------------------------


def test_yes_beyond_the_seats_waits_and_a_seat_given_back_goes_to_the_first_waiting():
    bp = blueprint()
    log = list(enumerate(mr.decide_plan(bp, meetup(capacity=2), T0, None).events))
    stands = []
    for who in (AMY, BO, CY, DAN):
        m = mr.fold(log)["m1"]
        decision, where = mr.decide_rsvp(bp, m, who, "yes", T0, f"r-{who}", "t")
        log += [(len(log), e) for e in decision.events]
        stands.append(where)
    assert stands == ["going", "going", "waitlisted", "waitlisted"]
    m = mr.fold(log)["m1"]
    assert (m.going, m.waitlist) == ([AMY, BO], [CY, DAN])
    decision, where = mr.decide_rsvp(bp, m, BO, "no", T0, "r", "t")
    assert where == "not going"
    (told,) = decision.actions
    assert (told.payload["to"], told.payload["template"]) == (CY, "meetup_seat")
    assert render_payload(bp, told.payload) == (
        "「读书会线下交流」空出一个名额，你已从候补转为参加：2026-05-08 10:00，朝阳区某咖啡馆。"
    )
    assert mr.decide_rsvp(bp, m, DAN, "maybe", T0, "r", "t")[1] == "maybe"


def test_the_invitation_goes_a_week_ahead_and_the_door_wants_the_code():
    bp = blueprint()
    d = mr.decide_plan(bp, meetup(), T0, None)
    (invite,) = d.actions
    assert invite.due_at == T0  # the start is a week away: invited at once
    assert render_payload(bp, invite.payload) == (
        "【线下活动】2026-05-08 10:00，北京，朝阳区某咖啡馆：「读书会线下交流」，限 2 人。"
        "报名请联系 lin。"
    )
    later = mr.decide_plan(bp, meetup(start=START + timedelta(days=10)), T0, None)
    assert later.actions[0].due_at == START + timedelta(days=3)  # 7 days before
    m = mr.Meetup(meetup())
    with pytest.raises(Conflict, match="door code"):
        mr.decide_checkin(bp, m, AMY, "0000", START)
    with pytest.raises(Conflict, match="an hour before"):
        mr.decide_checkin(bp, m, AMY, "4821", START - timedelta(hours=2))
    (came,) = mr.decide_checkin(bp, m, AMY, " 4821", START).events
    assert (came.kind, came.actor, came.data) == ("meetup.attended", AMY, {"meetup": "m1"})


# -- through the store ----------------------------------------------------------------------


def _sent(store: Store, template: str) -> list[tuple[str | None, object]]:
    with store.read() as conn:
        rows = list_actions(conn, community=COMMUNITY, kind="message.send")
    return sorted(
        (r["payload"].get("to"), r["due_at"]) for r in rows if r["payload"]["template"] == template
    )


def test_a_meetup_from_invitation_to_follow_up(store: Store):
    loaded(store, group("main"))
    m, new = meetups.plan_meetup(
        store, COMMUNITY, "main", title="读书会线下交流", venue="朝阳区某咖啡馆",
        starts_at=START, capacity=2, city="北京", host=wx("lin"), now=T0,
    )  # fmt: skip
    again, second = meetups.plan_meetup(
        store, COMMUNITY, "main", title="x", venue="y", starts_at=START, now=T0
    )
    assert (new, second, again.plan.title) == (True, False, "读书会线下交流")
    assert len(m.plan.code) == 4 and _sent(store, "meetup_invite") == [(None, T0)]
    stands = [meetups.rsvp(store, COMMUNITY, m.plan.meetup, who, "yes", now=T0)[1]
              for who in (AMY, BO, CY)]  # fmt: skip
    assert stands == ["going", "going", "waitlisted"]
    after, _ = meetups.rsvp(store, COMMUNITY, m.plan.meetup, BO, "no", now=T0)
    assert (after.going, after.waitlist) == ([AMY, CY], [])
    assert _sent(store, "meetup_seat") == [(CY, T0)]
    set_opt_out(store, COMMUNITY, CY, source="bot", ref="stop-cy", now=T0)  # /stop
    assert meetups.run_meetups(store, COMMUNITY, START - timedelta(hours=25)) == 0
    day_before = START - timedelta(hours=23)
    assert meetups.run_meetups(store, COMMUNITY, day_before) == 1
    assert meetups.run_meetups(store, COMMUNITY, day_before) == 0  # once
    assert _sent(store, "meetup_reminder") == [(AMY, day_before)]  # not cy: /stop
    with pytest.raises(Conflict, match="door code"):
        meetups.check_in(store, COMMUNITY, m.plan.meetup, AMY, "wrong", now=START)
    code = m.plan.code
    assert meetups.check_in(store, COMMUNITY, m.plan.meetup, AMY, code, now=START)
    assert not meetups.check_in(store, COMMUNITY, m.plan.meetup, AMY, code, now=START)
    assert meetups.check_in(store, COMMUNITY, m.plan.meetup, DAN, code, now=START)  # walk-in
    end = START + timedelta(hours=4)
    assert meetups.run_meetups(store, COMMUNITY, end) == 1
    assert meetups.run_meetups(store, COMMUNITY, end) == 0
    held = meetups.show_meetup(store, COMMUNITY, m.plan.meetup)
    assert (held.status, held.attended) == ("held", [AMY, DAN])
    assert [to for to, _ in _sent(store, "meetup_followup")] == [AMY, DAN]
    with pytest.raises(Conflict, match="held"):
        meetups.rsvp(store, COMMUNITY, m.plan.meetup, BO, "yes", now=end)


def test_calling_a_meetup_off_withdraws_the_invitation_and_tells_those_going(store: Store):
    loaded(store, group("main"))
    far = START + timedelta(days=20)
    m, _ = meetups.plan_meetup(store, COMMUNITY, "main", title="徒步", venue="香山",
                               starts_at=far, now=T0)  # fmt: skip
    meetups.rsvp(store, COMMUNITY, m.plan.meetup, AMY, "yes", now=T0)
    off = meetups.cancel_meetup(store, COMMUNITY, m.plan.meetup, reason="下雨", now=T0)
    assert off.status == "cancelled"
    with store.read() as conn:
        rows = list_actions(conn, community=COMMUNITY, kind="message.send", status=None)
    state = {r["payload"]["template"]: r["status"] for r in rows}
    assert state == {"meetup_invite": "cancelled", "meetup_cancelled": "pending"}
    assert meetups.run_meetups(store, COMMUNITY, far + timedelta(days=1)) == 0


def test_meetup_commands_end_to_end(cli: Cli) -> None:  # noqa: F811
    cli.json("blueprint", "load", EXAMPLE / "community.toml")
    planned = cli.json("meetup", "plan", "main", "--title", "读书会线下交流", "--venue", "咖啡馆",
                       "--at", "2031-05-16T14:00", "--capacity", "1", "--city", "北京")  # fmt: skip
    mid = planned["meetup"]
    assert (mid, planned["capacity"], len(planned["code"])) == ("main-20310516-1400", 1, 4)
    assert cli.json("meetup", "rsvp", mid, "wechat:lin")["stands"] == "going"
    assert cli.json("meetup", "rsvp", mid, "wechat:amy", "yes")["stands"] == "waitlisted"
    [listed] = cli.json("meetup", "list")
    assert (listed["going"], listed["waitlist"]) == (["wechat:lin"], ["wechat:amy"])
    code, _, err = cli.run("meetup", "rsvp", mid, "wechat:amy", "perhaps")
    assert code != 0 and "yes（去）、no（不去）或 maybe（待定）" in err  # the example speaks zh
    code, _, err = cli.run("meetup", "rsvp", mid, "wechat:amy", "perhaps", "--lang", "en")
    assert code != 0 and "yes, no or maybe" in err
    code, out, err = cli.run("worker", "--once", "--connector", "console")
    assert code == 0 and "【线下活动】2031-05-16 14:00，北京，咖啡馆" not in out  # 7 days before


# -- a region's groups invited --------------------------------------------------------------


def _regional(slug: str, platform: str, region: str) -> str:
    return (f'[[groups]]\nslug = "{slug}"\nname = "{slug}"\nplatform = "{platform}"\n'
            f'region = "{region}"\n')  # fmt: skip


REGION = (_regional("bj-1", "wechat", "北京"), _regional("bj-tg", "telegram", "北京"),
          _regional("sh-1", "wechat", "上海"))  # fmt: skip


def test_a_region_meetup_invites_every_group_of_the_region_and_names_rsvp_where_a_bot_takes_it(
    store: Store,
) -> None:
    from shequn.engine.blueprint import load_into_store
    from shequn.engine.engagement.meetup_command import open_to
    from shequn.engine.record import record
    from shequn.model.blueprint import parse_blueprint
    from shequn.model.events import Event
    from tests.growth_helpers import HEAD

    both = HEAD.replace('platforms = ["wechat"]', 'platforms = ["wechat", "telegram"]')
    bp = parse_blueprint(both + "\n".join(REGION))
    load_into_store(store, bp, now=T0 - timedelta(days=1))
    at = T0 + timedelta(days=3)
    m, new = meetups.plan_meetup(store, COMMUNITY, "bj-1", title="读书会线下交流", venue="咖啡馆",
                                 starts_at=at, region=True, now=T0)  # fmt: skip
    assert new and m.plan.groups == ("bj-1", "bj-tg") and m.to_dict()["invited"] == ["bj-tg"]
    with store.read() as conn:
        sent = list_actions(conn, community=COMMUNITY, kind="message.send", status=None)
    invites = {r["payload"]["group"]: render_payload(bp, r["payload"]) for r in sent}
    assert sorted(invites) == ["bj-1", "bj-tg"]  # 上海 is another region
    assert "/rsvp" not in invites["bj-1"]  # no bot takes commands on WeChat
    assert invites["bj-tg"].endswith(f"也可以私聊我：/rsvp 去 {m.plan.meetup}（或 不去、待定）。")
    record(store, [Event("member.joined", T0, COMMUNITY, "bot", "j", group="bj-tg", actor=AMY)])
    assert [x.plan.meetup for x in open_to(store, COMMUNITY, AMY, T0)] == [m.plan.meetup]
    _, where = meetups.rsvp(store, COMMUNITY, m.plan.meetup, AMY, "yes", now=T0)
    assert where == "going"
    with pytest.raises(Conflict, match="no region"):
        loaded(store, group("main"))
        meetups.plan_meetup(store, COMMUNITY, "main", title="t", venue="v", starts_at=at,
                            region=True, now=T0)  # fmt: skip

"""Amendments (P-ORG-3, seed 004's rules of order): a pending motion is amended — moved,
voted on before the motion, one at a time, never an amendment of an amendment; carried, the
motion reads as amended, is discussed again and only votes on the new wording count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.motions import close_motions, list_motions, propose, vote
from shequn.engine.record import record
from shequn.errors import Conflict
from shequn.store.growth_queries import get_blueprint
from shequn.store.org_queries import org_events
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.org_helpers import ev

OPEN = "[organization.motions]\nsecond_required = false\n"
H = timedelta(hours=1)


def _reason(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict) as refused:
        call()
    return str(refused.value.fields["reason"])


def test_an_amendment_is_voted_first_and_the_motion_then_on_its_new_wording(store):
    loaded(store, group("main"), group("camp"), extra=OPEN)
    a, b, c = (wx(n) for n in "abc")
    record(store, [ev("member.joined", T0 - timedelta(days=1), p) for p in (a, b, c)])
    m = propose(store, COMMUNITY, "main", a, "禁止讨论赌博", rule="topics.patterns+=赌博", now=T0)
    assert vote(store, COMMUNITY, m.motion, a, "yes", now=T0 + H)  # on the old wording
    am = propose(
        store, COMMUNITY, "main", b, "禁止讨论赌博和刷单", rule="topics.patterns+=赌博, 刷单",
        amends=m.motion, now=T0 + 2 * H,
    )  # fmt: skip
    assert am.amends == m.motion
    later = T0 + 3 * H
    refusals = [
        _reason(lambda: vote(store, COMMUNITY, m.motion, b, "yes", now=later)),
        _reason(lambda: propose(store, COMMUNITY, "main", c, "x", amends=m.motion, now=later)),
        _reason(lambda: propose(store, COMMUNITY, "main", c, "y", amends=am.motion, now=later)),
        _reason(lambda: propose(store, COMMUNITY, "camp", c, "z", amends=m.motion, now=later)),
    ]
    assert refusals == ["amendment_pending", "amendment_pending", "amend_amendment", "other_group"]
    for voter in (a, b, c):
        vote(store, COMMUNITY, am.motion, voter, "yes", now=T0 + 3 * H)
    amendment_closes = T0 + 2 * H + timedelta(hours=48)
    assert close_motions(store, COMMUNITY, T0 + timedelta(hours=48)) == 0  # the motion waits
    assert close_motions(store, COMMUNITY, amendment_closes) == 1  # the amendment: carried
    (now,) = [
        x for x in list_motions(store, COMMUNITY, now=amendment_closes) if x["amends"] is None
    ]
    assert (now["text"], now["rule"], now["amending"], now["yes"]) == (
        "禁止讨论赌博和刷单", "topics.patterns+=赌博, 刷单", None, 0  # a's old vote is void
    )  # fmt: skip
    for voter in (a, b, c):  # a may vote again: the first vote was on the old wording
        assert vote(store, COMMUNITY, m.motion, voter, "yes", now=amendment_closes + H)
    assert not vote(store, COMMUNITY, m.motion, a, "no", now=amendment_closes + 2 * H)
    assert close_motions(store, COMMUNITY, amendment_closes + timedelta(hours=47)) == 0
    assert close_motions(store, COMMUNITY, amendment_closes + timedelta(hours=48)) == 2
    with store.read() as conn:
        closed = {
            e.data["motion"]: (e.data["result"], e.data["yes"])
            for e in org_events(conn, COMMUNITY)
            if e.kind == "motion.closed"
        }
        bp = get_blueprint(conn, COMMUNITY)
    assert closed == {am.motion: ("carried", 3), m.motion: ("carried", 3)}
    assert bp.rules.for_group("main").topics.patterns == ["赌博", "刷单"]  # the amended change


def test_a_defeated_amendment_leaves_the_motion_and_its_votes(store):
    loaded(store, group("main"), extra=OPEN)
    a, b = wx("a"), wx("b")
    record(store, [ev("member.joined", T0 - timedelta(days=1), p) for p in (a, b)])
    m = propose(store, COMMUNITY, "main", a, "每周六分享", now=T0)
    vote(store, COMMUNITY, m.motion, a, "yes", now=T0 + H)
    am = propose(store, COMMUNITY, "main", b, "每周日分享", amends=m.motion, now=T0 + 2 * H)
    vote(store, COMMUNITY, am.motion, a, "no", now=T0 + 3 * H)
    close_motions(store, COMMUNITY, T0 + 2 * H + timedelta(hours=48))
    (now,) = [x for x in list_motions(store, COMMUNITY) if x["motion"] == m.motion]
    assert (now["text"], now["yes"]) == ("每周六分享", 1)  # a's vote stands
    assert not vote(store, COMMUNITY, m.motion, a, "no", now=T0 + timedelta(hours=51))


def test_a_community_may_allow_no_amendments(store):
    loaded(store, group("main"), extra=OPEN + "amendments = false\n")
    a = wx("a")
    record(store, [ev("member.joined", T0 - timedelta(days=1), a)])
    m = propose(store, COMMUNITY, "main", a, "每周六分享", now=T0)
    amend = lambda: propose(store, COMMUNITY, "main", a, "周日", amends=m.motion, now=T0 + H)  # noqa: E731
    assert _reason(amend) == "no_amendments"


def test_amend_through_the_bot(store):
    """``/amend MOTION new wording`` in private: the same engine decides, the reply is in the
    community's language, and the motion then waits for its amendment."""
    from tests.test_org_commands import say

    loaded(store, group("main"), extra=OPEN)
    a, b = wx("a"), wx("b")
    record(store, [ev("member.joined", T0 - timedelta(days=1), p) for p in (a, b)])
    m = propose(store, COMMUNITY, "main", a, "每周六分享", now=T0)
    moved = say(store, b, f"/amend {m.motion} 每周日分享", T0 + H)
    (am,) = [x for x in list_motions(store, COMMUNITY, now=T0 + H) if x["amends"] == m.motion]
    assert moved == (
        f"修正案 {am['motion']} 已提出（修改动议 {m.motion}）：每周日分享。"
        "先附议、表决修正案，再表决原动议。"
    )
    assert say(store, a, f"/vote {m.motion} 赞成", T0 + 2 * H) == (
        f"动议 {m.motion} 有待表决的修正案 {am['motion']}，请先表决修正案。"
    )
    assert say(store, a, f"/amend {am['motion']} 周五", T0 + 2 * H) == (
        "不能修正一个修正案，请修正原动议。"
    )
    assert say(store, a, "/amend m-nope 周五", T0 + 2 * H) == "没有编号为 m-nope 的动议。"

"""Motions by rules of order (P-ORG-3, seed 004): the counting rules as pure functions with
property tests, then a motion moved, seconded, voted on and closed through a real store and
the worker's tick — one vote per member however often it is cast."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequn.engine.motions import close_motions, list_motions, propose, second, vote
from shequn.engine.motions_rules import carried, quorum_met, tally
from shequn.engine.organization_levels import grant_level
from shequn.engine.record import record
from shequn.errors import Conflict
from shequn.model.blueprint_org import Motions
from shequn.model.org_state import Motion
from shequn.store.org_queries import org_events, role_holders
from shequn.store.outbox import list_actions
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.org_helpers import ev

counts = st.integers(min_value=0, max_value=200)


@given(counts, counts)
def test_simple_majority_is_more_yes_than_no(yes: int, no: int):
    assert carried(yes, no, "simple") == (yes > no)


@given(counts, counts)
def test_two_thirds_is_at_least_two_thirds_of_the_votes_cast(yes: int, no: int):
    assert carried(yes, no, "two_thirds") == (yes > 0 and 3 * yes >= 2 * (yes + no))


@given(counts, counts, counts)
def test_abstentions_change_no_majority_but_count_towards_the_quorum(yes, no, abstain):
    assert carried(yes, no, "simple") == carried(yes, no, "simple")  # abstain plays no part
    eligible = yes + no + abstain + 10
    assert quorum_met(yes + no + abstain, eligible, 0.2) >= quorum_met(yes + no, eligible, 0.2)


def test_quorum_edges():
    assert quorum_met(2, 10, 0.2) and not quorum_met(1, 10, 0.2)
    assert quorum_met(1, 3, 0.0) and not quorum_met(0, 3, 0.0)  # nobody voting decides nothing
    assert quorum_met(1, 1, 1.0)


def _motion(votes: dict[str, str], seconded: bool = True) -> Motion:
    m = Motion("m1", COMMUNITY, "main", wx("a"), "x", T0, seconded_at=T0 if seconded else None)
    m.votes = {wx(k): (c, T0 + timedelta(hours=1)) for k, c in votes.items()}
    return m


def test_tally_ties_lapses_late_and_ineligible_votes():
    rules = Motions()
    everyone = {wx(k) for k in "abcdefghij"}
    tie = tally(_motion({"a": "yes", "b": "no"}), rules, everyone)
    assert (tie.result, tie.yes, tie.no) == ("defeated", 1, 1)  # a tie is lost
    assert tally(_motion({"a": "yes"}, seconded=False), rules, everyone).result == "lapsed"
    assert tally(_motion({"a": "yes"}), rules, everyone).result == "no_quorum"
    m = _motion({"a": "yes", "b": "yes", "z": "no"})
    m.votes[wx("c")] = ("no", T0 + timedelta(hours=49))  # after the close
    t = tally(m, rules, everyone)
    assert (t.result, t.yes, t.no, t.eligible) == ("carried", 2, 0, 10)
    two = Motions(majority="two_thirds")
    votes = {"a": "yes", "b": "yes", "c": "no", "d": "abstain"}
    assert tally(_motion(votes), two, everyone).result == "carried"
    assert tally(_motion({**votes, "e": "no"}), two, everyone).result == "defeated"


# -- through the store --------------------------------------------------------------------


def _members(store, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    people = [wx(f"p{i}") for i in range(n)]
    record(store, [ev("member.joined", T0 - timedelta(days=1), p) for p in people])
    return people


def test_a_motion_is_moved_seconded_voted_and_closed_once(store):
    loaded(store, group("main"))
    a, b, c, d, e = _members(store, 5)
    m = propose(store, COMMUNITY, "main", a, "每周六晚八点固定读书分享", now=T0)
    with pytest.raises(Conflict):
        vote(store, COMMUNITY, m.motion, b, "yes", now=T0)  # not open before its second
    with pytest.raises(Conflict):
        second(store, COMMUNITY, m.motion, a, now=T0)  # not by the mover
    second(store, COMMUNITY, m.motion, b, now=T0 + timedelta(minutes=1))
    with pytest.raises(Conflict):
        second(store, COMMUNITY, m.motion, c, now=T0 + timedelta(minutes=2))
    soon = T0 + timedelta(hours=1)
    assert vote(store, COMMUNITY, m.motion, a, "yes", now=soon)
    assert not vote(store, COMMUNITY, m.motion, a, "no", now=soon)  # the first vote stands
    vote(store, COMMUNITY, m.motion, b, "yes", now=soon)
    vote(store, COMMUNITY, m.motion, c, "no", now=soon)
    vote(store, COMMUNITY, m.motion, d, "abstain", now=soon)
    assert close_motions(store, COMMUNITY, soon) == 0  # still open
    end = T0 + timedelta(minutes=1, hours=48)
    with pytest.raises(Conflict):
        vote(store, COMMUNITY, m.motion, e, "no", now=end)
    assert close_motions(store, COMMUNITY, end) == 1
    assert close_motions(store, COMMUNITY, end + timedelta(minutes=5)) == 0
    (row,) = list_motions(store, COMMUNITY, now=end)
    assert (row["result"], row["yes"], row["no"], row["abstain"]) == ("carried", 2, 1, 1)
    assert "votes" not in row  # counts only: never who voted how
    with store.transaction() as conn:
        kinds = [x.kind for x in org_events(conn, COMMUNITY)]
        sent = list_actions(conn, community=COMMUNITY, limit=50)
    assert kinds.count("vote.cast") == 4 and kinds[-1] == "motion.closed"
    assert [x["payload"]["template"] for x in sent] == ["motion_open", "motion_result"]
    assert sent[1]["payload"]["result"] == "carried"


def test_min_level_decides_who_may_move_and_vote(store):
    extra = "[organization.motions]\nmin_level = 1\nsecond_required = false\n"
    loaded(store, group("main"), extra=extra)
    a, b = _members(store, 2)
    with pytest.raises(Conflict):
        propose(store, COMMUNITY, "main", a, "换群主", now=T0)
    grant_level(store, COMMUNITY, a, 1, reason="班委", now=T0)
    m = propose(store, COMMUNITY, "main", a, "换群主", now=T0)  # no second needed: open
    assert vote(store, COMMUNITY, m.motion, a, "yes", now=T0)
    with pytest.raises(Conflict):
        vote(store, COMMUNITY, m.motion, b, "yes", now=T0)
    assert close_motions(store, COMMUNITY, T0 + timedelta(hours=48)) == 1
    (row,) = list_motions(store, COMMUNITY)
    assert (row["result"], row["eligible"]) == ("carried", 1)


def test_a_carried_motion_makes_its_role_change_and_a_raw_one_never_does(store):
    extra = "[organization.motions]\nsecond_required = false\n"
    loaded(store, group("main"), extra=extra)
    a, b, c = _members(store, 3)
    with pytest.raises(Conflict, match="group_leader, member"):
        propose(store, COMMUNITY, "main", a, "让 b 当群主", change=(b, "owner"), now=T0)
    m = propose(store, COMMUNITY, "main", a, "请 b 担任组长", change=(b, "group_leader"), now=T0)
    lost = propose(store, COMMUNITY, "main", a, "请 c 担任组长", change=(c, "group_leader"), now=T0)
    raw = ev("motion.proposed", T0, a, motion="m-raw", text="c 当组长")
    raw.data |= {"change_member": c, "change_role": "group_leader"}  # an upload, not the engine
    record(store, [raw])
    for voter in (a, b, c):
        vote(store, COMMUNITY, m.motion, voter, "yes", now=T0 + timedelta(hours=1))
        vote(store, COMMUNITY, lost.motion, voter, "no", now=T0 + timedelta(hours=1))
        vote(store, COMMUNITY, "m-raw", voter, "yes", now=T0 + timedelta(hours=1))
    end = T0 + timedelta(hours=48)
    assert close_motions(store, COMMUNITY, end) == 4  # three closed, one role given
    assert close_motions(store, COMMUNITY, end + timedelta(hours=1)) == 0
    with store.read() as conn:
        roles = [(r["member"], r["role"], r["group"]) for r in role_holders(conn, COMMUNITY)]
        changed = [e for e in org_events(conn, COMMUNITY) if e.kind == "motion.closed"]
    assert roles == [(b, "group_leader", "main")]
    assert sorted(e.data["result"] for e in changed) == ["carried", "carried", "defeated"]

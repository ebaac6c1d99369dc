"""Monitor elections (P-ORG-3, seed 004): counting and ties as pure functions, then an
election end to end — nominated, accepted, one secret ballot per member, counted by the tick,
the winner given the role — and the ballots hidden from every token but the owner's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.elections import (
    accept,
    audit,
    cast_ballot,
    close_elections,
    list_elections,
    nominate,
    open_election,
)
from shequn.engine.elections_rules import count
from shequn.engine.record import record
from shequn.errors import Conflict
from shequn.model.org_state import Election
from shequn.store.org_queries import role_holders
from shequn.store.outbox import list_actions
from shequn.store.queries import list_members
from tests.growth_helpers import COMMUNITY, T0, group, loaded, wx
from tests.org_helpers import DAY, ev
from tests.test_api import V1, C, Env, env  # noqa: F401 (the fixture)

# -- pure -------------------------------------------------------------------------------


def _election(ballots: dict[str, str], seats: int = 1) -> Election:
    el = Election("e1", COMMUNITY, "main", "manager", T0, T0 + DAY, T0 + DAY * 2, seats)
    el.accepted = {wx("lin"), wx("wang"), wx("zhang")}
    el.ballots = {wx(v): (wx(c), T0 + DAY) for v, c in ballots.items()}
    return el


def test_most_votes_win_and_ineligible_ballots_do_not_count():
    el = _election({"a": "lin", "b": "lin", "c": "wang", "x": "wang", "y": "wang"})
    r = count(el, {wx(v) for v in "abc"}, {}, "seniority")
    assert (r.winners, r.votes, r.tie) == (
        [wx("lin")],
        {wx("lin"): 2, wx("wang"): 1, wx("zhang"): 0},
        None,
    )


def test_a_tie_goes_to_seniority_or_to_a_runoff():
    el = _election({"a": "lin", "b": "wang"})
    seniority = {wx("wang"): T0 - DAY * 100, wx("lin"): T0 - DAY * 10}
    assert count(el, {wx("a"), wx("b")}, seniority, "seniority").winners == [wx("wang")]
    runoff = count(el, {wx("a"), wx("b")}, seniority, "runoff")
    assert (runoff.winners, runoff.tie) == ([], "runoff")
    two = _election({"a": "lin", "b": "lin", "c": "wang", "d": "zhang"}, seats=2)
    assert count(two, {wx(v) for v in "abcd"}, {}, "runoff").winners == [wx("lin")]
    assert count(_election({}), set(), {}, "seniority").winners == []  # nobody voted


def test_a_term_ends_by_itself_unless_re_elected_or_changed_since():
    from shequn.engine.elections_rules import decide_term_ends
    from tests.growth_helpers import blueprint

    bp = blueprint(group("main"))
    old = _election({})
    old.winners, old.term_until = [wx("lin"), wx("wang")], T0 + DAY * 10
    holds = {(wx("lin"), "main"): "manager", (wx("wang"), "main"): "manager"}
    assert not decide_term_ends(bp, [old], holds, T0 + DAY * 9)  # the term still runs
    ended = decide_term_ends(bp, [old], holds, T0 + DAY * 10)
    assert [(e.subject, e.data["role"]) for e in ended.events] == [
        (wx("lin"), "member"),
        (wx("wang"), "member"),
    ]
    assert ended.actions[0].payload["template"] == "term_ended"
    again = Election("e2", COMMUNITY, "main", "manager", T0 + DAY * 5, T0, T0 + DAY * 8)
    again.winners, again.term_until = [wx("lin")], T0 + DAY * 30
    demoted = {(wx("lin"), "main"): "manager", (wx("wang"), "main"): "group_leader"}
    # lin was re-elected for a term still running; wang's role was changed by hand since
    assert not decide_term_ends(bp, [old, again], demoted, T0 + DAY * 10)


# -- through the store --------------------------------------------------------------------


def test_an_election_end_to_end(store):
    loaded(store, group("main"))
    people = [wx(n) for n in ("lin", "wang", "a", "b", "c")]
    record(store, [ev("member.joined", T0 - DAY * 30, p) for p in people])
    lin, wang, a, b, c = people
    el = open_election(store, COMMUNITY, "main", "manager", now=T0)
    nominate(store, COMMUNITY, el.election, lin, lin, now=T0)  # self: accepted as made
    nominate(store, COMMUNITY, el.election, a, wang, now=T0)
    with pytest.raises(Conflict):
        nominate(store, COMMUNITY, el.election, b, wang, now=T0)
    with pytest.raises(Conflict):
        cast_ballot(store, COMMUNITY, el.election, a, lin, now=T0)  # nominations still open
    accept(store, COMMUNITY, el.election, wang, now=T0 + DAY)
    voting = el.nominations_close + timedelta(hours=1)
    assert cast_ballot(store, COMMUNITY, el.election, a, lin, now=voting)
    assert not cast_ballot(store, COMMUNITY, el.election, a, wang, now=voting)  # first stands
    cast_ballot(store, COMMUNITY, el.election, b, lin, now=voting)
    cast_ballot(store, COMMUNITY, el.election, c, wang, now=voting)
    with pytest.raises(Conflict):
        cast_ballot(store, COMMUNITY, el.election, c, a, now=voting)  # not a candidate
    (row,) = list_elections(store, COMMUNITY, now=voting)
    assert (row["ballots"], row["votes"], row["candidates"]) == (3, None, [lin, wang])
    assert close_elections(store, COMMUNITY, voting) == 0
    assert close_elections(store, COMMUNITY, el.voting_close) == 1
    assert close_elections(store, COMMUNITY, el.voting_close + DAY) == 0
    (row,) = list_elections(store, COMMUNITY)
    assert (row["winners"], row["votes"]) == ([lin], {lin: 2, wang: 1})
    with store.read() as conn:
        assert [(r["member"], r["role"], r["group"]) for r in role_holders(conn, COMMUNITY)] == [
            (lin, "manager", "main")
        ]
    assert [(x["voter"], x["candidate"]) for x in audit(store, COMMUNITY, el.election)] == [
        (a, lin),
        (b, lin),
        (c, wang),
    ]


def test_ballots_are_hidden_from_every_token_but_the_owners(env: Env) -> None:  # noqa: F811
    with env.store.read() as conn:
        members = list_members(conn, community=C)
    people = [m.key for m in members if {s.group for s in m.memberships} == {"main"}][:3]
    el = open_election(env.store, C, "main", now=T0)
    for p in people[:2]:
        nominate(env.store, C, el.election, p, p, now=T0)
    for p in people:
        cast_ballot(env.store, C, el.election, p, people[0], now=el.nominations_close)
    for role in ("manager", "group_leader", "analyst", "owner"):
        client = env.as_(role)
        kinds = []
        for query in ({"kind": "ballot.cast"}, {"group": "main", "limit": 1000}):
            r = client.get(f"{V1}/communities/{C}/events", params=query)
            assert r.status_code == 200
            kinds += [e["kind"] for e in r.json()["items"]]
        assert ("ballot.cast" in kinds) == (role == "owner"), role


def test_the_close_tick_steps_winners_down_when_their_term_runs_out(store):
    loaded(store, group("main"), extra="[organization.elections]\nterm_days = 30\n")
    lin, a = wx("lin"), wx("a")
    record(store, [ev("member.joined", T0 - DAY * 30, p) for p in (lin, a)])
    el = open_election(store, COMMUNITY, "main", "manager", now=T0)
    nominate(store, COMMUNITY, el.election, lin, lin, now=T0)
    cast_ballot(store, COMMUNITY, el.election, a, lin, now=el.nominations_close)
    assert close_elections(store, COMMUNITY, el.voting_close) == 1
    end = el.voting_close + DAY * 30
    assert close_elections(store, COMMUNITY, end - timedelta(minutes=1)) == 0
    assert close_elections(store, COMMUNITY, end) == 1  # lin steps down
    assert close_elections(store, COMMUNITY, end + DAY) == 0  # once
    with store.read() as conn:
        assert role_holders(conn, COMMUNITY) == []
        queued = list_actions(conn, community=COMMUNITY, limit=50)
    sent = [x["payload"] for x in queued if x["kind"] == "message.send"]
    platform = [x["kind"] for x in queued if x["kind"].startswith("member.")]
    assert platform == ["member.promote", "member.demote"]  # the chat's admin for the term
    assert [x["template"] for x in sent][-1] == "term_ended"
    assert sent[-1]["members"] == [lin]

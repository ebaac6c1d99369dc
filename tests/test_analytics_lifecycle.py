"""Life-cycle stages and the 7-day rule, each on a group built to be in exactly that stage."""

from __future__ import annotations

from shequn.analytics.lifecycle import life_cycle
from shequn.analytics.scope import Scope
from tests.analytics_helpers import COMMUNITY, event, join, leave, post


def stages(con, **params):
    return {g.group: g for g in life_cycle(con, Scope(COMMUNITY), **params)}


def chatty(group: str, people: list[str], days: range, per_day: int = 1):
    return [
        post(p, day=d, hour=9 + k, group=group)
        for d in days
        for p in people
        for k in range(per_day)
    ]


def test_each_stage(replica_of):
    day_last = 100
    events = [
        # "young": 10 days old, lively → germination, 7-day rule met
        *[join(p, day=91, group="young") for p in ("a", "b")],
        *chatty("young", ["a", "b"], range(91, 101)),
        # "quiet": talked on day 0-30 then nothing for 20+ days → dead
        *[join(p, day=0, group="quiet") for p in ("c", "d")],
        *chatty("quiet", ["c", "d"], range(0, 30)),
        # "growing": 5 members 28 days ago, 8 now, everyone talks → rapid growth (+60%)
        *[join(f"g{i}", day=0, group="growing") for i in range(5)],
        *[join(f"g{i}", day=80, group="growing") for i in range(5, 8)],
        *chatty("growing", [f"g{i}" for i in range(5)], range(0, 101, 3)),
        # "fading": 10 people active in days 44-72, only 3 in days 73-100 → declining
        *[join(f"f{i}", day=0, group="fading") for i in range(10)],
        *chatty("fading", [f"f{i}" for i in range(10)], range(0, 73, 2)),
        *chatty("fading", ["f0", "f1", "f2"], range(73, 101, 2)),
        # "steady": 4 people, same activity in both windows → active
        *[join(f"s{i}", day=0, group="steady") for i in range(4)],
        *chatty("steady", [f"s{i}" for i in range(4)], range(0, 101, 2)),
        post("s0", day=day_last, group="steady"),
    ]
    got = stages(replica_of(events))
    assert {g: s.stage for g, s in got.items()} == {
        "young": "germination",
        "quiet": "dead",
        "growing": "rapid_growth",
        "fading": "declining",
        "steady": "active",
    }
    assert got["quiet"].evidence["days_silent"] == 71
    assert (got["growing"].evidence["members_window_ago"], got["growing"].members) == (5, 8)
    assert got["fading"].evidence["active_previous_window"] == 10
    assert got["fading"].evidence["active_last_window"] == 3
    assert got["young"].seven_day_rule == "met"


def test_seven_day_rule(replica_of):
    events = [
        # one person talking alone in week one: fails (needs 2 people)
        join("a", day=0, group="lonely"),
        *chatty("lonely", ["a"], range(0, 7)),
        post("a", day=20, group="lonely"),
        # two people, 4 messages on days 1, 1, 2, 6 (day 8 is too late): fails (needs 5)
        join("b", day=0, group="thin"),
        join("c", day=0, group="thin"),
        post("b", day=1, group="thin"),
        post("c", day=1, group="thin"),
        post("b", day=2, group="thin"),
        post("c", day=8, group="thin"),
        post("c", day=6, group="thin"),
        post("b", day=20, group="thin"),
        # the same plus one more message on day 6: 5 messages by 2 people → met
        join("e", day=0, group="enough"),
        join("f", day=0, group="enough"),
        *[
            post(p, day=d, group="enough")
            for p, d in (("e", 1), ("f", 1), ("e", 2), ("f", 6), ("e", 6))
        ],
        # born on day 18: younger than 7 days at as-of day 20, not yet met → pending
        join("d", day=18, group="new"),
        post("d", day=19, group="new"),
    ]
    got = stages(replica_of(events))
    assert got["lonely"].seven_day_rule == "failed"
    assert got["thin"].seven_day_rule == "failed"
    assert got["enough"].seven_day_rule == "met"
    assert got["new"].seven_day_rule == "pending"


def test_dead_group_red_envelope_test(replica_of):
    events = [
        join("a", day=0, group="g1"),
        join("b", day=0, group="g1"),
        join("a", day=0, group="g2"),
        join("b", day=0, group="g2"),
        *chatty("g1", ["a", "b"], range(0, 10)),
        *chatty("g2", ["a", "b"], range(0, 10)),
        # g1: test sent, grabbed after 30 minutes → alive
        event(
            "redenvelope.sent",
            "a",
            day=10,
            hour=20,
            group="g1",
            envelope="e1",
            purpose="dead_group_test",
        ),
        event("redenvelope.grabbed", "b", day=10, hour=20.5, group="g1", envelope="e1"),
        # g2: test sent, grabbed only after 3 hours, nothing else → dead
        event(
            "redenvelope.sent",
            "a",
            day=10,
            hour=20,
            group="g2",
            envelope="e2",
            purpose="dead_group_test",
        ),
        event("redenvelope.grabbed", "b", day=10, hour=23, group="g2", envelope="e2"),
    ]
    got = stages(replica_of(events), germination_days=0)
    assert got["g1"].stage != "dead"
    assert got["g2"].stage == "dead" and "unclaimed" in got["g2"].reason


def _test_envelope(group: str, envelope: str, grabbers: list[str], verdict: str) -> list:
    """A dead-group test sent on day 10 at 20:00, grabbed at 20:30 by ``grabbers``, and the
    engine's verdict two hours later (as the ``envelopes.judge`` tick records it)."""
    sent = event("redenvelope.sent", "a", day=10, hour=20, group=group, envelope=envelope,
                 purpose="dead_group_test", count=10)  # fmt: skip
    grabs = [event("redenvelope.grabbed", who, day=10, hour=20.5, group=group, envelope=envelope)
             for who in grabbers]  # fmt: skip
    judged = event("envelope.judged", None, day=10, hour=22, group=group, subject="a",
                   envelope=envelope, verdict=verdict, grabbed=len(grabbers), shares=10, hours=2,
                   sent_at="2026-01-10T12:00:00+00:00")  # fmt: skip
    return [sent, *grabs, judged]


def test_a_group_the_engine_judged_dead_is_dead_with_the_evidence(replica_of):
    """The engine's verdict decides (P-ENG-4: fewer grabbers than shares), not the metric's
    own "grabbed at all" window: g1's envelope was grabbed in time, by 2 of its 10 shares."""
    people = ["a", "b", "c"]
    events = [join(p, day=0, group=g) for g in ("g1", "g2", "g3") for p in people]
    events += [p for g in ("g1", "g2", "g3") for p in chatty(g, people, range(0, 10))]
    events += _test_envelope("g1", "e1", ["b", "c"], "dead")
    events += _test_envelope("g2", "e2", ["b", "c"], "alive")
    events += _test_envelope("g3", "e3", ["b"], "dead")
    events.append(post("c", day=11, group="g3"))  # g3 spoke again after the verdict
    got = stages(replica_of(events), germination_days=0)
    assert got["g1"].stage == "dead"
    assert got["g1"].reason == "judged dead by the red-envelope test of " + (
        got["g1"].evidence["envelope_test"]["sent"] + ": 2 of 10 shares grabbed in 2 h"
    )
    test = got["g1"].evidence["envelope_test"]
    assert (test["envelope"], test["verdict"], test["grabbed"], test["shares"]) == (
        "e1",
        "dead",
        2,
        10,
    )
    assert test["sent"].endswith("20:00") and test["judged"].endswith("22:00")
    assert got["g2"].stage != "dead" and got["g2"].evidence["envelope_test"]["verdict"] == "alive"
    assert got["g3"].stage != "dead" and got["g3"].evidence["envelope_test"]["activity_since"]


def test_leave_and_rejoin_counts_as_member(replica_of):
    events = [
        join("a", day=0),
        join("b", day=0),
        leave("b", day=3),
        join("b", day=5),
        leave("a", day=6),
        post("b", day=6),
    ]
    [g] = life_cycle(replica_of(events), Scope(COMMUNITY))
    assert g.members == 1


def test_empty(replica_of):
    assert life_cycle(replica_of([]), Scope(COMMUNITY)) == []


def test_a_group_with_members_and_no_real_activity_is_dead_from_birth(replica_of):
    """Joins make a group born; only meaningful events make it live (a reaction is none)."""
    events = [
        join("a", day=0, group="mute"),
        join("b", day=2, group="mute"),
        event("message.reacted", "a", day=3, group="mute", message="m1"),
        join("c", day=0, group="talky"),
        post("c", day=3, group="talky"),
    ]
    got = stages(replica_of(events))
    mute = got["mute"]
    assert (mute.stage, mute.reason, mute.born.isoformat()) == (
        "dead",
        "never any meaningful activity",
        got["talky"].born.isoformat(),
    )
    assert (mute.members, mute.evidence["first_7_days"], mute.seven_day_rule) == (
        2,
        {"events": 0, "people": 0},
        "pending",
    )

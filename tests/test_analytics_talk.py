"""Noise versus value, over-activity and concentration on hand-built logs; expected values
worked out by hand from the definitions (long reply ≥ 50, short < 15, burst ≥ 5 messages in
3 minutes)."""

from __future__ import annotations

from datetime import date, datetime

from shequn.analytics.scope import Scope
from shequn.analytics.talk import concentration, noise_by_group, noise_vs_value, over_activity
from tests.analytics_helpers import COMMUNITY, event, kept, post


def minute(day: int, hour: int, m: float) -> dict[str, float]:
    return {"day": day, "hour": hour + m / 60}


def test_classification_per_day(replica_of):
    day0 = [
        post("a", day=0, hour=9, length=5),  # short, but alone: neutral
        post("a", day=0, hour=10, ref="q1", is_question=True),  # answered: valuable
        post("b", day=0, hour=10.1, reply_to="q1", length=60),  # long reply: valuable
        post("c", day=0, hour=10.2, reply_to="q1", length=10),  # short reply: neutral
        post("d", day=0, hour=11, ref="own"),
        post("d", day=0, hour=11.1, reply_to="own", length=5),  # replying to himself ...
        # ... so "own" drew no reply: neutral; the self-reply has reply_to: neutral
    ]
    # a burst at 20:00: 7 short messages within 3 minutes (every 30 s)
    burst = [post(w, length=3, **minute(0, 20, k / 2)) for k, w in enumerate("pqrpq")]
    burst += [
        post("r", length=3, has_media=True, **minute(0, 20, 2.5)),  # media: neutral
        post("s", length=3, has_link=True, **minute(0, 20, 3)),  # link: valuable
    ]
    # day 1: four short messages in 3 minutes are no burst; five spanning exactly 3 min are
    day1 = [post("p", length=3, **minute(1, 9, k)) for k in range(4)]
    day1 += [post("q", length=3, **minute(1, 15, k * 0.75)) for k in range(5)]
    # day 4 (Monday 2026-01-05) opens a new week
    day4 = [post("a", day=4, length=100)]
    con = replica_of(day0 + burst + day1 + day4)
    mix = noise_vs_value(con, Scope(COMMUNITY))
    # day 0: 6 + 7 = 13 messages; valuable q1, b's reply, s's link = 3; chatter 5 (the burst's
    # plain messages); 5 / 13 = 0.3846
    assert [(m.period_start, m.messages, m.valuable, m.chatter, m.chatter_share) for m in mix] == [
        (date(2026, 1, 1), 13, 3, 5, 0.3846),
        (date(2026, 1, 2), 9, 0, 5, 0.5556),  # the exact-3-minute burst; 5 / 9
        (date(2026, 1, 5), 1, 0, 0, 0.0),
    ]
    weeks = noise_vs_value(con, Scope(COMMUNITY), period="week")
    assert [(w.period_start, w.messages, w.valuable, w.chatter) for w in weeks] == [
        (date(2025, 12, 29), 22, 3, 10),
        (date(2026, 1, 5), 1, 0, 0),
    ]
    # looser thresholds: a "burst" of 4 now counts; long replies from 10 characters
    loose = noise_vs_value(con, Scope(COMMUNITY), burst_messages=4, long_reply=10)
    assert [(m.valuable, m.chatter) for m in loose[:2]] == [(4, 5), (0, 9)]


def test_every_group_at_once_as_one_group_at_a_time(replica_of):
    # g's question is answered from h; the two groups' short messages interleave in time:
    # 3 of g and 3 of h within a minute are no burst in either group (bursts are per group)
    log = [
        post("a", day=0, hour=9, ref="q", is_question=True),
        post("b", day=0, hour=9.5, group="h", reply_to="q", length=80),
        *(
            post(w, length=2, group=grp, **minute(0, 12, k / 6))
            for k, (w, grp) in enumerate(
                [("a", "g"), ("b", "h"), ("c", "g"), ("d", "h"), ("e", "g"), ("f", "h")]
            )
        ),
        *(post("z", length=2, group="h", **minute(1, 8, k / 2)) for k in range(5)),
    ]
    con = replica_of(log)
    scope = Scope(COMMUNITY, until=date(2026, 1, 2))
    every = noise_by_group(con, scope)
    assert every == {g: noise_vs_value(con, scope.with_group(g)) for g in ("g", "h")}
    shown = {
        g: [(m.period_start, m.messages, m.valuable, m.chatter) for m in ms]
        for g, ms in every.items()
    }
    assert shown == {
        "g": [(date(2026, 1, 1), 4, 1, 0)],  # the answered question; no burst of 5 in g
        "h": [(date(2026, 1, 1), 4, 1, 0), (date(2026, 1, 2), 5, 0, 5)],  # long reply; burst
    }


def test_empty_scope(replica_of):
    con = replica_of([])
    assert noise_vs_value(con, Scope(COMMUNITY)) == []
    assert over_activity(con, Scope(COMMUNITY)) == []
    assert concentration(con, Scope(COMMUNITY)) == []


def over_activity_log():
    log = []
    for d in range(10):  # two messages at 09:00 every day: k1 shares a link, k2 replies
        log.append(post("k1", day=d, hour=9, ref=f"l{d}", has_link=True))
        log.append(post("k2", day=d, hour=9.2, reply_to=f"l{d}"))
    # day 10, 20:00-20:20: 40 short messages every 30 s by four chatterers
    log += [post(f"n{k % 4}", length=3, **minute(10, 20, k / 2)) for k in range(40)]
    # afterwards k2 carries on (days 11-17); k1 is not heard of again
    log += [post("k2", day=d, hour=9) for d in range(11, 18)]
    # group h: a busy hour full of links is not chatter
    log += [post("x", group="h", has_link=True, length=3, **minute(3, 20, k)) for k in range(40)]
    log += [post("x", group="h", day=d, hour=9) for d in range(5)]
    return log


def test_over_activity_alert_and_quieting_key_members(replica_of):
    con = replica_of(over_activity_log())
    # g's hourly counts: ten hours of 2, seven of 1, one of 40 → median 2; 40 ≥ 30 and ≥ 3 × 2
    # and all 40 are chatter. k1: 6 posts in the 7 days before (days 4-9), none after → quiet.
    # k2: 6 before, 7 after → not. The week after (to day 17 21:00) is inside the log.
    [alert] = over_activity(con, Scope(COMMUNITY))
    assert alert == _alert(["wechat:k1"])
    assert over_activity(con, Scope(COMMUNITY), messages_per_hour=50) == []
    assert over_activity(con, Scope(COMMUNITY, group="h")) == []
    # ending the scope on day 15 cuts the week after short: no verdict on key members
    [cut] = over_activity(con, Scope(COMMUNITY, until=date(2026, 1, 16)))
    assert cut == _alert([])


def test_the_three_share_one_classification_per_watermark(replica_of, monkeypatch):
    from shequn.analytics import portable

    con = replica_of(over_activity_log())
    scope = Scope(COMMUNITY)

    def three(c):
        return noise_vs_value(c, scope), noise_by_group(c, scope), over_activity(c, scope)

    # through the replica's reused results: one table of hourly counts serves all three
    shared = three(con)
    assert shared[2] == [_alert(["wechat:k1"])]
    assert kept(con, temporary=False, column="chatter") == 1
    noise_vs_value(con, scope, short=40)  # other parameters classify differently
    assert kept(con, temporary=False, column="chatter") == 2
    # a bare connection to the replica keeps its own (in memory): the same answers
    assert three(con.raw) == shared
    assert kept(con, temporary=True, column="chatter") == 1
    # each metric classifying for itself, as on Spark: the same answers again
    monkeypatch.setattr(portable, "shared", lambda c, expr: expr)
    assert three(con.raw) == shared


def _alert(quiet):
    from shequn.analytics.talk import OverActivityAlert

    return OverActivityAlert("g", datetime(2026, 1, 11, 20, 0), 40, 1.0, quiet)


def test_concentration(replica_of):
    log = [post(w, day=0) for w in "abc"] + [post("d", day=0, hour=13 + k / 10) for k in range(5)]
    # group h: ten posters writing 1, 2, …, 10 messages
    log += [
        post(f"p{n}", day=1, group="h", hour=8 + k / 10) for n in range(1, 11) for k in range(n)
    ]
    log += [post("solo", day=1, group="one")]
    # group m: a and a2 are one person after the merge: one poster with 4 messages, plus b
    log += [post("a", day=1, group="m"), post("a", day=1, group="m", hour=13)]
    log += [post("a2", day=1, group="m", hour=14), post("a2", day=1, group="m", hour=15)]
    log += [post("b", day=1, group="m")]
    log.append(
        event(
            "identity.merged",
            None,
            day=1,
            hour=18,
            group=None,
            subject="a2",
            into="wechat:a",
            identities=["wechat:a2"],
        )
    )
    con = replica_of(log)
    got = {
        c.group: (c.posters, c.messages, c.gini, c.top10_share, c.half_of_messages_by)
        for c in concentration(con, Scope(COMMUNITY))
    }
    assert got == {
        # [1, 1, 1, 5]: n = 4, Σx = 8, Σ i·xᵢ = 1 + 2 + 3 + 20 = 26;
        # gini = 2·26 / (4·8) − 5/4 = 1.625 − 1.25 = 0.375
        # (check: Σ|xᵢ − xⱼ| over ordered pairs = 3·4·2 = 24; 24 / (2·n²·mean) = 24/64).
        # top ceil(0.4) = 1 poster: 5/8; d alone wrote ≥ 4 of 8.
        "g": (4, 8, 0.375, 0.625, 1),
        # [1..10]: Σx = 55, Σ i·xᵢ = Σ i² = 385; gini = 770/550 − 11/10 = 0.3;
        # top ceil(1.0) = 1 poster: 10/55 = 0.1818; 10 + 9 + 8 = 27 < 27.5 ≤ 34 → 4 posters
        "h": (10, 55, 0.3, 0.1818, 4),
        # one poster: gini = 2·1·1/(1·1) − 2/1 = 0; they wrote everything
        "one": (1, 1, 0.0, 1.0, 1),
        # [1, 4]: Σ i·xᵢ = 1 + 8 = 9; gini = 18/10 − 3/2 = 0.3; top ceil(0.2) = 1: 4/5
        "m": (2, 5, 0.3, 0.8, 1),
    }
    [only_h] = concentration(con, Scope(COMMUNITY, group="h"))
    assert only_h.group == "h"


def test_concentration_splits_posters_with_equal_counts_at_the_top_tenth_and_the_half(replica_of):
    # six posters with 3 messages, six with 1: ties that the top 10% and the half cut through
    log = [post(f"a{n}", day=0, hour=8 + k / 10) for n in range(6) for k in range(3)]
    log += [post(f"b{n}", day=0, hour=12) for n in range(6)]
    [c] = concentration(replica_of(log), Scope(COMMUNITY))
    # ascending ranks: the ones 1..6 (Σ 21), the threes 7..12 (3 · 57 = 171): Σ i·xᵢ = 192;
    # gini = 2·192 / (12·24) − 13/12 = 0.25 (check: Σ|xᵢ − xⱼ| = 2·6·6·2 = 144, 144/576).
    # top ceil(1.2) = 2 posters: two of the threes, 6/24. Half of 24: 0, 3, 6, 9 messages
    # ahead are < 12, the fifth three has 12 ahead: 4 posters.
    assert (c.posters, c.messages, c.gini, c.top10_share, c.half_of_messages_by) == (
        12,
        24,
        0.25,
        0.25,
        4,
    )

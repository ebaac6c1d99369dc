"""Fission (P-FIS-2, P-FIS-3, P-FIS-5): "invite 3 to unlock", claw-back, fraud, commission."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.campaigns import campaign_progress, configure_campaign, review_case, settle
from shequn.engine.entry import Request, enter
from shequn.engine.fission import count_referrals
from shequn.engine.fraud import ReferralFacts, score_referral
from shequn.engine.links import ensure_referral_link
from shequn.engine.record import record
from shequn.errors import Conflict, InvalidEvent
from shequn.model.blueprint_growth import Campaign, RewardTier
from shequn.model.events import Event
from shequn.store.outbox import pending
from shequn.store.referral_queries import Referral, fraud_cases, rewards_of
from tests.growth_helpers import COMMUNITY, T0, at, group, loaded, wx

INVITE3 = Campaign(
    slug="invite3",
    name="邀请3人解锁",
    groups=["main"],
    tiers=[RewardTier(invites=3, reward="black card"), RewardTier(invites=5, reward="1:1 call")],
)


def joined(who: str, minutes: float, grp: str = "main") -> Event:
    return Event(
        "member.joined",
        at(minutes),
        COMMUNITY,
        "bot",
        f"join:{who}:{minutes}",
        group=grp,
        actor=wx(who),
    )


def left(who: str, minutes: float, grp: str = "main") -> Event:
    return Event(
        "member.left",
        at(minutes),
        COMMUNITY,
        "bot",
        f"left:{who}:{minutes}",
        group=grp,
        actor=wx(who),
    )


@pytest.fixture
def campaign(store):
    bp = loaded(store, group("main"))
    record(store, [joined("ann", -100)])
    configure_campaign(store, COMMUNITY, INVITE3, now=at(-50))
    link = ensure_referral_link(store, bp, wx("ann"), campaign="invite3", now=at(-40))
    return store, bp, link


def bring(store, link, who: str, minutes: float, *, join: bool = True) -> None:
    enter(store, COMMUNITY, Request(wx(who), link=link.code, at=at(minutes), ref=f"knock-{who}"))
    if join:
        record(store, [joined(who, minutes + 1)])


def rewards(store, who="ann"):
    with store.read() as conn:
        return rewards_of(conn, COMMUNITY, "invite3", wx(who))


# -- pure counting -----------------------------------------------------------------------


def _ref(invitee: str, **kw):
    base = dict(invitee=wx(invitee), inviter=wx("ann"), campaign="invite3", touched_at=T0,
                first_touch=True, joined_at=T0 + timedelta(minutes=1), status="active",
                left_at=None, same_person=False, case_status=None)  # fmt: skip
    return Referral(**{**base, **kw})


def test_counting_rules_say_why_a_referral_does_not_count():
    refs = [
        _ref("ok"),
        _ref("quick", status="left", left_at=T0 + timedelta(hours=2)),
        _ref("self", same_person=True),
        _ref("second", first_touch=False),
        _ref("blocked", case_status="blocked"),
        _ref("review", case_status="review"),  # counts until an operator upholds it
        _ref("late", joined_at=T0 + timedelta(days=8)),
        _ref("never", joined_at=None, status=None),
    ]
    p = count_referrals(refs, INVITE3, now=T0 + timedelta(days=9), window=timedelta(days=7),
                        leave=timedelta(hours=24), tasks={}, inviter=wx("ann"))  # fmt: skip
    assert p.counted == (wx("ok"), wx("review"))
    assert p.uncounted == {
        wx("quick"): "left_quickly",
        wx("self"): "self_invite",
        wx("second"): "not_first_touch",
        wx("blocked"): "fraud_blocked",
        wx("late"): "joined_after_window",
        wx("never"): "not_joined",
    }


def test_stay_days_and_a_qualifying_task_delay_counting():
    c = INVITE3.model_copy(update={"stay_days": 3, "qualifying_task": "intro"})
    refs = [_ref("a"), _ref("b")]
    kw = dict(window=timedelta(days=7), leave=timedelta(hours=24), inviter=wx("ann"))
    early = count_referrals(refs, c, now=T0 + timedelta(days=1), tasks={wx("a"): {"intro"}}, **kw)
    later = count_referrals(refs, c, now=T0 + timedelta(days=4), tasks={wx("a"): {"intro"}}, **kw)
    assert (early.counted, early.waiting) == ((), (wx("a"), wx("b")))
    assert (later.counted, later.waiting) == ((wx("a"),), (wx("b"),))


def test_risk_score_adds_reasons_and_caps_at_100():
    assert score_referral(ReferralFacts()) == (0, [])
    assert score_referral(ReferralFacts(ring=True)) == (60, ["ring"])
    assert score_referral(ReferralFacts(self_invite=True, burst=True)) == (
        100,
        ["self_invite", "burst"],
    )


# -- through the store ---------------------------------------------------------------------


def test_third_invitee_unlocks_the_reward_once_with_progress_messages(campaign):
    store, _bp, link = campaign
    for n, who in enumerate(["b1", "b2", "b3"]):
        bring(store, link, who, n * 10)
    assert rewards(store) == {3: "granted"}
    bring(store, link, "b1", 50, join=False)  # scanning again: no new touch, nothing changes
    with store.read() as conn:
        notes = [a["payload"] for a in pending(conn) if a["kind"] == "message.send"]
    assert [(n["template"], n["invites"]) for n in notes] == [
        ("progress", 1),
        ("progress", 2),
        ("reward", 3),
    ]
    progress = campaign_progress(store, COMMUNITY, "invite3", wx("ann"), now=at(60))
    assert progress.count == 3


def test_an_invitee_leaving_within_a_day_claws_the_reward_back(campaign):
    store, _bp, link = campaign
    for n, who in enumerate(["b1", "b2", "b3"]):
        bring(store, link, who, n * 10)
    record(store, [left("b3", 60)])
    assert rewards(store) == {3: "revoked"}
    with store.read() as conn:
        kinds = [a["kind"] for a in pending(conn)]
        told = [a["payload"].get("template") for a in pending(conn) if a["kind"] == "message.send"]
    assert "reward.revoke" in kinds and "reward_revoked" in told  # the inviter hears why
    bring(store, link, "b4", 100)
    assert rewards(store) == {3: "granted"}  # earned again with a fourth friend


def test_a_second_account_of_the_inviter_is_caught_when_the_accounts_merge(campaign):
    store, _bp, link = campaign
    phone = {"phone": "+86 138 0000 1111"}
    record(
        store,
        [Event("identity.verified", at(0), COMMUNITY, "bot", "v1", actor=wx("ann"), data=phone)],
    )
    bring(store, link, "ann-alt", 10)  # ann's second WeChat account scans her poster
    assert campaign_progress(store, COMMUNITY, "invite3", wx("ann"), now=at(20)).count == 1
    record(
        store,
        [
            Event(
                "identity.verified", at(30), COMMUNITY, "bot", "v2", actor=wx("ann-alt"), data=phone
            )
        ],
    )
    progress = campaign_progress(store, COMMUNITY, "invite3", wx("ann"), now=at(40))
    assert (progress.count, progress.uncounted) == (0, {wx("ann-alt"): "self_invite"})
    with store.read() as conn:
        cases = fraud_cases(conn, COMMUNITY)
    assert [(c["invitee"], c["reasons"], c["status"]) for c in cases] == [
        (wx("ann-alt"), ["duplicate_identity"], "review")
    ]
    with pytest.raises(InvalidEvent):
        review_case(store, COMMUNITY, cases[0]["case"], "review")  # not a verdict
    review_case(store, COMMUNITY, cases[0]["case"], "upheld", reason="her own second account")
    with pytest.raises(Conflict):
        review_case(store, COMMUNITY, cases[0]["case"], "upheld")  # twice
    with store.read() as conn:
        assert fraud_cases(conn, COMMUNITY)[0]["status"] == "upheld"
    review_case(store, COMMUNITY, cases[0]["case"], "overturned", reason="her sister's phone")
    assert campaign_progress(store, COMMUNITY, "invite3", wx("ann"), now=at(50)).count == 1


def test_an_operator_merge_revokes_at_once_and_an_unmerge_restores(campaign):
    from shequn.engine import identity

    store, _bp, link = campaign
    for n, who in enumerate(["b1", "b2", "b3"]):
        bring(store, link, who, n * 10)
    assert rewards(store) == {3: "granted"}
    identity.merge(store, wx("ann"), wx("b3"), now=at(40))  # b3 was ann all along
    assert rewards(store) == {3: "revoked"}
    with store.read() as conn:
        assert [c["reasons"] for c in fraud_cases(conn, COMMUNITY)] == [["duplicate_identity"]]
    identity.unmerge(store, wx("b3"), now=at(50))
    assert rewards(store) == {3: "granted"}


def test_imported_invitation_rings_are_flagged(campaign):
    store, _bp, _link = campaign
    invite = dict(channel="link", campaign="invite3")
    record(
        store,
        [
            Event(
                "member.invited",
                at(0),
                COMMUNITY,
                "import",
                "i1",
                group="main",
                actor=wx("ann"),
                subject=wx("bo"),
                data=invite,
            ),
            joined("bo", 1),
            Event(
                "member.invited",
                at(5),
                COMMUNITY,
                "import",
                "i2",
                group="main",
                actor=wx("bo"),
                subject=wx("ann"),
                data=invite,
            ),
        ],
    )
    with store.read() as conn:
        cases = fraud_cases(conn, COMMUNITY)
    assert [(c["inviter"], c["invitee"], c["score"], c["reasons"]) for c in cases] == [
        (wx("bo"), wx("ann"), 100, ["already_member", "ring"])
    ]


def test_strict_mode_blocks_bursts_and_they_do_not_count(store):
    fraud = '[fission.fraud]\nmode = "strict"\nburst_count = 3\nburst_minutes = 10\n'
    bp = loaded(store, group("main"), extra=fraud)
    record(store, [joined("ann", -100)])
    configure_campaign(store, COMMUNITY, INVITE3, now=at(-50))
    link = ensure_referral_link(store, bp, wx("ann"), campaign="invite3", now=at(-40))
    for n in range(4):
        bring(store, link, f"c{n}", n)  # four invitees within four minutes
    with store.read() as conn:
        cases = fraud_cases(conn, COMMUNITY)
    assert [(c["invitee"], c["status"]) for c in cases] == [(wx("c3"), "blocked")]
    assert rewards(store) == {3: "granted"}  # c0..c2 count; c3 is blocked
    review_case(store, COMMUNITY, cases[0]["case"], "overturned")
    assert campaign_progress(store, COMMUNITY, "invite3", wx("ann"), now=at(10)).count == 4


def test_settle_grants_once_invitees_have_stayed(store):
    bp = loaded(store, group("main"))
    record(store, [joined("ann", -100)])
    configure_campaign(store, COMMUNITY, INVITE3.model_copy(update={"stay_days": 2}), now=at(-50))
    link = ensure_referral_link(store, bp, wx("ann"), campaign="invite3", now=at(-40))
    for n in range(3):
        bring(store, link, f"d{n}", n)
    assert rewards(store) == {}
    settle(store, COMMUNITY, now=at(2 * 1440 + 10))
    assert rewards(store) == {3: "granted"}
    settle(store, COMMUNITY, now=at(3 * 1440))
    assert rewards(store) == {3: "granted"}


def test_commission_pays_two_levels_and_not_for_self_invites(store):
    bp = loaded(store, group("main"), extra="[fission]\ncommission = [0.1, 0.05]\n")
    record(store, [joined("ann", -100)])
    a = ensure_referral_link(store, bp, wx("ann"), now=at(-40))
    bring(store, a, "bob", 0)
    b = ensure_referral_link(store, bp, wx("bob"), now=at(5))
    bring(store, b, "cat", 10)
    pay = Event(
        "payment.made",
        at(20),
        COMMUNITY,
        "shop",
        "o-9",
        actor=wx("cat"),
        data={"amount": 199.0, "currency": "CNY"},
    )
    record(store, [pay, pay])  # delivered twice: paid once
    with store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT subject, data FROM events WHERE kind = 'commission.earned' ORDER BY subject"
        ).all()
    import json

    earned = [(s, json.loads(d) if isinstance(d, str) else d) for s, d in rows]
    assert [(s, d["amount"], d["level"]) for s, d in earned] == [
        (wx("ann"), 9.95, 2),
        (wx("bob"), 19.9, 1),
    ]


def _knock_many(url: str, codes: list[tuple[int, str]]) -> list[str]:
    """One worker's share of the newcomers (run in a thread or in another process)."""
    from shequn.store.db import Store

    with Store.open(url) as s:
        return [
            enter(s, COMMUNITY, Request(wx(f"n{n}"), link=code, at=at(n / 100), ref=f"k{n}"))[
                0
            ].status
            for n, code in codes
        ]


def _join_many(url: str, events: list[Event]) -> int:
    from shequn.store.db import Store

    with Store.open(url) as s:
        return record(s, events, batch_size=7).new


@pytest.mark.parametrize("workers", ["threads", "processes"])
def test_concurrent_joins_fill_groups_exactly_and_grant_each_reward_once(
    database_url, store, workers
):
    """200 newcomers at once, half through one live code, half through one member's
    referral link, from 8 threads or 4 processes: no group over capacity, every inviter count
    exact, each reward granted once."""
    import multiprocessing
    from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

    from shequn.engine.links import create_link
    from shequn.store.growth_queries import list_entries
    from shequn.store.seat_queries import seats

    bp = loaded(store, group("g1", capacity=70), group("g2", capacity=70), group("g3", capacity=50))
    record(
        store,
        [Event("member.joined", at(-100), COMMUNITY, "bot", "ann", group="g1", actor=wx("ann"))],
    )
    campaign = INVITE3.model_copy(update={"groups": ["g1", "g2", "g3"]})
    configure_campaign(store, COMMUNITY, campaign, now=at(-50))
    live = create_link(store, bp, purpose="live_code", groups=["g1", "g2", "g3"], now=at(-45))
    ref = ensure_referral_link(store, bp, wx("ann"), campaign="invite3", now=at(-40))
    n_workers = 8 if workers == "threads" else 4
    pool: Executor = (
        ThreadPoolExecutor(n_workers)
        if workers == "threads"
        else ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"))
    )
    codes = [(n, live.code if n % 2 else ref.code) for n in range(200)]
    with pool:
        shares = [codes[i::n_workers] for i in range(n_workers)]
        outcomes = [
            s for part in pool.map(_knock_many, [database_url] * n_workers, shares) for s in part
        ]
        assert outcomes.count("admitted") == 189 and outcomes.count("waitlisted") == 11  # 190 - ann
        with store.read() as conn:
            taken = {g: s.taken for g, s in seats(conn, COMMUNITY, ["g1", "g2", "g3"]).items()}
            admitted = [e for e in list_entries(conn, COMMUNITY) if e.status == "admitted"]
        assert taken == {"g1": 70, "g2": 70, "g3": 50}
        # the platform lets them in, from several workers; ann's newcomers count, each once
        joins = [joined(e.identity.split(":")[1], 200, e.group) for e in admitted]
        parts = [joins[i::n_workers] for i in range(n_workers)]
        assert sum(pool.map(_join_many, [database_url] * n_workers, parts)) == 189
    counted = campaign_progress(store, COMMUNITY, "invite3", wx("ann"), now=at(300)).count
    assert counted == sum(1 for e in admitted if int(e.identity.split(":n")[1]) % 2 == 0)
    assert rewards(store) == {3: "granted", 5: "granted"}
    with store.read() as conn:
        grants = conn.exec_driver_sql(
            "SELECT count(*) FROM events WHERE kind = 'reward.granted'"
        ).scalar()
    assert grants == 2


def test_rebuild_replays_entries_rewards_and_cases_exactly(campaign):
    from shequn.store.rebuild import rebuild, snapshot

    store, _bp, link = campaign
    for n, who in enumerate(["b1", "b2", "b3"]):
        bring(store, link, who, n * 10)
    record(store, [left("b3", 60)])
    ring = Event("member.invited", at(70), COMMUNITY, "import", "i2", group="main",
                 actor=wx("b1"), subject=wx("ann"), data={"campaign": "invite3"})  # fmt: skip
    record(store, [ring])
    with store.read() as conn:
        live = snapshot(conn)
    assert live["rewards"] and live["fraud_cases"] and live["links"] and live["entries"]
    rebuild(store)
    with store.read() as conn:
        assert snapshot(conn) == live

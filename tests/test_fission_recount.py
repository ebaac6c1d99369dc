"""A batch of joins re-counts its inviters once and writes their rewards together
(``engine/fission_recount.py``): a person's two links count for the person, rewarded once."""

from __future__ import annotations

from shequn.engine.campaigns import configure_campaign
from shequn.engine.decisions import Decision, engine_event
from shequn.engine.entry import Request, enter_many
from shequn.engine.fission_recount import Recount
from shequn.engine.links import ensure_referral_link
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.store.outbox import pending
from shequn.store.referral_queries import rewards_of
from shequn.store.rules_queries import events_by
from tests.growth_helpers import COMMUNITY, at, group, loaded, wx
from tests.test_fission import INVITE3, joined

PHONE = {"phone": "+86 138 0000 1111"}


def _one_person_two_links(store):
    bp = loaded(store, group("main"))
    record(store, [joined("ann", -100), joined("ann-alt", -99)])
    record(
        store,
        [
            Event(
                "identity.verified",
                at(-98),
                COMMUNITY,
                "bot",
                f"v-{who}",
                actor=wx(who),
                data=PHONE,
            )
            for who in ("ann", "ann-alt")
        ],
    )
    configure_campaign(store, COMMUNITY, INVITE3, now=at(-50))
    return [
        ensure_referral_link(store, bp, wx(who), campaign="invite3", now=at(-40))
        for who in ("ann", "ann-alt")
    ]


def knocked_and_joined(store):
    """ann's two links (one person), three knocks through them: b1 and b2 join, b3 does not."""
    mine, alt = _one_person_two_links(store)
    knocks = [("b1", mine), ("b2", alt), ("b3", mine)]
    enter_many(
        store,
        COMMUNITY,
        [Request(wx(w), link=ln.code, at=at(n), ref=f"k-{w}") for n, (w, ln) in enumerate(knocks)],
    )
    record(store, [joined("b1", 10), joined("b2", 11)])  # b3 knocked and never joined


def test_one_persons_two_keys_rewarded_once_when_one_batch_reaches_the_tier(store):
    mine, alt = _one_person_two_links(store)
    who = ["b1", "b2", "b3", "b4", "b5", "b6"]
    links = [mine, alt, mine, alt, mine, alt]
    knocks = zip(who, links, strict=True)
    requests = [
        Request(wx(w), link=ln.code, at=at(n), ref=f"k-{w}") for n, (w, ln) in enumerate(knocks)
    ]
    enter_many(store, COMMUNITY, requests)
    record(store, [joined(w, 10 + n) for n, w in enumerate(who)])  # one batch: both re-counted
    with store.read() as conn:
        grants = [e for _, e in events_by(conn, COMMUNITY, ["reward.granted"])]
        queued = pending(conn)
        notes = [a["payload"] for a in queued if a["kind"] == "message.send"]
        held = {k: rewards_of(conn, COMMUNITY, "invite3", wx(k)) for k in ("ann", "ann-alt")}
    assert sorted((e.subject, e.data["tier"]) for e in grants) == [(wx("ann"), 3), (wx("ann"), 5)]
    assert held == {"ann": {3: "granted", 5: "granted"}, "ann-alt": {3: "granted", 5: "granted"}}
    rewards = [(n["to"], n["reward"]) for n in notes if n["template"] == "reward"]
    assert rewards == [(wx("ann"), "black card"), (wx("ann"), "1:1 call")]
    told = [a for a in queued if a["payload"].get("template") == "reward"]
    assert [a["caused_by"] is not None for a in told] == [True, True]  # caused by its event


def test_a_reward_decided_mid_batch_counts_for_every_key_of_its_person(store):
    """A batch's inviters are identity keys, and two of them may be one person's: a tier
    granted to one key is held by the other from then on — what reading the rewards again
    would say — and an inviter who is someone else is left as they were. (The door's joins
    above credit one key per person, so this drives ``Recount`` directly.)"""
    _one_person_two_links(store)
    record(store, [joined("bob", -90)])
    keys = [wx("ann"), wx("ann-alt"), wx("bob")]
    grant = engine_event(
        "reward.granted",
        "reward:test:invite3:ann:3",
        COMMUNITY,
        wx("ann"),
        at(20),
        campaign="invite3",
        tier=3,
        reward="black card",
        invites=3,
    )
    with store.transaction() as conn:
        batch = Recount(conn, COMMUNITY, keys)
        assert batch.rewards("invite3", wx("ann-alt")) == {}
        batch.apply(Decision([grant]))
        held = {k: batch.rewards("invite3", wx(k)) for k in ("ann", "ann-alt", "bob")}
        batch.flush()
    assert held == {"ann": {3: "granted"}, "ann-alt": {3: "granted"}, "bob": {}}
    with store.read() as conn:  # the same as the store now says
        stored = {
            k: rewards_of(conn, COMMUNITY, "invite3", wx(k)) for k in ("ann", "ann-alt", "bob")
        }
    assert stored == held

"""Engagement and turning points of the simulation (P-ENG, P-MEA-3).

Red envelopes with their grabs (and the unclaimed dead-group test, seed 001 Q&A), monthly
sharing sessions announced days ahead with their burst of questions (seed 003), content
shared into groups, a group leader promoted from the talkers (seed 002), and the life-cycle
turning points: the start of a decline, and death with members drifting away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shequn.plan.sim_emit import TOPICS_EN, TOPICS_ZH

if TYPE_CHECKING:
    from shequn.plan.sim_groups import GroupState
    from shequn.plan.simulate import Simulator


def life_events(sim: Simulator, g: GroupState, age: int, day: int, act: float) -> None:
    """Turning points of the life cycle: decline starts, the group dies, the dead test."""
    rng, p, plan = sim.rng, sim.p, g.plan
    if age == plan.decline_day and plan.fate in ("declines", "dies"):
        for m in g.talkers:
            if m not in sim.staff and rng.random() < 0.6:
                sim.later(
                    day + 1 + rng.randrange(2 * int(p.decline_half_life_days)),
                    "quiet",
                    m,
                    g.index,
                )
    if act == 0 and g.recruiting and age > 0:
        g.recruiting = False
        for m in list(g.members):
            if m not in sim.staff and rng.random() < 0.6:
                sim.later(day + 1 + rng.randrange(60), "leave", m, g.index)
        g.died = age
    if g.died is not None and age == g.died + p.dead_test_after_days:
        t = sim.day0 + 20 * 3600.0
        sim.out.emit(
            t,
            "redenvelope.sent",
            g.slug,
            sim.members.key[sim.staff[0]],
            {
                "envelope": f"test-{g.slug}-{day}",
                "amount": 10.0,
                "count": 10,
                "purpose": "dead_group_test",
            },
        )


def share(sim: Simulator, g: GroupState, m: int, t: float) -> None:
    topic = sim.rng.choice(TOPICS_ZH if sim.lang == "zh" else TOPICS_EN)
    n = sim.out.n
    sim.out.emit(
        t,
        "content.shared",
        g.slug,
        sim.members.key[m],
        {"url": f"https://example.org/{g.slug}/{n}", "title": topic},
    )


def engage(sim: Simulator, g: GroupState, age: int, day: int, act: float, weekend: bool) -> None:
    """Red envelopes, monthly sharing sessions and promoting a group leader."""
    rng, p, mem = sim.rng, sim.p, sim.members
    if rng.random() < p.envelope_per_week / 7 * act:
        envelope(sim, g, day, weekend)
    if g.stage != "camp" and act >= 0.5 and age % p.session_every_days == 1 and age > 1:
        host = sim.staff[0]
        sid = f"{g.slug}-{day}"
        sim.out.emit(sim.at(weekend), "session.scheduled", g.slug, mem.key[host], {"session": sid})
        sim.later(day + p.session_notice_days, "session", host, g.index)
    if age == p.leader_after_days:
        talkers, _ = g.weights(mem)
        pool = [m for m in talkers if m not in sim.staff]
        if pool:
            best = max(pool, key=lambda m: mem.talk[m])
            sim.out.emit(
                sim.at(weekend),
                "role.changed",
                g.slug,
                mem.key[sim.staff[0]],
                {"role": "group_leader"},
                mem.key[best],
            )


def envelope(sim: Simulator, g: GroupState, day: int, weekend: bool) -> None:
    rng, mem = sim.rng, sim.members
    talkers, _ = g.weights(mem)
    sender = rng.choice(talkers) if talkers and rng.random() < 0.5 else sim.staff[0]
    count = sim.p.envelope_shares
    amount = float(rng.choice((5, 10, 20, 50)))
    t = sim.at(weekend)
    env = f"{g.slug}-{day}-{sim.out.n}"
    sim.out.emit(
        t,
        "redenvelope.sent",
        g.slug,
        mem.key[sender],
        {
            "envelope": env,
            "amount": amount,
            "count": count,
            "purpose": rng.choice(("reward", "celebration")),
        },
    )
    grabbers = rng.sample(talkers, min(count, len(talkers)))
    end = sim.day0 + 86_399.0
    for m in grabbers:
        share = round(amount / count * rng.uniform(0.2, 1.8), 2)
        sim.out.emit(
            min(t + rng.expovariate(1 / 90.0), end),
            "redenvelope.grabbed",
            g.slug,
            mem.key[m],
            {"envelope": env, "amount": share},
            mem.key[sender],
        )


def session_held(sim: Simulator, g: GroupState, host: int, day: int) -> None:
    """The session at 20:00 with a burst of questions the host answers (P-ENG-2/3)."""
    rng, mem = sim.rng, sim.members
    t = sim.day0 + 20 * 3600.0
    sid = f"{g.slug}-{day - sim.p.session_notice_days}"
    sim.out.emit(t, "session.held", g.slug, mem.key[host], {"session": sid})
    talkers, cum = g.weights(mem)
    if not talkers:
        return
    for who in rng.choices(talkers, cum_weights=cum, k=rng.randint(4, 10)):
        t += rng.expovariate(1 / 180.0)
        q = sim.out.emit(
            t,
            "message.posted",
            g.slug,
            mem.key[who],
            {"length": int(rng.lognormvariate(3.2, 0.6)) + 1, "is_question": True},
        )
        sim.say(g, host, t + rng.expovariate(1 / 120.0), length=150, reply_to=q)

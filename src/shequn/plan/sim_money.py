"""The monetization ladder and training camps of the simulation (P-MON-1/2, P-ENG-5).

Members climb the blueprint's ladder one paid step at a time (free drainage, low-price
entry, mid, high — seed 003's "free, low, mid, high, benefit sharing"); each step is a
``payment.made`` at the ladder's price. A low-price step buys a seat in the next camp cohort
when the blueprint has a camp group; the high step starts a yearly membership and opens the
senior group. Camps run in cohorts of ``camp_days`` with daily ``checkin.done`` that thin out
as people drop out — the completion rate the playbook measures (P-MEA-6).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from shequn.model.blueprint import TIERS, LadderStep

if TYPE_CHECKING:
    from shequn.plan.sim_groups import GroupState
    from shequn.plan.simulate import Simulator

_PAID = ("low", "mid", "high")


class Money:
    """Ladder steps, memberships and camp cohorts, driven by the :class:`Simulator`."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        ladder = sim.bp.realization.ladder
        self.steps: list[LadderStep] = sorted(
            (s for s in ladder if s.tier in _PAID and s.price is not None),
            key=lambda s: TIERS.index(s.tier),
        )
        p = sim.p
        rate = {"low": p.convert_low, "mid": p.convert_mid, "high": p.convert_high}
        self.rates = [rate[s.tier] for s in self.steps]
        self.membership = sim.bp.realization.model == "membership"
        self.queue: list[int] = []
        self.cohort: list[int] = []
        self.active: list[int] = []
        self.cohort_start = -1
        self.cohorts = 0

    def consider(self, m: int, k: int, day: int) -> None:
        """Maybe schedule the member's next ladder step ``k``."""
        sim = self.sim
        if k < len(self.steps) and sim.rng.random() < self.rates[k]:
            wait = 1 + int(sim.rng.expovariate(1 / sim.p.convert_after_days))
            sim.later(day + wait, "pay", m, -1)

    def step(self, what: str, m: int, day: int, weekend: bool) -> None:
        sim, mem = self.sim, self.sim.members
        if what == "pay" and mem.tier[m] < len(self.steps):
            k = mem.tier[m]
            s = self.steps[k]
            t = sim.at(weekend)
            paid = self.pay(m, s, t)
            mem.tier[m] = k + 1
            if s.tier == "low" and sim.camp is not None:
                self.queue.append(m)
            if s.tier == "high":
                if self.membership:
                    until = self.until(day)
                    sim.out.emit(
                        t + 1,
                        "membership.started",
                        None,
                        mem.key[m],
                        {"plan": s.name, "until": until, "payment": paid},
                    )
                    sim.later(day + sim.p.membership_days, "renew", m, -1)
                senior = sim.senior
                if senior is not None and day >= senior.opens and m not in senior.members:
                    sim.enter(senior, m, t + 60, "upgrade", None)
            self.consider(m, k + 1, day)
        elif what == "renew":
            s = next(x for x in self.steps if x.tier == "high")
            t = sim.at(weekend)
            if sim.rng.random() < sim.p.renewal_rate:
                paid = self.pay(m, s, t)
                sim.out.emit(
                    t + 1,
                    "membership.renewed",
                    None,
                    mem.key[m],
                    {"plan": s.name, "until": self.until(day), "payment": paid},
                )
                sim.later(day + sim.p.membership_days, "renew", m, -1)
            else:
                sim.out.emit(t, "membership.ended", None, mem.key[m], {"plan": s.name})

    def pay(self, m: int, s: LadderStep, t: float) -> str:
        """Emit the payment; its ``source_ref``, which the membership it pays for names."""
        sim, mem = self.sim, self.sim.members
        home = mem.home[m]
        data = {"amount": s.price, "currency": s.currency, "product": s.name, "tier": s.tier}
        group = sim.groups[home].slug if home >= 0 else None
        return sim.out.emit(t, "payment.made", group, mem.key[m], data)

    def until(self, day: int) -> str:
        start: date = self.sim.bp.community.start_date
        return (start + timedelta(days=day + self.sim.p.membership_days)).isoformat()

    def camp_day(self, camp: GroupState, day: int, weekend: bool) -> None:
        """Start a cohort every ``camp_every_days``; check-ins thin out; the cohort leaves."""
        sim, p, rng = self.sim, self.sim.p, self.sim.rng
        age = day - camp.opens
        if self.cohort and day - self.cohort_start == p.camp_days:
            for m in self.cohort:
                sim.leave(camp, m, sim.at(weekend))
            self.cohort, self.active = [], []
        if age % p.camp_every_days == 0 and camp.recruiting and not self.cohort:
            self.start_cohort(camp, day, weekend)
        if not camp.recruiting:  # a dead camp group: nobody checks in any more
            self.active = []
        if not self.active:
            return
        n = day - self.cohort_start + 1
        camp_id = f"{camp.slug}-{self.cohorts}"
        still = []
        for m in self.active:
            if rng.random() < p.camp_daily_dropout:
                continue
            still.append(m)
            if rng.random() < 0.9:
                sim.out.emit(
                    sim.at(weekend),
                    "checkin.done",
                    camp.slug,
                    sim.members.key[m],
                    {"camp": camp_id, "day": n},
                )
        self.active = still

    def start_cohort(self, camp: GroupState, day: int, weekend: bool) -> None:
        sim, p = self.sim, self.sim.p
        self.cohorts += 1
        self.cohort_start = day
        seats = max(0, round(p.camp_cohort * p.scale * camp.plan.size) - len(self.queue))
        low = next((s for s in self.steps if s.tier == "low"), None)
        cohort = []
        for m in self.queue:
            if m not in camp.members:
                sim.enter(camp, m, sim.at(weekend), "upgrade", None)
                cohort.append(m)
        self.queue = []
        for _ in range(seats):
            t = sim.at(weekend)
            new = sim.join(camp, day, weekend, channel=sim.pick_channel(), t=t)
            if new is None:
                break
            if low is not None:
                sim.members.tier[new] = 1
                self.pay(new, low, t - 120)
            cohort.append(new)
        self.cohort, self.active = cohort, list(cohort)

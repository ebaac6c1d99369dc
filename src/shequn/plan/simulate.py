"""The community simulator (P-PLAN-1): a blueprint in, a realistic event log out.

``simulate(blueprint, params, days=…, seed=…)`` runs an agent-based model of the community
the blueprint describes and yields canonical :class:`Event`\\ s, lazily and in time order,
one simulated day at a time. Members are a few numbers each (talkativeness, home group,
ladder step), so memory stays flat however long the run. The model follows the seeds:
recruitment waves of 20 through the blueprint's channels, fission by a few members who invite
three, a daily rhythm with the 20:00-22:30 peak, a heavy tail of talkers, questions and
answers, chatter bursts, red envelopes, camps with decaying check-ins, the monetization
ladder, and per-group life cycles in which most groups eventually die. Every number is a
:class:`SimParams` field; ``docs/simulate.md`` explains them.

Same blueprint, params, days and seed => the identical stream (one seeded RNG, fixed order).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from shequn.model.blueprint import Blueprint
from shequn.model.events import Event
from shequn.plan.sim_emit import EMOJI, DayBuffer, display_name
from shequn.plan.sim_engage import engage, life_events, session_held, share
from shequn.plan.sim_groups import GroupState, Members, activity, draw_plan
from shequn.plan.sim_money import Money
from shequn.plan.sim_params import HOURS_WEEKDAY, HOURS_WEEKEND, SimParams, sim_params

__all__ = ["SimParams", "simulate"]

_HOURS = tuple(range(24))
_CUM_WEEKDAY = list(accumulate(HOURS_WEEKDAY))
_CUM_WEEKEND = list(accumulate(HOURS_WEEKEND))
_CHANNEL_WORD = {"content": "qr", "offline": "offline", "paid": "paid_ad", "free": "link"}


def simulate(
    blueprint: Blueprint,
    params: SimParams | None = None,
    *,
    days: int,
    seed: int,
    validate: bool = False,
) -> Iterator[Event]:
    """Yield the simulated log of ``days`` days from the blueprint's ``start_date``.

    ``params`` default to the blueprint's own (:func:`~shequn.plan.sim_params.sim_params`:
    its ``[plan]``, planned life and wave sizes).

    ``validate=True`` builds every event through the validating constructor (about half the
    speed; the default templates are checked by the test suite instead).
    """
    sim = Simulator(blueprint, params or sim_params(blueprint), seed=seed, validate=validate)
    for day in range(days):
        yield from sim.run_day(day)


class Simulator:
    """The model's state and its daily step; :func:`simulate` is the way to use it."""

    def __init__(
        self, bp: Blueprint, params: SimParams, *, seed: int, validate: bool = False
    ) -> None:
        self.bp, self.p = bp, params
        life = params.life_days or bp.plan.life_days(bp.community.planned_life_months)
        self.rng = random.Random(seed)  # noqa: S311  # a repeatable simulation, not secrets
        self.zone = ZoneInfo(bp.community.timezone)
        self.lang = bp.community.language
        self.out = DayBuffer(bp.community.slug, f"sim:{seed}", validate=validate)
        self.members = Members()
        self.todo: dict[int, list[tuple[str, int, int]]] = {}
        self.groups = [
            GroupState(g.slug, g.stage, g.capacity, i, draw_plan(self.rng, params, g.slug, i, life))
            for i, g in enumerate(bp.groups)
        ]
        self.wave_sizes = [params.wave_size or g.entry.wave_size for g in bp.groups]
        """Recruitment waves per group: ``[plan]`` wave_size, else the group's entry's."""
        self.camp = next((g for g in self.groups if g.stage == "camp"), None)
        self.senior = next((g for g in self.groups if g.stage == "senior"), None)
        channels = bp.channels
        self.free_channels = [c for c in channels if c.kind != "paid"] or list(channels)
        self.paid_channels = [c for c in channels if c.kind == "paid"]
        self.money = Money(self)
        w = self.p.talk_sigma
        self.mean_talk = math.exp(w * w / 2)
        staff = [bp.people.founder, *bp.people.managers]
        self.staff = [self.members.add(name, 0.0, -1) for name in staff]
        self.day0 = 0.0
        self.staff_ready = False
        self.lengths = [int(self.rng.lognormvariate(3.0, 0.9)) + 1 for _ in range(512)]
        """Message lengths, drawn once: a table lookup is ten times cheaper than a draw."""

    # --- time -----------------------------------------------------------------------
    def at(self, weekend: bool) -> float:
        """A moment of the current day drawn from the daily rhythm."""
        cum = _CUM_WEEKEND if weekend else _CUM_WEEKDAY
        hour = self.rng.choices(_HOURS, cum_weights=cum)[0]
        return self.day0 + (hour + self.rng.random()) * 3600.0

    def later(self, day: int, what: str, member: int, group: int) -> None:
        self.todo.setdefault(day, []).append((what, member, group))

    # --- the day --------------------------------------------------------------------
    def run_day(self, day: int) -> list[Event]:
        start = self.bp.community.start_date + timedelta(days=day)
        self.day0 = datetime.combine(start, time(), tzinfo=self.zone).timestamp()
        weekend = start.weekday() >= 5
        for what, m, gi in self.todo.pop(day, []):
            self.do(what, m, self.groups[gi] if gi >= 0 else None, day, weekend)
        for g in self.groups:
            if day < g.opens:
                continue
            age = day - g.opens
            if age == 0:
                self.open_group(g, weekend)
            act = activity(self.p, g, age)
            life_events(self, g, age, day, act)
            self.recruit(g, age, day, act, weekend)
            if act > 0:
                self.talk(g, act, weekend)
                engage(self, g, age, day, act, weekend)
        if self.camp is not None and day >= self.camp.opens:
            self.money.camp_day(self.camp, day, weekend)
        return self.out.flush()

    def do(self, what: str, m: int, g: GroupState | None, day: int, weekend: bool) -> None:
        mem, p = self.members, self.p
        if what == "quiet":
            mem.quiet[m] = True
            for grp in self.groups:
                grp.dirty = True
            if self.rng.random() < p.quiet_leave_share:
                self.later(
                    day + 1 + int(self.rng.expovariate(1 / p.leave_after_quiet_days)),
                    "leave",
                    m,
                    mem.home[m],
                )
        elif what == "leave" and g is not None:
            self.leave(g, m, self.at(weekend))
        elif what == "invite" and g is not None and m in g.members and g.recruiting:
            self.join(g, day, weekend, channel="invite", inviter=m)
        elif what == "session" and g is not None:
            session_held(self, g, m, day)
        else:
            self.money.step(what, m, day, weekend)

    # --- membership -----------------------------------------------------------------
    def open_group(self, g: GroupState, weekend: bool) -> None:
        """Staff join first; the founder's and managers' roles are set on the first opening."""
        t = self.day0 + 9 * 3600.0
        for i, m in enumerate(self.staff):
            self.enter(g, m, t + i, "founder" if i == 0 else "manager", None)
            if not self.staff_ready:
                role = "owner" if i == 0 else "manager"
                self.out.emit(
                    t + i + 0.5, "role.changed", None, None, {"role": role}, self.members.key[m]
                )
        self.staff_ready = True
        self.say(g, self.staff[0], t + 60, length=120)

    def join(
        self,
        g: GroupState,
        day: int,
        weekend: bool,
        *,
        channel: str,
        inviter: int | None = None,
        t: float | None = None,
    ) -> int | None:
        """A newcomer joins ``g``: their traits are drawn and their future is scheduled."""
        if len(g.members) >= g.capacity:
            return None
        rng, p, mem = self.rng, self.p, self.members
        talk = 0.0 if rng.random() < p.lurker_share else rng.lognormvariate(0.0, p.talk_sigma)
        m = mem.add(display_name(rng, self.lang), talk, g.index)
        t = self.at(weekend) if t is None else t
        if inviter is not None:
            self.out.emit(
                t - 30, "member.invited", g.slug, mem.key[inviter], {"channel": "link"}, mem.key[m]
            )
        self.enter(g, m, t, channel, inviter)
        if talk > 0:
            self.later(day + 1 + int(rng.expovariate(1 / p.engaged_days)), "quiet", m, g.index)
        if rng.random() < p.inviter_share:
            for _ in range(_poisson(rng, p.invites_per_inviter * p.invitee_conversion)):
                self.later(day + rng.randint(1, p.invite_window_days), "invite", m, g.index)
        self.money.consider(m, 0, day)
        return m

    def enter(self, g: GroupState, m: int, t: float, channel: str, inviter: int | None) -> None:
        mem = self.members
        data: dict[str, object] = {"channel": channel, "actor_name": mem.name[m]}
        if inviter is not None:
            data["inviter"] = mem.key[inviter]
        self.out.emit(t, "member.joined", g.slug, mem.key[m], data)
        g.members[m] = None
        if mem.talk[m] > 0:
            g.talkers.append(m)
            g.dirty = True

    def leave(self, g: GroupState, m: int, t: float) -> None:
        if m in g.members:
            del g.members[m]
            g.dirty = True
            self.out.emit(t, "member.left", g.slug, self.members.key[m], {})

    def recruit(self, g: GroupState, age: int, day: int, act: float, weekend: bool) -> None:
        """Waves of ``wave_size`` while the group grows (P-IN-3), a trickle afterwards."""
        p, rng = self.p, self.rng
        if not g.recruiting or g.stage in ("camp", "senior"):
            return
        size = p.scale * g.plan.size
        if age < p.growth_days and age % p.wave_every_days == 0 and act >= 0.5:
            n = _round(rng, self.wave_sizes[g.index] * size)
        elif act >= 0.5:
            n = _poisson(rng, p.trickle_per_week / 7 * size * act)
        else:
            return
        if n == 0:
            return
        t = self.at(weekend)
        channel = self.pick_channel()
        for i in range(n):
            if self.join(g, day, weekend, channel=channel, t=t + i * 7.0) is None:
                break
        welcomer = self.staff[rng.randrange(len(self.staff))]
        self.say(g, welcomer, t + n * 7.0 + 60, length=80)  # one welcome speech per wave

    def pick_channel(self) -> str:
        rng = self.rng
        pool = self.paid_channels if rng.random() < self.p.paid_channel_share else []
        pool = pool or self.free_channels
        return rng.choice(pool).name if pool else "link"

    # --- talk -----------------------------------------------------------------------
    def say(
        self, g: GroupState, m: int, t: float, *, length: int, reply_to: str | None = None
    ) -> str:
        data: dict[str, object] = {"length": length}
        if reply_to is not None:
            data["reply_to"] = reply_to
        return self.out.emit(t, "message.posted", g.slug, self.members.key[m], data)

    def talk(self, g: GroupState, act: float, weekend: bool) -> None:
        """The day's messages: a Poisson count, authors by talkativeness, times by rhythm.

        The hot loop of the generator: draws are plain ``random()`` calls and table lookups,
        and rows go straight into the day buffer."""
        rng, p, key = self.rng, self.p, self.members.key
        talkers, cum = g.weights(self.members)
        if not talkers:
            return
        wk = p.weekend_factor if weekend else 1.0
        lam = p.messages_per_talker_day * cum[-1] / self.mean_talk * act * wk
        n = _poisson(rng, lam)
        authors = rng.choices(talkers, cum_weights=cum, k=n)
        hours = rng.choices(_HOURS, cum_weights=_CUM_WEEKEND if weekend else _CUM_WEEKDAY, k=n)
        rnd, d0 = rng.random, self.day0
        times = [d0 + (h + rnd()) * 3600.0 for h in hours]
        if n and rnd() < p.burst_chance * act:  # a chatter burst among a few (P-RUL-3)
            few = rng.choices(talkers, cum_weights=cum, k=rng.randint(3, 6))
            t = times[0]
            for _ in range(_round(rng, p.burst_size * (0.5 + rnd()))):
                t += rng.expovariate(1 / 40.0)
                times.append(t)
                authors.append(few[int(rnd() * len(few))])
        end = d0 + 86_399.0
        out, slug, recent = self.out, g.slug, g.recent
        rows, seq = out.rows, out.n
        lengths, nlen = self.lengths, len(self.lengths)
        q_share, r_share, link, media = (
            p.question_share,
            p.question_share + p.reply_share,
            p.link_share,
            1 - p.media_share,
        )
        answer, react, shares = p.answer_rate, p.reaction_rate, p.share_rate
        delay = p.answer_delay_minutes * 60
        total, last, pick = cum[-1], len(cum) - 1, bisect_right
        for t, m in sorted(zip(times, authors, strict=True)):
            t = min(t, end)
            data: dict[str, object] = {"length": lengths[int(rnd() * nlen)]}
            r = rnd()
            question = r < q_share
            if question:
                data["is_question"] = True
            elif recent and r < r_share:
                data["reply_to"] = recent[int(rnd() * len(recent))]
            r = rnd()
            if r < link:
                data["has_link"] = True
            elif r > media:
                data["has_media"] = True
            seq += 1
            ref = f"e{seq}"
            author = key[m]
            rows.append((t, seq, "message.posted", slug, author, None, ref, data))
            recent.append(ref)
            if len(recent) > 12:
                del recent[0]
            if question and rnd() < answer:
                who = talkers[pick(cum, rnd() * total, 0, last)]
                if who != m:
                    seq += 1
                    at = min(t - math.log(1.0 - rnd()) * delay, end)
                    reply = {"length": lengths[int(rnd() * nlen)] * 2, "reply_to": ref}
                    rows.append((at, seq, "message.posted", slug, key[who], None, f"e{seq}", reply))
            if rnd() < react:
                for _ in range(1 + int(rnd() * 3)):
                    who = talkers[pick(cum, rnd() * total, 0, last)]
                    seq += 1
                    at = min(t - math.log(1.0 - rnd()) * 300.0, end)
                    emoji = EMOJI[int(rnd() * len(EMOJI))]
                    rows.append(
                        (
                            at,
                            seq,
                            "message.reacted",
                            slug,
                            key[who],
                            author,
                            f"e{seq}",
                            {"message": ref, "emoji": emoji},
                        )
                    )
            if rnd() < shares:
                out.n = seq
                share(self, g, m, t + 1)
                seq = out.n
        out.n = seq

    # --- engagement -----------------------------------------------------------------


def _poisson(rng: random.Random, lam: float) -> int:
    """Poisson draw: Knuth for small means, a rounded normal for large ones."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _round(rng: random.Random, x: float) -> int:
    """Stochastic rounding, so ``scale=0.3`` still means 30% of the members on average."""
    whole = int(x)
    return whole + (1 if rng.random() < x - whole else 0)

"""The conditions of the diagnosis rules (``plan/diagnose.py``): pure functions of a group's
measured facts and a rule's parameters, each returning a :class:`Hit` (why, evidence, the
members named, how to act) or ``None``.

Kept apart from the rule table so each can be tested with plain values, and so the table
reads as the playbook's advice rather than as code. Every reason is ``Said``: the reader's
language is chosen where it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from shequn.analytics.money import TIERS
from shequn.model.blueprint_growth import DEFAULT_INVITES_TO_UNLOCK
from shequn.model.i18n import Said
from shequn.plan import acts
from shequn.plan.facts import GroupFacts, Hit


def _mean(xs: list[int]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def _since(f: GroupFacts, days: int) -> date:
    """First day of the ``days``-day window ending with the as-of day."""
    return f.as_of - timedelta(days=int(days) - 1)


def _dau(f: GroupFacts, recent_days: int, baseline_days: int) -> tuple[float, float]:
    """Mean DAU over the last ``recent_days`` and over the ``baseline_days`` before them."""
    recent_from = _since(f, recent_days)
    base_from = recent_from - timedelta(days=int(baseline_days))
    recent = _mean([d.dau for d in f.days if d.day >= recent_from])
    return recent, _mean([d.dau for d in f.days if base_from <= d.day < recent_from])


def retire(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    life, ev = f.life, {"stage": f.life.stage, "age_days": f.life.age_days}
    ev |= {"members": life.members, "days_silent": life.evidence.get("days_silent")}
    if life.stage == "dead" and life.age_days >= p["min_age_days"]:
        big = life.members >= p["merge_members"]
        how = Said("merge its members into a living group") if big else Said("retire it")
        return Hit(Said("dead: {why}; {how}", why=life.reason, how=how), ev)
    if life.stage == "declining" and life.age_days >= p["life_days"]:
        return Hit(
            Said("{days} days old and declining: the life cycle is ending", days=life.age_days),
            ev,
        )
    return None


def activate(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    rule, life = f.life.seven_day_rule, f.life
    first7 = life.evidence.get("first_7_days", {})
    needs = life.evidence.get("seven_day_rule_needs", {})
    ev = {"seven_day_rule": rule, "age_days": life.age_days, "first_7_days": first7}
    if rule == "pending" or (rule == "failed" and life.age_days <= p["within_days"]):
        why = Said(
            "{days}-day rule {verdict}: {events} real events by {people} person(s) in the "
            "first {days} days (needs ≥ {need_events} by ≥ {need_people})",
            days=needs.get("days"),
            verdict=Said(rule),
            events=first7.get("events", 0),
            people=first7.get("people", 0),
            need_events=needs.get("events"),
            need_people=needs.get("people"),
        )
        return Hit(why, ev)
    return None


def red_envelope(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    if f.life.stage == "dead" or not f.days:
        return None
    recent, baseline = _dau(f, p["recent_days"], p["baseline_days"])
    ev = {"dau_recent": round(recent, 2), "dau_baseline": round(baseline, 2)}
    if baseline >= p["min_baseline_dau"] and recent <= p["drop_ratio"] * baseline:
        why = Said(
            "DAU {before} → {now} (last {days} days): test with a red envelope before it dies",
            before=format(baseline, ".1f"),
            now=format(recent, ".1f"),
            days=p["recent_days"],
        )
        return Hit(why, ev, act=acts.envelope_test(f.group))
    return None


def damp_chatter(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    start = _since(f, p["window_days"])
    mixes = [m for m in f.talk if m.period_start >= start]
    messages, chatter = sum(m.messages for m in mixes), sum(m.chatter for m in mixes)
    share = chatter / messages if messages else 0.0
    alerts = [a for a in f.alerts if a.hour.date() >= start]
    keys = {x.person for x in f.leaders[: int(p["key_members"])]}
    quieting = sorted((keys & f.at_risk) | {q for a in alerts for q in a.quieting_key_members})
    ev = {
        "chatter_share": round(share, 4),
        "messages": messages,
        "over_activity_hours": len(alerts),
        "quieting_key_members": quieting,
    }
    noisy = messages >= p["min_messages"] and share >= p["chatter_share"]
    if alerts or (noisy and len(quieting) >= p["min_quieting"]):
        why = Said(
            "{share} of {messages} messages are chatter, {hours} over-active hours, "
            "{quieting} key members going quiet",
            share=format(share, ".0%"),
            messages=messages,
            hours=len(alerts),
            quieting=len(quieting),
        )
        return Hit(why, ev, quieting)
    return None


def session(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    gap = (f.as_of - f.last_session).days if f.last_session else None
    open_qs = [d for d in f.unanswered if d >= _since(f, p["window_days"])]
    ev = {
        "last_session": f.last_session.isoformat() if f.last_session else None,
        "days_since_session": gap,
        "unanswered_questions": len(open_qs),
    }
    if (gap is None or gap >= 7 * p["weeks"]) and len(open_qs) >= p["min_unanswered"]:
        why = (
            Said(
                "no session in {days} days; {open} questions unanswered",
                days=gap,
                open=len(open_qs),
            )
            if gap is not None
            else Said("no session ever; {open} questions unanswered", open=len(open_qs))
        )
        return Hit(why, ev, act=acts.plan_session(f.group, f.as_of + timedelta(p["lead_days"])))
    return None


def promote(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    top = f.leaders[: int(p["within_rank"])]
    picks = [
        x for x in top if not x.has_role and x.score >= p["min_score"] and x.person not in f.at_risk
    ]
    if not picks:
        return None
    chosen = picks[: int(p["max_targets"])]
    ev = {x.person: {"rank": x.rank, "score": x.score, **x.evidence} for x in chosen}
    why = Said(
        "{person} is key behaviour leader #{rank} (score {score}) with no role",
        person=chosen[0].person,
        rank=chosen[0].rank,
        score=format(chosen[0].score, "g"),
    )
    return Hit(why, ev, [x.person for x in chosen])


def offers(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    active_from, quiet_from = _since(f, p["active_days"]), _since(f, p["cooldown_days"])
    ready = [
        x
        for x in f.positions
        if x.tier in p["from_tiers"]
        and TIERS.index(x.tier) + 1 < len(TIERS)
        and x.last_active >= active_from
        and (x.last_offer is None or x.last_offer < quiet_from)
    ]
    if len(ready) < p["min_ready"]:
        return None
    by_tier: dict[str, int] = {}
    for x in ready:
        by_tier[x.tier] = by_tier.get(x.tier, 0) + 1
    steps = {r.tier: r.rate for r in f.ladder if r.rate is not None}
    ev = {"ready_by_tier": by_tier, "ladder_step_rates": steps}
    why = Said(
        "{ready} active members ready for the next rung: offer privately, one by one, "
        "not in the group",
        ready=len(ready),
    )
    return Hit(why, ev, sorted(x.person for x in ready), act=acts.plan_offers())


def referral(f: GroupFacts, p: Mapping[str, Any]) -> Hit | None:
    row, life = f.funnel, f.life
    before, now = life.evidence.get("members_window_ago", 0), life.members
    growth = (now - before) / before if before else None
    rate = row.retention_rate if row is not None else None
    base = row.retention_base if row is not None else 0
    ev = {
        "retention_rate": rate,
        "retention_base": base,
        "members": now,
        "members_window_ago": before,
        "growth": None if growth is None else round(growth, 4),
        "referral_rate": row.referral_rate if row is not None else None,
    }
    recent, baseline = _dau(f, 7, 28)
    ev["dau_recent_vs_baseline"] = round(recent / baseline, 4) if baseline else None
    healthy = rate is not None and base >= p["min_base"] and rate >= p["min_retention"]
    holding = baseline > 0 and recent >= p["min_dau_ratio"] * baseline
    flat = growth is not None and growth <= p["max_growth"]
    if healthy and holding and flat and life.stage in ("active", "rapid_growth"):
        why = Said(
            "week-4 retention {rate} but members {before} → {now}: ask members to invite "
            "(unlock a reward at {invites})",
            rate=format(rate, ".0%"),
            before=before,
            now=now,
            invites=DEFAULT_INVITES_TO_UNLOCK,
        )
        return Hit(why, ev)
    return None


__all__ = [
    "activate",
    "damp_chatter",
    "offers",
    "promote",
    "red_envelope",
    "referral",
    "retire",
    "session",
]

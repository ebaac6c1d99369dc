"""Pure entry decisions (P-IN-1, P-IN-3, P-IN-4): who may enter which group, and when.

A newcomer knocks (follows a link, enters a code, applies); :func:`decide_entry` looks at what
the engine knows — the link, the seats left, the group's thresholds, the newcomer's profile and
earlier entries — and returns the events and actions. No database, no clock: the caller
(``engine/entry.py``) reads the state inside the deciding transaction and applies the result.

Outcomes (``entry.decided``): *admitted* (may join now; a ``member.admit`` action asks the
platform to let them in), *queued* (approved; waits for the next wave, seat held), *pending*
(a gate is not passed yet — task, payment, judges — with the gates listed), *rejected* (with
the reason, and a message to the newcomer), *waitlisted* (every group of the link is full; the
newcomer is told, and a ``group.create`` action asks for the next group, once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shequn.engine.decisions import Decision
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_growth import Entry
from shequn.model.entities import EntryState, Link, Profile
from shequn.model.events import Event
from shequn.model.i18n import Said, said_payload
from shequn.model.orders import collect, payment_request
from shequn.store.seat_queries import Seats

THROUGH = ("queued", "admitted", "joined")
"""Statuses that mean the newcomer is already in (or holds a seat): knocking again is a no-op."""


@dataclass(frozen=True, slots=True)
class Request:
    """One newcomer knocking: through ``link`` (a code) or applying to ``group``."""

    identity: str
    link: str | None = None
    group: str | None = None
    answers: dict[str, Any] | None = None
    ref: str | None = None  # the platform's id of the knock, for idempotency
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Knock:
    """A newcomer at the door: through ``link``, or applying to ``group`` directly."""

    identity: str
    at: datetime
    ref: str
    source: str = "engine"
    link: Link | None = None
    group: str | None = None
    answers: dict[str, Any] | None = None
    fresh: bool = True  # False when the engine reconsiders a pending entry (no new knock)


@dataclass(frozen=True, slots=True)
class DoorView:
    """What the engine knows when deciding on one knock."""

    blueprint: Blueprint
    seats: dict[str, Seats]
    entries: dict[str | None, EntryState] = field(default_factory=dict)
    profile: Profile | None = None
    invited: int = 0  # people the newcomer brought who joined (task ``invited:N``)
    overflow_requested: bool = False
    active_in: frozenset[str] = frozenset()  # groups the newcomer is an active member of


def entry_config(blueprint: Blueprint, group: str) -> Entry:
    """The entry settings of ``group`` (defaults for a group the blueprint lacks).

    A knock asks this some eighty times, so each blueprint's groups are indexed by slug once
    (blueprints are frozen; the index holds the blueprint, so its ``id`` cannot be reused)."""
    found = _ENTRIES.get(id(blueprint))
    if found is None or found[0] is not blueprint:
        if len(_ENTRIES) >= 64:
            _ENTRIES.clear()
        found = _ENTRIES[id(blueprint)] = (blueprint, {g.slug: g.entry for g in blueprint.groups})
    entry = found[1].get(group)
    return entry if entry is not None else Entry()


_ENTRIES: dict[int, tuple[Blueprint, dict[str, Entry]]] = {}


def pick_group(groups: tuple[str, ...], seats: dict[str, Seats], fill: str) -> str | None:
    """A group of ``groups`` with a free seat: the first listed, or (``least_full``) the one
    with the most room left; ``None`` when all are full. Unknown groups are skipped."""
    least_full = fill == "least_full"
    best, most = None, -1.0
    for g in groups:  # one pass: a live code over many groups is asked this on every knock
        s = seats.get(g)
        if s is None:
            continue
        if s.capacity is None:
            room = _UNLIMITED
        else:
            free = s.capacity - s.taken
            if free <= 0:
                continue
            room = free / s.capacity  # a free seat means a capacity of one or more
        if not least_full:
            return g
        if room > most:  # ties keep the first listed
            best, most = g, room
    return best


_UNLIMITED = float("inf")


def decide_entry(k: Knock, view: DoorView) -> Decision:
    """Pure: the decision on one knock (see the module docstring for the outcomes)."""
    bp = view.blueprint
    link = k.link
    candidates = (k.group,) if k.group else link.groups if link is not None else ()
    if not candidates:
        raise ValueError(Said("give a link (code) or a group to enter"))
    for g in candidates:
        prior = view.entries.get(g)
        if (prior is not None and prior.status in THROUGH) or g in view.active_in:
            return Decision.none()  # already in: a second scan of the code changes nothing
    d = _Draft(k, bp.community.slug)
    if k.fresh:
        d.requested(k.group)  # through a link the group is not known yet
    problem = _link_problem(link, k.at) if k.fresh else None
    if problem:
        return d.decide("rejected", problem, group=candidates[0])
    fill = link.fill if link is not None else "in_order"
    group = _direct(k, view) if k.group else pick_group(candidates, view.seats, fill)
    if group is None:
        d.invited(candidates[-1])
        full = Said("every group of the link is full ({groups})", groups=", ".join(candidates))
        d.decide("waitlisted", full)
        if not view.overflow_requested and link is not None:
            d.act("group.create", None, template=candidates[-1], link=link.code,
                  suggested_slug=next_slug(candidates[-1]))  # fmt: skip
        return d.result()
    d.invited(group)
    return _gates(d, k, view, group)


def next_slug(slug: str) -> str:
    """``city-2`` → ``city-3``; ``main`` → ``main-2``: a name for the group to open next."""
    base, sep, n = slug.rpartition("-")
    return f"{base}-{int(n) + 1}" if sep and n.isdigit() else f"{slug}-2"


def _direct(k: Knock, view: DoorView) -> str | None:
    assert k.group is not None  # noqa: S101
    seat = view.seats.get(k.group)
    if seat is not None and seat.free == 0:
        return None
    return k.group


def _link_problem(link: Link | None, at: datetime) -> str | None:
    if link is None:
        return None
    if link.expires_at is not None and at > link.expires_at:
        when = format(link.expires_at, "%Y-%m-%d %H:%M")
        return Said("the link expired on {when} UTC", when=when)
    if link.max_uses is not None and link.uses >= link.max_uses:
        return Said("the code was used {uses} times, its limit", uses=link.uses)
    return None


def _gates(d: _Draft, k: Knock, view: DoorView, group: str) -> Decision:
    """Check the group's thresholds in order; the first hard failure rejects, soft ones wait."""
    cfg = entry_config(view.blueprint, group)
    profile = view.profile or Profile(k.identity)
    waiting: list[str] = []
    for gate in cfg.gates:
        if gate == "code" and (k.link is None or k.link.purpose != "code"):
            return d.decide("rejected", Said("this group needs an invitation code"), group)
        if gate == "task" and not _task_done(cfg.task or "", profile, view.invited):
            waiting.append(f"task:{cfg.task}")
        if gate == "payment" and profile.paid + 1e-9 < cfg.fee:
            waiting.append(f"payment:{cfg.fee:g} {cfg.currency}")
        if gate == "application":
            entry = view.entries.get(group)
            approvals = entry.approvals if entry else 0
            rejections = entry.rejections if entry else 0
            if rejections > cfg.judges - cfg.approvals:
                reasons = "; ".join(
                    str(r.get("reason") or "") for r in (entry.reviews if entry else ())
                )
                why = Said(
                    "the judges rejected the application ({rejections} of {judges})",
                    rejections=rejections,
                    judges=cfg.judges,
                )
                if reasons.strip("; "):  # the judges' own words, as they wrote them
                    why = Said("{why}: {words}", why=why, words=reasons)
                return d.decide("rejected", why, group)
            if approvals < cfg.approvals:
                waiting.append(f"application:{approvals}/{cfg.approvals}")
        if gate == "camp" and cfg.camp is not None:
            camp = view.entries.get(cfg.camp)
            if camp is None or camp.status != "graduated":
                if waiting:
                    break  # the camp comes after the other gates
                return _to_camp(d, k, view, group, cfg)
    if waiting:
        return _pending(d, k, view, group, cfg, waiting)
    why = Said("every threshold passed") if cfg.gates else Said("open group")
    return _admit(d, view, group, cfg, why)


def _waiting(gates: list[str]) -> Said:
    """The gates still to pass, as the codes the event's ``gates`` holds (``task:poster``)."""
    return Said("waiting for {gates}", gates=", ".join(gates))


def _task_done(task: str, profile: Profile, invited: int) -> bool:
    if task.startswith("invited:"):
        return invited >= int(task.split(":", 1)[1] or 0)
    return task in profile.tasks


def _pending(
    d: _Draft, k: Knock, view: DoorView, group: str, cfg: Entry, waiting: list[str]
) -> Decision:
    before = view.entries.get(group)
    if before is not None and before.status == "pending" and not k.fresh:
        if list(before.gates) == waiting:
            return Decision.none()  # reconsidered, still waiting for the same: nothing new
        d.decide("pending", _waiting(waiting), group, gates=waiting)
        return d.result()  # progress (a judge approved, a task done): no new requests
    d.decide("pending", _waiting(waiting), group, gates=waiting)
    for gate in waiting:
        kind, _, detail = gate.partition(":")
        if kind == "task":
            d.act("message.send", group, to=k.identity, template="task", group=group, task=detail)
        elif kind == "payment":
            _ask_to_pay(d, k.identity, view.blueprint, group, cfg)
        elif kind == "application" and (before is None or before.status != "pending"):
            d.act(
                "application.review",
                group,
                applicant=k.identity,
                judges=cfg.judges,
                approvals=cfg.approvals,
                answers=k.answers or {},
            )
    return d.result()


def _ask_to_pay(d: _Draft, identity: str, bp: Blueprint, group: str, cfg: Entry) -> None:
    """The newcomer hears the fee; with no payment link or order to give them (no provider,
    or no product opens the group) an operator collects it by hand (a ``payment.collect``
    task), so the request is never a dead end."""
    fee = {"amount": cfg.fee, "currency": cfg.currency, "deposit": cfg.deposit}
    pay = payment_request(bp, group, identity, cfg.fee, cfg.currency)
    d.act("payment.request", group, to=identity, template="payment", group=group, **fee, **pay)
    if pay["order"] is None:
        record = collect(bp, group, identity, cfg.fee, cfg.currency)
        d.act("payment.collect", group, to=identity, group=group, record=record, **fee)


def _to_camp(d: _Draft, k: Knock, view: DoorView, group: str, cfg: Entry) -> Decision:
    """Not graduated yet: the newcomer goes to the preparatory camp first (P-IN-1)."""
    assert cfg.camp is not None  # noqa: S101
    camp = cfg.camp
    if (view.entries.get(camp) or _NONE).status in THROUGH:
        why = Said("in the preparatory camp {camp}", camp=repr(camp))
        return d.decide("pending", why, group, gates=["camp"])
    seat = view.seats.get(camp)
    if seat is not None and seat.free == 0:
        why = Said("the preparatory camp {camp} is full", camp=repr(camp))
        return d.decide("waitlisted", why, group)
    first = Said("admitted to the preparatory camp {camp} first", camp=repr(camp))
    d.decide("pending", first, group, gates=["camp"])
    before = Said("camp before {group}", group=repr(group))
    return _admit(d, view, camp, entry_config(view.blueprint, camp), before)


def _admit(d: _Draft, view: DoorView, group: str, cfg: Entry, reason: str) -> Decision:
    if cfg.waves:
        return d.decide("queued", Said("{why}; admitted with the next wave", why=reason), group)
    d.decide("admitted", reason, group)
    d.act("member.admit", group, identity=d.k.identity, **join_data(d.k.link))
    return d.result()


def reason_data(reason: str) -> dict[str, Any]:
    """``reason`` as event or payload data: ``reason`` in English (logs, ``--json``) and, for a
    :class:`Said`, ``reason_said`` (its message id and arguments) that a reader's page or a
    message renders in its own language (``X_said``, ``model/templates.py``)."""
    said = said_payload(reason)
    return {"reason": str(reason), **({"reason_said": said} if said else {})}


def join_data(link: Link | None) -> dict[str, str]:
    """What the platform should put on the ``member.joined`` it reports for an admitted
    newcomer (channel, campaign, inviter, link), so attribution survives the round trip."""
    if link is None:
        return {}
    data = {"link": link.code, "channel": link.channel or link.purpose}
    if link.campaign:
        data["campaign"] = link.campaign
    if link.owner:
        data["inviter"] = link.owner
    return data


_NONE = EntryState(community="", group=None, identity="", status="none")


class _Draft:
    """Collects the events and actions of one decision with consistent refs and sources.

    Refs are numbered (1req, 2inv, 3dec) because a batch is stored in (time, source, ref)
    order: the knock must be projected before the decision on it.
    """

    def __init__(self, k: Knock, community: str) -> None:
        self.k, self.community = k, community
        self.events: list[Event] = []
        self.actions: list[Action] = []

    def _event(self, kind: str, suffix: str, **kw: Any) -> None:
        """The first event is checked in full (the knock's time, identity, source); the rest
        share its time, community and source and carry the engine's own data, so they are
        checked only in what differs (``Event.sibling``)."""
        ref = f"{self.k.ref}:{suffix}"
        if self.events:
            self.events.append(self.events[0].sibling(kind, ref, **kw))
            return
        self.events.append(Event(kind, self.k.at, self.community, self.k.source, ref, **kw))

    def requested(self, group: str | None) -> None:
        data: dict[str, Any] = {}
        if self.k.link is not None:
            data["link"] = self.k.link.code
        if self.k.answers:
            data["answers"] = self.k.answers
        self._event("entry.requested", "1req", group=group, actor=self.k.identity, data=data)

    def invited(self, group: str) -> None:
        """The touch of a referral link: who brought the newcomer (first touch wins later)."""
        link = self.k.link
        if link is None or link.owner is None or not self.k.fresh:
            return
        data = {"channel": link.channel or "referral", "link": link.code}
        if link.campaign:
            data["campaign"] = link.campaign
        self._event(
            "member.invited",
            "2inv",
            group=group,
            actor=link.owner,
            subject=self.k.identity,
            data=data,
        )

    def decide(
        self,
        outcome: str,
        reason: str,
        group: str | None = None,
        *,
        gates: list[str] | None = None,
    ) -> Decision:
        """Record the outcome; a rejection also tells the newcomer why (template
        ``rejection``, worded by the blueprint at send time), a waitlisting that they wait
        (template ``waitlisted``)."""
        data: dict[str, Any] = {"outcome": outcome, **reason_data(reason)}
        if self.k.link is not None:
            data["link"] = self.k.link.code
        if gates:
            data["gates"] = gates
        suffix = f"3dec:{group or '-'}:{outcome}:{len(self.events)}"
        self._event("entry.decided", suffix, group=group, subject=self.k.identity, data=data)
        if outcome == "rejected":  # the newcomer reads why in their language (reason_said)
            self.act("message.send", group, to=self.k.identity, template="rejection",
                     group=group, **reason_data(reason))  # fmt: skip
        elif outcome == "waitlisted":
            self.act("message.send", group, to=self.k.identity, template="waitlisted", group=group)
        return self.result()

    def act(self, kind: str, target: str | None, **payload: Any) -> None:
        """Queue an action on group ``target`` (a message names its group in the payload
        too, as ``group``: rendering needs it for the group's texts)."""
        self.actions.append(Action(kind, self.community, self.k.at, target, payload))

    def result(self) -> Decision:
        return Decision(list(self.events), list(self.actions))

"""All the rules on one message, and the one step it earns (P-RUL-1, P-RUL-2) — pure.

The live reactor and the replay gather the same :class:`MessageFacts` (from the store, or
from the log as it stood then) and call :func:`judge`, so what the replay shows is what the
engine would have done. A message breaking several rules earns one step, for the first rule in
:data:`ORDER` (what it says is worse than how often it says it); the other verdicts stay in
the replay's report.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shequn.engine.decisions import Decision
from shequn.engine.rules.activity import unreported
from shequn.engine.rules.conduct import JoinFacts, pull_in
from shequn.engine.rules.detector import detect_folded
from shequn.engine.rules.flow import carries, flood, links_by_level, locked, newcomer
from shequn.engine.rules.ladder import Offence, decide_step, is_exempt, next_step
from shequn.engine.rules.linear import LinearModel
from shequn.engine.rules.normalize import fold
from shequn.engine.rules.topics import expand, topic_verdict
from shequn.engine.rules.verdict import Evidence, Verdict
from shequn.model.blueprint_rules import Ladder, Rules, Step
from shequn.model.events import Event
from shequn.model.kinds import ROLES

ORDER = ("advert", "banned_topic", "link_level", "newcomer", "lock", "activity", "flood")
"""Which rule's step a message breaking several earns: the first here."""


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the rules need to know about one message and its author, as it stood then."""

    text: str = ""
    has_link: bool = False
    has_media: bool = False
    forwarded: bool = False
    roles: frozenset[str] = frozenset()
    level: int = 0
    joined_at: datetime | None = None
    recent: tuple[datetime, ...] = ()
    """The author's earlier messages in the group within the flood window."""
    envelopes: tuple[tuple[datetime, float], ...] = ()
    """The author's red envelopes to the group (time, amount) before the message."""
    history: tuple[datetime, ...] = ()
    """Times of the author's earlier steps not reversed (the ladder's memory)."""
    reported: tuple[datetime, ...] = ()
    """Times of the author's ``activity.reported`` for the group (or the community)."""


@dataclass(frozen=True, slots=True)
class Judgement:
    """The verdicts that hit, the rule acted on (if any), its ladder step, and the decision."""

    verdicts: tuple[Verdict, ...]
    rule: str | None = None
    step: Step | None = None
    exempt: bool = False
    decision: Decision = field(default_factory=Decision)


def role_level(roles: Collection[str]) -> int:
    """A member's level for ``flow.link_level``: 0 for an ordinary member, then group leader
    1, manager 2, owner 3 (the pyramid, P-ORG-1)."""
    ranks = {r: len(ROLES) - 1 - n for n, r in enumerate(ROLES)}
    return max((ranks.get(r, 0) for r in roles), default=0)


def ad_tax_paid(envelopes: Sequence[tuple[datetime, float]], at: datetime, rules: Rules) -> bool:
    """Did the author pay the ad tax: an envelope of at least the minimum, within the window
    before ``at`` (seed 002: "advertising should be given a red envelope")?"""
    since = at - timedelta(hours=rules.advert.envelope_hours)
    need = rules.advert.envelope_min_amount
    return any(since <= t <= at and amount >= need for t, amount in envelopes)


def verdicts(
    rules: Rules,
    facts: MessageFacts,
    at: datetime,
    *,
    banned: Sequence[str] = (),
    model: LinearModel | None = None,
) -> list[Verdict]:
    """Every rule's verdict that hit, in :data:`ORDER`; ``banned`` is
    ``culture.banned_topics``."""
    hits: list[Verdict] = []
    contact = False
    folded = fold(facts.text) if facts.text else None  # once, for every rule that reads it
    if folded is not None and rules.advert.enabled:
        v = detect_folded(folded, threshold=rules.advert.threshold, model=model)
        contact = any(e.signal not in ("promotion", "model") for e in v.evidence)
        if v.hit and not ad_tax_paid(facts.envelopes, at, rules):
            hits.append(v)
    patterns = tuple(expand([*banned, *rules.topics.patterns]))
    if folded is not None and rules.topics.enabled and patterns:
        v = topic_verdict(folded, patterns)
        if v.hit:
            hits.append(v)
    if folded is not None and rules.activities.enabled:
        v = unreported(folded, facts.reported, at, rules.activities)
        if v.hit:
            hits.append(v)
    kinds = carries(facts.has_link, facts.has_media, facts.forwarded, contact)
    flow = rules.flow
    for v in (
        links_by_level(kinds, facts.level, flow),
        newcomer(kinds, facts.joined_at, at, flow),
        locked(kinds, flow),
        flood(facts.recent, at, flow),
    ):
        if v.hit:
            hits.append(v)
    return sorted(hits, key=lambda v: ORDER.index(v.rule))


def judge(
    rules: Rules,
    offence: Offence,
    facts: MessageFacts,
    *,
    banned: Sequence[str] = (),
    model: LinearModel | None = None,
) -> Judgement:
    """The verdicts on one message and the step (events and actions) it earns."""
    hits = tuple(verdicts(rules, facts, offence.at, banned=banned, model=model))
    return _climb(rules.ladder, offence, hits, facts.roles, facts.history)


def judge_join(
    rules: Rules, offence: Offence, join: JoinFacts, history: Sequence[datetime] = ()
) -> Judgement:
    """A join by someone added directly (``pull_in``): the step, if any, goes to the inviter
    (``offence.member``), whose earlier steps are ``history``; no message to delete."""
    v = pull_in(join, rules.pull_in)
    return _climb(rules.ladder, offence, (v,) if v.hit else (), join.roles, history)


def _climb(
    ladder: Ladder,
    offence: Offence,
    hits: tuple[Verdict, ...],
    roles: frozenset[str],
    history: Sequence[datetime],
) -> Judgement:
    """The step the first verdict of ``hits`` earns on the ladder (none for the exempt)."""
    if not hits:
        return Judgement(())
    first = hits[0]
    if is_exempt(offence.member, set(roles), ladder):
        return Judgement(hits, first.rule, None, exempt=True)
    step = next_step(history, offence.at, ladder)
    return Judgement(hits, first.rule, step, decision=decide_step(offence, first, history, ladder))


def decide_ban_on_join(join: Event, ban: Event) -> Decision:
    """A member the community banned (``ban``: a removal's ``moderation.applied`` with
    ``community_wide``) joined ``join.group``: removed there too, so a spammer cannot hop to
    the next group. Recorded as a step of rule ``ban`` (not counted by the ladder again)."""
    member = join.actor or join.subject or ""
    o = Offence(join.community, join.group or "", member, join.source, join.source_ref,
                join.occurred_at, message=False)  # fmt: skip
    evidence = Evidence("ban", f"{ban.source}:{ban.source_ref}")
    return decide_step(o, Verdict(BAN, True, 1.0, (evidence,)), (), _REMOVE)


BAN = "ban"
_REMOVE = Ladder(steps=["removal"], delete_message=False, ban_community_wide=True)

"""Who may write which event kinds: every kind has a *writer class*, every role a set of them.

The log is append-only, so a fact written by the wrong hand cannot be taken back. The API and
its uploads, the entry batch and the connectors' inbound side all hand outside events to the
same check (``engine/guard.py``), which reads this table. It is deliberately closed: a kind
with no row here cannot be written by any token, and ``tests/test_security_matrix.py`` fails
until the new kind is given one.

Writer classes, from the most common to the most guarded:

``platform``    what a chat platform reports: joins, leaves, messages, reactions, check-ins,
                red envelopes, knocks at the door. A bot or a group leader's export says so.
``moderation``  a group's own enforcement: a rule broken, a step of the ladder applied, an
                application judged. The pyramid gives this to group leaders (P-RUL-2, P-ORG-2).
``money``       payments, refunds, memberships, private offers: a manager's or a payment
                platform's word, never a group leader's.
``people``      who is who and who holds which role: merges, verified phones, role changes.
                These decide what every other token sees, so raw events of this class are the
                owner's alone; managers use the routes that check both sides (members/merge).
``config``      the blueprint: community, groups, campaigns. Owner only.
``engine``      decisions only the engine takes (a wave opened, a reward granted, a fraud flag,
                a referral link). Written by the engine itself; through the API, owner only.
"""

from __future__ import annotations

WRITER_CLASSES = ("platform", "moderation", "money", "people", "config", "engine")

WRITER_CLASS: dict[str, str] = {
    # platform facts
    "member.joined": "platform",
    "member.left": "platform",
    "member.removed": "platform",
    "member.invited": "platform",
    "member.renamed": "platform",
    "group.renamed": "platform",
    "group.owner_changed": "platform",
    "message.posted": "platform",
    "message.reacted": "platform",
    "message.pinned": "platform",
    "content.shared": "platform",
    "content.forwarded": "platform",
    "redenvelope.sent": "platform",
    "redenvelope.grabbed": "platform",
    "checkin.done": "platform",
    "meetup.attended": "platform",
    "session.scheduled": "platform",
    "session.held": "platform",
    "event.rsvp": "platform",
    "session.question": "platform",
    "qa.asked": "platform",
    "care.opted_out": "platform",
    "care.opted_in": "platform",
    "entry.requested": "platform",
    "task.completed": "platform",
    "intake.answered": "platform",
    "appeal.filed": "platform",
    "motion.proposed": "platform",
    "motion.seconded": "platform",
    "vote.cast": "platform",
    "candidate.nominated": "platform",
    "candidate.accepted": "platform",
    "ballot.cast": "platform",
    # a group's own enforcement
    "rule.violated": "moderation",
    "moderation.applied": "moderation",
    "application.reviewed": "moderation",
    "moderation.reversed": "moderation",
    "appeal.decided": "moderation",
    "talk.damped": "moderation",
    "activity.reported": "moderation",
    "qa.answered": "moderation",
    # money
    "payment.made": "money",
    "payment.refunded": "money",
    "membership.started": "money",
    "membership.renewed": "money",
    "membership.ended": "money",
    "offer.made": "money",
    "offer.accepted": "money",
    "membership.cancelled": "money",
    "offer.opted_out": "money",
    "offer.opted_in": "money",
    # people
    "identity.verified": "people",
    "identity.merged": "people",
    "identity.unmerged": "people",
    "role.changed": "people",
    "referral.reviewed": "people",
    "level.granted": "people",
    "level.locked": "people",
    "tag.changed": "people",
    "orgtask.assigned": "people",
    "election.opened": "people",
    # the blueprint
    "community.configured": "config",
    "group.configured": "config",
    "campaign.configured": "config",
    "group.bound": "config",
    "group.unbound": "config",
    "session.planned": "config",
    "session.rescheduled": "config",
    "session.cancelled": "config",
    "session.summarized": "config",
    "meetup.planned": "config",
    "meetup.cancelled": "config",
    "post.planned": "config",
    "content.entry_created": "config",
    # the engine's own decisions
    "link.created": "engine",
    "entry.decided": "engine",
    "member.classified": "engine",
    "wave.opened": "engine",
    "camp.graduated": "engine",
    "checkin.reminded": "engine",
    "checkin.completed": "engine",
    "meetup.reminded": "engine",
    "meetup.held": "engine",
    "post.released": "engine",
    "post.reminded": "engine",
    "qa.repeated": "engine",
    "qa.surfaced": "engine",
    "envelope.test_requested": "engine",
    "envelope.judged": "engine",
    "care.sent": "engine",
    "badge.granted": "engine",
    "badge.revoked": "engine",
    "honour.nominated": "config",
    "points.spent": "engine",
    "reward.granted": "engine",
    "reward.revoked": "engine",
    "referral.flagged": "engine",
    "commission.earned": "engine",
    "membership.reminded": "engine",
    "membership.lapsed": "engine",
    "commission.reversed": "engine",
    "commission.paid": "money",
    "level.changed": "engine",
    "orgtask.done": "engine",
    "motion.closed": "engine",
    "election.closed": "engine",
    # what the worker did on a platform (source worker:<connector>)
    "member.admitted": "engine",
    "message.delivered": "engine",
    "message.received": "engine",
    "link.published": "engine",
}
"""Every event kind's writer class (closed: a kind missing here is written by nobody outside)."""

ROLE_WRITES: dict[str, frozenset[str]] = {
    "owner": frozenset(WRITER_CLASSES),
    "manager": frozenset({"platform", "moderation", "money"}),
    "group_leader": frozenset({"platform", "moderation"}),
    "analyst": frozenset(),
    "connector": frozenset({"platform"}),
    "payment": frozenset({"money"}),
}
"""Writer classes each kind of writer may send as raw events. ``connector`` is a live bot's
inbound side: it reports what the platform saw, nothing more. ``payment`` is a payment
platform's verified webhook (``engine/payments_in.py``): payments and refunds, nothing else."""

NEWCOMER_KINDS = frozenset({"member.joined", "entry.requested"})
"""Kinds whose actor may be someone the writer's groups have not seen yet: arriving is how a
person enters a group's scope."""


def writer_class(kind: str) -> str | None:
    """The writer class of ``kind``, or ``None`` if it has none (then nobody may send it)."""
    return WRITER_CLASS.get(kind)


def may_write(role: str, kind: str) -> bool:
    """May a writer with this role send raw events of ``kind``?"""
    cls = WRITER_CLASS.get(kind)
    return cls is not None and cls in ROLE_WRITES.get(role, frozenset())

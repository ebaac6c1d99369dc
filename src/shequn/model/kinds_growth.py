"""Event kinds of growth: entry thresholds and intake (P-IN), fission and its control (P-FIS).

Every decision the entry and fission engines take is one of these events, with its reason, so
an operator can read why someone was admitted, rejected, rewarded or flagged — and overturn it
by recording another event, never by editing a row.
"""

from __future__ import annotations

from shequn.model.kindspec import DataField as F
from shequn.model.kindspec import Dict, Int, KindSpec, List, Num, Str

OPERATOR = "the operator or bot who did it; absent when the engine decided alone"

LINK_PURPOSES = ("referral", "live_code", "code")
"""A member's referral link, a campaign/channel live code, an invitation code (P-IN-1)."""
FILL_ORDERS = ("in_order", "least_full")
"""How a live code picks among groups with room: the first listed, or the emptiest."""
ENTRY_OUTCOMES = ("admitted", "queued", "pending", "rejected", "waitlisted", "expired")
"""admitted: may join now · queued: approved, waits for the next wave (seat held) · pending: a
gate is not passed yet (task, payment, judges) · rejected · waitlisted: every group is full ·
expired: admitted but never arrived within the group's ``seat_hold_hours``; the seat is free."""
VERDICTS = ("approve", "reject")
CARE = ("deep", "cool", "ignore")
"""Newcomer classification (P-IN-2): deep care, keep cool, ignore."""
STAKES = ("payer", "partner", "competitor", "ordinary")
FRAUD_OUTCOMES = ("blocked", "review")
"""Strict mode blocks a risky referral; loose mode counts it but flags it for review."""
REVIEW_VERDICTS = ("upheld", "overturned")

_LINK = F("link", Str, "the link or code used")

GROWTH_KINDS: tuple[KindSpec, ...] = (
    KindSpec(
        "link.created",
        "An entry link: a member's referral link, a live code routing newcomers to groups "
        "with room, or an invitation code.",
        actor=OPERATOR,
        subject="the member whose referral link it is",
        actor_required=False,
        group_required=False,
        fields=(
            F("link", Str, "the code itself, unique in the store", required=True),
            F("purpose", Str, "what the link is", required=True, choices=LINK_PURPOSES),
            F("groups", List, "group slugs it routes to, in fill order", required=True),
            F("fill", Str, "how a group with room is picked", choices=FILL_ORDERS),
            F("channel", Str, "channel newcomers through it are attributed to"),
            F("campaign", Str, "referral campaign its joins count towards"),
            F("max_uses", Int, "admissions allowed through it (codes); absent: unlimited"),
            F("expires_at", Str, "ISO 8601 time after which it admits nobody"),
        ),
        playbook=("P-IN-1", "P-IN-4", "P-FIS-1"),
    ),
    KindSpec(
        "entry.requested",
        "A newcomer knocked: followed a link, entered a code or applied to a group.",
        actor="the newcomer",
        group_required=False,
        fields=(
            _LINK,
            F("answers", Dict, "application form answers"),
            F("channel", Str, "how they came, when no link says it"),
        ),
        playbook=("P-IN-1",),
    ),
    KindSpec(
        "entry.decided",
        "The engine (or an operator) decided on a newcomer's entry, with the reason.",
        actor=OPERATOR,
        subject="the newcomer",
        actor_required=False,
        subject_required=True,
        group_required=False,
        fields=(
            F("outcome", Str, "the decision", required=True, choices=ENTRY_OUTCOMES),
            F("reason", Str, "why, in words", required=True),
            F(
                "reason_said",
                Dict,
                "the reason's message id and arguments (i18n.said_payload), "
                "to show it in the reader's language",
            ),
            _LINK,
            F("gates", List, "the thresholds still to pass (pending) or failed (rejected)"),
        ),
        playbook=("P-IN-1", "P-IN-4"),
    ),
    KindSpec(
        "application.reviewed",
        "A judge reviewed an application to the group.",
        actor="the judge",
        subject="the applicant",
        subject_required=True,
        fields=(
            F("verdict", Str, "the judge's verdict", required=True, choices=VERDICTS),
            F("reason", Str, "why"),
        ),
        playbook=("P-IN-1",),
    ),
    KindSpec(
        "task.completed",
        "A member did a named task a threshold asks for (shared the poster, filled the card).",
        actor="the member",
        group_required=False,
        fields=(F("task", Str, "the task's name", required=True),),
        playbook=("P-IN-1", "P-FIS-2"),
    ),
    KindSpec(
        "intake.answered",
        "A newcomer's profile card and needs-survey answers.",
        actor="the newcomer",
        group_required=False,
        fields=(
            F("card", Dict, "profile card: name, city, trade, …"),
            F("survey", Dict, "needs survey answers"),
        ),
        playbook=("P-IN-2",),
    ),
    KindSpec(
        "member.classified",
        "A newcomer was classified: how much care they get and what stake they hold.",
        actor=OPERATOR,
        subject="the member",
        actor_required=False,
        subject_required=True,
        group_required=False,
        fields=(
            F("care", Str, "deep care, keep cool or ignore", required=True, choices=CARE),
            F("stake", Str, "their stake", required=True, choices=STAKES),
            F("reason", Str, "the rule that matched, or the manager's words"),
            F("by", Str, "rule or manager", choices=("rule", "manager")),
        ),
        playbook=("P-IN-2",),
    ),
    KindSpec(
        "wave.opened",
        "A wave of approved newcomers was let into the group together (P-IN-3).",
        actor=OPERATOR,
        actor_required=False,
        fields=(
            F("wave", Int, "wave number in this group, from 1", required=True),
            F("members", List, "identity keys admitted in this wave", required=True),
        ),
        playbook=("P-IN-3",),
    ),
    KindSpec(
        "camp.graduated",
        "A member finished the preparatory camp (the event's group) and moves on.",
        actor=OPERATOR,
        subject="the member",
        actor_required=False,
        subject_required=True,
        fields=(
            F("to", Str, "slug of the group they graduate into", required=True),
            F("checkins", Int, "check-ins done in the camp"),
        ),
        playbook=("P-IN-1",),
    ),
    KindSpec(
        "campaign.configured",
        'A referral campaign was created or changed ("invite N to unlock", reward tiers).',
        actor=OPERATOR,
        actor_required=False,
        group_required=False,
        fields=(
            F("campaign", Str, "campaign slug", required=True),
            F("config", Dict, "the whole validated campaign (docs/fission.md)", required=True),
        ),
        playbook=("P-FIS-2",),
    ),
    KindSpec(
        "reward.granted",
        "An inviter reached a reward tier of a campaign.",
        actor=OPERATOR,
        subject="the inviter",
        actor_required=False,
        subject_required=True,
        group_required=False,
        fields=(
            F("campaign", Str, "campaign slug", required=True),
            F("tier", Int, "invites the tier asks for", required=True),
            F("reward", Str, "what the tier gives"),
            F("invites", Int, "invites that counted when it was granted"),
        ),
        playbook=("P-FIS-2",),
    ),
    KindSpec(
        "reward.revoked",
        "A granted reward was clawed back (invitees left at once, or were found fraudulent).",
        actor=OPERATOR,
        subject="the inviter",
        actor_required=False,
        subject_required=True,
        group_required=False,
        fields=(
            F("campaign", Str, "campaign slug", required=True),
            F("tier", Int, "the tier taken back", required=True),
            F("reason", Str, "why", required=True),
            F("invites", Int, "invites that still count"),
        ),
        playbook=("P-FIS-2", "P-FIS-5"),
    ),
    KindSpec(
        "referral.flagged",
        "A referral looked fraudulent: a case with a risk score and reasons.",
        actor=OPERATOR,
        subject="the invitee",
        actor_required=False,
        subject_required=True,
        group_required=False,
        fields=(
            F("case", Str, "case id, to review it by", required=True),
            F("inviter", Str, "identity key of the inviter", required=True),
            F("score", Num, "risk score 0-100", required=True),
            F("reasons", List, "reason codes (docs/fission.md)", required=True),
            F("outcome", Str, "what happened to it", required=True, choices=FRAUD_OUTCOMES),
        ),
        playbook=("P-FIS-5",),
    ),
    KindSpec(
        "referral.reviewed",
        "An operator reviewed a fraud case: upheld (does not count) or overturned (counts).",
        actor=OPERATOR,
        subject="the invitee",
        actor_required=False,
        subject_required=True,
        group_required=False,
        fields=(
            F("case", Str, "case id", required=True),
            F("verdict", Str, "the verdict", required=True, choices=REVIEW_VERDICTS),
            F("reason", Str, "why"),
        ),
        playbook=("P-FIS-5",),
    ),
    KindSpec(
        "commission.earned",
        "A fission agent earned commission on a payment by someone they brought in.",
        actor=OPERATOR,
        subject="the agent",
        actor_required=False,
        subject_required=True,
        group_required=False,
        fields=(
            F("amount", Num, "commission amount", required=True),
            F("amount_minor", Int, "the same in integer minor units (fen, cents): exact"),
            F("level", Int, "1: their invitee paid; 2: an invitee's invitee", required=True),
            F("payment", Str, "source_ref of the payment", required=True),
            F("payer", Str, "identity key of the payer"),
            F("currency", Str, "ISO 4217 code"),
        ),
        playbook=("P-FIS-3",),
    ),
)

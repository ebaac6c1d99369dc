"""Fraud control for referrals (P-FIS-5): a risk score with reasons, then a verdict by mode.

Pure: the facts are gathered by ``fission.check_fraud`` inside the deciding transaction. Each
reason adds its weight; the score is capped at 100. At or above ``fission.fraud.flag_score``
[50] the referral becomes a case — *blocked* in strict mode (it never counts), *review* in
loose mode (it counts until an operator upholds it). Either way an operator can overturn it
(``shequn fraud review``), and every step is an event.

Two more rules act when counting rather than here (the second also opens a case, with the
reason ``duplicate_identity``, when the merge happens): an invitee who leaves within
``leave_hours`` [24] does not count (a reward it earned is clawed back), and a referral that
turns out to be the inviter's own second account (identities merged later on the same phone or
union id) stops counting as a self-invite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shequn.engine.decisions import Decision
from shequn.model.blueprint_growth import Fraud
from shequn.model.events import Event

UNCOUNTED_CASES = ("blocked", "upheld")
"""A referral whose fraud case ended so does not count; ``review`` counts until upheld."""

WEIGHTS: dict[str, float] = {
    "self_invite": 100,  # the inviter invited themselves (same identity or same person)
    "already_member": 70,  # the "newcomer" had joined before: a rejoin, not a new member
    "ring": 60,  # the invitee had invited the inviter: accounts inviting each other
    "burst": 50,  # more than burst_count invites within burst_minutes from one inviter
}
"""Reason code → weight; documented in docs/fission.md."""


@dataclass(frozen=True, slots=True)
class ReferralFacts:
    self_invite: bool = False
    already_member: bool = False
    ring: bool = False
    burst: bool = False


def score_referral(facts: ReferralFacts) -> tuple[float, list[str]]:
    """Risk score 0–100 and the reason codes behind it."""
    reasons = [name for name in WEIGHTS if getattr(facts, name)]
    return min(100.0, sum(WEIGHTS[r] for r in reasons)), reasons


def decide_flag(invite: Event, score: float, reasons: list[str], cfg: Fraud) -> Decision:
    """Pure: a ``referral.flagged`` case when the score reaches the bar, else nothing."""
    if not reasons or score < cfg.flag_score:
        return Decision.none()
    assert invite.actor is not None and invite.subject is not None  # noqa: S101
    outcome = "blocked" if cfg.mode == "strict" else "review"
    case = f"case:{invite.source_ref}"[:255]
    event = flag_event(invite.community, invite.occurred_at, case, invite.subject, invite.actor,
                       score, reasons, outcome)  # fmt: skip
    return Decision(events=[event])


def flag_event(
    community: str,
    at: datetime,
    case: str,
    invitee: str,
    inviter: str,
    score: float,
    reasons: list[str],
    outcome: str,
) -> Event:
    """The ``referral.flagged`` event of a case; its ``source_ref`` is the case id, so a case
    is opened once however often the same referral is judged."""
    return Event(
        kind="referral.flagged",
        occurred_at=at,
        community=community,
        source="engine",
        source_ref=case,
        subject=invitee,
        data={"case": case, "inviter": inviter, "score": score, "reasons": reasons,
              "outcome": outcome},
    )  # fmt: skip

"""Fission (P-FIS): referral campaigns, rewards and their claw-back, commission, fraud control.

:func:`after_append` is the engine's reaction to new facts, called in the same transaction
that recorded them (by ``entry.decide`` and by ``record`` for imported or bot-delivered
events): it scores new referrals for fraud, re-counts the campaign progress of every inviter a
fact touched, grants or claws back reward tiers, and pays commission on new payments. Rewards
carry deterministic ``source_ref``\\ s and appends are serialised, so a tier is granted once
however many joins race for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, engine_event
from shequn.engine.fission_reactions import check_fraud, commission, flag_duplicates
from shequn.engine.fission_recount import Recount
from shequn.engine.fraud import (
    UNCOUNTED_CASES,
)
from shequn.model.actions import Action
from shequn.model.blueprint import Blueprint
from shequn.model.blueprint_growth import Campaign, parsed_campaign
from shequn.model.events import Event
from shequn.store.growth_queries import has_campaigns
from shequn.store.referral_queries import (
    Referral,
    fraud_case,
    invited_by,
    inviters_of,
    list_campaigns,
    referrals_by,
    referrals_of_inviters,
    rewards_of,
    tasks_of,
)

_TRIGGERS = frozenset(
    {
        "member.invited",
        "member.joined",
        "member.left",
        "member.removed",
        "identity.merged",
        "identity.unmerged",
        "referral.reviewed",
        "payment.made",
        "task.completed",
    }
)


@dataclass(frozen=True, slots=True)
class Progress:
    """An inviter's standing in one campaign: invitees that count, and why others do not."""

    campaign: str
    inviter: str
    counted: tuple[str, ...]
    waiting: tuple[str, ...]  # joined, not counted yet (stay days, qualifying task)
    uncounted: dict[str, str]  # invitee → reason

    @property
    def count(self) -> int:
        return len(self.counted)


def count_referrals(
    refs: Sequence[Referral],
    campaign: Campaign,
    *,
    now: datetime,
    window: timedelta,
    leave: timedelta,
    tasks: dict[str, set[str]],
    inviter: str,
) -> Progress:
    """Pure: which of an inviter's referrals count towards ``campaign`` at ``now``.

    A referral counts when it is the invitee's first touch, inside the campaign's dates, not a
    self-invite, not blocked/upheld as fraud, the invitee joined within the attribution window
    and did not leave within ``leave`` hours; with ``stay_days`` only once they stayed that
    long, with ``qualifying_task`` only once they did it.
    """
    counted: list[str] = []
    waiting: list[str] = []
    uncounted: dict[str, str] = {}
    stay = timedelta(days=campaign.stay_days)
    for r in refs:
        if r.campaign != campaign.slug or r.invitee in counted:
            continue
        reason = _why_not(r, campaign, window)
        if reason is None and r.joined_at is not None:
            ended = r.left_at if r.status in ("left", "removed") else None
            # joins may be reported out of order: "now" is never before the join itself
            stayed = (ended or max(now, r.joined_at)) - r.joined_at
            if ended is not None and stayed < leave:
                reason = "left_quickly"
            elif ended is not None and stayed < stay:
                reason = "left_before_stay_days"
            elif stayed < stay or (
                campaign.qualifying_task
                and campaign.qualifying_task not in tasks.get(r.invitee, set())
            ):
                waiting.append(r.invitee)
                continue
        if reason is None:
            counted.append(r.invitee)
        else:
            uncounted.setdefault(r.invitee, reason)
    return Progress(campaign.slug, inviter, tuple(counted), tuple(waiting), uncounted)


def _why_not(r: Referral, campaign: Campaign, window: timedelta) -> str | None:
    if r.same_person and r.case_status != "overturned":  # an operator's word wins
        return "self_invite"
    if not r.first_touch:
        return "not_first_touch"
    if r.case_status in UNCOUNTED_CASES:
        return f"fraud_{r.case_status}"
    if campaign.starts_at and r.touched_at < campaign.starts_at:
        return "before_campaign"
    if campaign.ends_at and r.touched_at > campaign.ends_at:
        return "after_campaign"
    if r.joined_at is None:
        return "not_joined"
    if r.joined_at - r.touched_at > window:
        return "joined_after_window"
    return None


def progress_of(
    conn: Connection,
    bp: Blueprint,
    campaign: Campaign,
    inviter: str,
    refs: Sequence[Referral],
    now: datetime,
) -> Progress:
    """:func:`count_referrals` with the blueprint's windows and the invitees' tasks read."""
    mine = [r for r in refs if r.campaign == campaign.slug]
    tasks = (
        tasks_of(conn, bp.community.slug, [r.invitee for r in mine])
        if campaign.qualifying_task
        else {}
    )
    return count_referrals(
        mine,
        campaign,
        now=now,
        tasks=tasks,
        inviter=inviter,
        window=timedelta(days=bp.fission.attribution_window_days),
        leave=timedelta(hours=bp.fission.fraud.leave_hours),
    )


def decide_rewards(
    progress: Progress, campaign: Campaign, granted: dict[int, str], community: str, now: datetime
) -> Decision:
    """Pure: grant every tier reached and not held; claw back every tier held and no longer
    reached (an invitee left at once or was found fraudulent)."""
    d = Decision.none()
    for tier in campaign.tiers:
        status = granted.get(tier.invites)
        reached = progress.count >= tier.invites
        base = f"reward:{community}:{campaign.slug}:{progress.inviter}:{tier.invites}"
        if reached and status != "granted":
            ref = base if status is None else f"{base}:after:{now.isoformat()}"
            d.events.append(
                engine_event(
                    "reward.granted",
                    ref,
                    community,
                    progress.inviter,
                    now,
                    campaign=campaign.slug,
                    tier=tier.invites,
                    reward=tier.reward,
                    invites=progress.count,
                )
            )
            d.actions.append(
                _tell(progress, campaign, now, community, "reward", reward=tier.reward)
            )
        elif not reached and status == "granted":
            why = sorted(set(progress.uncounted.values())) or ["fewer invites count"]
            reason = ", ".join(why)
            d.events.append(
                engine_event(
                    "reward.revoked",
                    f"{base}:revoked:{now.isoformat()}",
                    community,
                    progress.inviter,
                    now,
                    campaign=campaign.slug,
                    tier=tier.invites,
                    reason=reason,
                    invites=progress.count,
                )
            )
            d.actions.append(
                Action(
                    "reward.revoke",
                    community,
                    now,
                    None,
                    {"to": progress.inviter, "campaign": campaign.slug, "reward": tier.reward},
                )
            )
            revoked = _tell(progress, campaign, now, community, "reward_revoked", reason=reason)
            revoked.payload["reward"] = tier.reward
            d.actions.append(revoked)
    return d


def progress_message(
    progress: Progress, campaign: Campaign, community: str, now: datetime
) -> Action | None:
    """ "2 of 3 — one more to unlock": the progress shown to the inviter (P-FIS-2)."""
    nxt = next((t for t in campaign.tiers if t.invites > progress.count), None)
    if nxt is None:
        return None
    left = nxt.invites - progress.count
    return _tell(progress, campaign, now, community, "progress", next=nxt.invites, left=left,
                 reward=nxt.reward)  # fmt: skip


def _tell(
    progress: Progress,
    campaign: Campaign,
    now: datetime,
    community: str,
    template: str,
    **variables: object,
) -> Action:
    """A message to the inviter about a campaign: which template, and its variables (the
    words are the blueprint's, rendered at send time; see ``model/templates_table.py``)."""
    payload = {
        "to": progress.inviter,
        "template": template,
        "campaign": campaign.slug,
        "campaign_name": campaign.name,
        "invites": progress.count,
        **variables,
    }
    return Action("message.send", community, now, None, payload)


# -- the reaction to new facts ---------------------------------------------------------
def after_append(
    conn: Connection,
    bp: Blueprint,
    new_events: Sequence[tuple[int, Event]],
    any_campaign: bool | None = None,
) -> Decision:
    """React to newly stored events of ``bp``'s community (see the module docstring);
    ``any_campaign``: whether the community has campaigns, when the caller asked already."""
    community = bp.community.slug
    mine = [e for _, e in new_events if e.community == community and e.kind in _TRIGGERS]
    if not mine:
        return Decision.none()
    total = Decision.none()
    if bp.fission.commission:
        for e in mine:
            if e.kind == "payment.made" and not e.data.get("deposit"):
                total += _apply(conn, commission(conn, bp, e))
    if not (has_campaigns(conn, community) if any_campaign is None else any_campaign):
        return total
    inviters: dict[str, datetime] = {}
    joined: set[tuple[str, str]] = set()
    invites = [e for e in mine if e.kind == "member.invited" and e.actor and e.subject]
    total += _apply(conn, check_fraud(conn, bp, invites))
    asked = {e.actor for e in mine if e.kind in _INVITEE_ACTS and e.actor}
    invited = inviters_of(conn, community, sorted(asked))  # one statement for the batch
    for e in mine:
        for inviter in _inviters_touched(conn, bp, e, total, invited):
            inviters[inviter] = max(e.occurred_at, inviters.get(inviter, e.occurred_at))
            if e.kind == "member.joined" and e.actor:
                joined.add((inviter, e.actor))
    if not inviters:  # a knock's own touch re-counts no one (its join will)
        return total
    campaigns = [parsed_campaign(c) for c in list_campaigns(conn, community)]
    # Read once for the batch: a reward decided for one inviter changes no one's edges.
    refs = referrals_of_inviters(conn, community, sorted(inviters)) if campaigns else {}
    batch = Recount(conn, community, sorted(inviters))
    for inviter, at in sorted(inviters.items()):
        total += evaluate_inviter(
            conn, bp, campaigns, inviter, at, joined, refs.get(inviter), batch
        )
    batch.flush()
    return total


_INVITEE_ACTS = frozenset({"member.joined", "member.left", "task.completed"})


def _inviters_touched(
    conn: Connection, bp: Blueprint, e: Event, total: Decision, invited: dict[str, list[str]]
) -> list[str]:
    community = bp.community.slug
    if e.kind == "member.invited":
        # A touch alone changes no count (the invitee has not joined); the join that
        # follows — in this batch or a later one — re-counts the inviter. (Its fraud check
        # ran with the batch's other touches, in after_append.)
        return []
    if e.kind == "referral.reviewed":
        case = fraud_case(conn, e.data["case"])
        return [case["inviter"]] if case else []
    if e.kind in _INVITEE_ACTS and e.actor:
        return invited[e.actor]
    if e.kind == "identity.merged":
        total += _apply(conn, flag_duplicates(conn, bp, e.data["into"], e.occurred_at))
        return [*invited_by(conn, community, e.data["into"]), e.data["into"]]
    if e.kind == "identity.unmerged" and e.subject:
        people = (e.subject, e.data["from"])  # both are people again: re-count around both
        return [k for p in people for k in (*invited_by(conn, community, p), p)]
    if e.kind == "member.removed" and e.subject:
        return invited_by(conn, community, e.subject) if ":" in e.subject else []
    return []


def evaluate_inviter(
    conn: Connection,
    bp: Blueprint,
    campaigns: Sequence[Campaign],
    inviter: str,
    now: datetime,
    joined: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
    refs: Sequence[Referral] | None = None,
    batch: Recount | None = None,
) -> Decision:
    """Re-count ``inviter``'s progress in every campaign and apply the reward changes
    (``refs``: the inviter's edges, when the caller read them for a whole batch; ``batch``:
    its rewards read and its messages queued for the whole batch)."""
    community = bp.community.slug
    if refs is None:
        refs = referrals_by(conn, community, inviter)
    total = Decision.none()
    for campaign in campaigns:
        if not any(r.campaign == campaign.slug for r in refs):
            continue
        progress = progress_of(conn, bp, campaign, inviter, refs, now)
        held = (
            batch.rewards(campaign.slug, inviter)
            if batch is not None
            else rewards_of(conn, community, campaign.slug, inviter)
        )
        decision = decide_rewards(progress, campaign, held, community, now)
        if any((inviter, i) in joined for i in progress.counted) and not decision.events:
            note = progress_message(progress, campaign, community, now)
            decision.actions += [note] if note else []
        total += batch.apply(decision) if batch is not None else _apply(conn, decision)
    return total


def _apply(conn: Connection, decision: Decision) -> Decision:
    if decision:
        apply(conn, decision)
    return decision

"""Operating fission (P-FIS-2, P-FIS-5): configure campaigns, read progress, review fraud cases.

These are the functions the CLI (``shequn campaign``, ``shequn fraud``) and the API call;
each is one transaction through the event log.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import orjson

from shequn.engine.decisions import Decision, apply, new_ref, operator_source
from shequn.engine.fission import Progress, after_append, evaluate_inviter, progress_of
from shequn.errors import Conflict, InvalidEvent, NotFound
from shequn.model.blueprint_growth import Campaign, parsed_campaign
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.store.append import lock_for_decision
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.queries import get_member
from shequn.store.referral_queries import fraud_case, get_campaign, list_campaigns, referrals_by
from shequn.store.referral_queries import inviters as all_inviters


def configure_campaign(
    store: Store, community: str, campaign: Campaign, *, now: datetime | None = None
) -> bool:
    """Record the campaign (new or changed); ``False`` when it is already configured so."""
    at = now or datetime.now(UTC)
    config = campaign.to_dict()
    digest = hashlib.sha256(orjson.dumps(config, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        for slug in campaign.groups:
            bp.group(slug)  # NotFound names an unknown group
        if get_campaign(conn, community, campaign.slug) == config:
            return False
        event = Event(
            kind="campaign.configured",
            occurred_at=at,
            community=community,
            source=operator_source(),
            source_ref=f"campaign:{community}:{campaign.slug}:{digest}",
            data={"campaign": campaign.slug, "config": config},
        )
        return apply(conn, Decision(events=[event])).new > 0


def campaigns(store: Store, community: str) -> list[Campaign]:
    with store.read() as conn:
        return [Campaign.model_validate(c) for c in list_campaigns(conn, community)]


def campaign_progress(
    store: Store, community: str, slug: str, member_ref: str, *, now: datetime | None = None
) -> Progress:
    """Where one inviter stands in a campaign right now (what their progress message says)."""
    at = now or datetime.now(UTC)
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        config = get_campaign(conn, community, slug)
        if config is None:
            raise NotFound(
                Said(
                    "no campaign {slug} in {community}", slug=repr(slug), community=repr(community)
                ),
                campaign=slug,
            )
        campaign = Campaign.model_validate(config)
        inviter = get_member(conn, member_ref, community=community).key
        return progress_of(conn, bp, campaign, inviter, referrals_by(conn, community, inviter), at)


def settle(store: Store, community: str, *, now: datetime | None = None) -> Decision:
    """Re-count every inviter of every campaign at ``now``: grants the tiers whose invitees
    have now stayed ``stay_days``; claws back what no longer counts. Run it daily."""
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        all_campaigns = [parsed_campaign(c) for c in list_campaigns(conn, community)]
        total = Decision.none()
        for inviter in all_inviters(conn, community):
            total += evaluate_inviter(conn, bp, all_campaigns, inviter, at)
        return total


def review_case(
    store: Store,
    community: str,
    case: str,
    verdict: str,
    *,
    reason: str | None = None,
    operator: str | None = None,
    source: str | None = None,
    now: datetime | None = None,
) -> dict[str, object]:
    """Uphold or overturn a fraud case; the inviter's rewards follow at once."""
    if verdict not in ("upheld", "overturned"):
        raise InvalidEvent(Said("verdict must be upheld or overturned"), field="verdict")
    at = now or datetime.now(UTC)
    with store.transaction() as conn:
        lock_for_decision(conn)
        bp = get_blueprint(conn, community)
        found = fraud_case(conn, case)
        if found is None:
            raise NotFound(Said("no fraud case {case}", case=repr(case)), case=case)
        if found["status"] == verdict:
            raise Conflict(
                Said("case {case} is already {verdict}", case=repr(case), verdict=Said(verdict)),
                case=case,
            )
        data: dict[str, object] = {"case": case, "verdict": verdict}
        if reason:
            data["reason"] = reason
        event = Event(
            kind="referral.reviewed",
            occurred_at=at,
            community=community,
            source=source or operator_source(),
            source_ref=f"review:{new_ref()}",
            actor=operator,
            subject=found["invitee"],
            data=data,
        )
        result = apply(conn, Decision(events=[event]))
        after_append(conn, bp, result.new_events)
        return {**found, "status": verdict}


def leaderboard(
    store: Store, community: str, slug: str, *, now: datetime | None = None, top: int = 20
) -> list[Progress]:
    """Inviters of a campaign by invites that count, most first (P-FIS-3)."""
    at = now or datetime.now(UTC)
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        config = get_campaign(conn, community, slug)
        if config is None:
            raise NotFound(
                Said(
                    "no campaign {slug} in {community}", slug=repr(slug), community=repr(community)
                ),
                campaign=slug,
            )
        campaign = Campaign.model_validate(config)
        board = []
        for inviter in all_inviters(conn, community):
            refs = referrals_by(conn, community, inviter)
            if any(r.campaign == slug for r in refs):
                board.append(progress_of(conn, bp, campaign, inviter, refs, at))
    board.sort(key=lambda p: (-p.count, p.inviter))
    return board[:top]

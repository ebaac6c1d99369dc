"""Entry and fission over HTTP (P-IN, P-FIS): what a platform bot calls when someone scans a
code, and what an operator's tools call to run campaigns and review fraud.

Every handler calls the engine function the CLI calls (``engine/entry.py``,
``engine/links.py``, ``engine/campaigns.py``). Scopes: a scoped token acts only on its groups —
a link or campaign that routes into any other group is "missing" to it, as everywhere — and
fraud cases, which move rewards community-wide, belong to unscoped tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shequn.api.deps import (
    CommunityPath,
    ManagerDep,
    Operator,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_community,
    access_group,
    access_member,
    no_action,
)
from shequn.api.errors import CONFLICT
from shequn.engine import campaigns as fission
from shequn.engine import entry, gather
from shequn.engine.fission import Progress
from shequn.engine.links import create_link, ensure_referral_link
from shequn.errors import InvalidEvent, NotFound
from shequn.model.blueprint_growth import Campaign
from shequn.model.entities import EntryState, Link
from shequn.model.i18n import Said, tr
from shequn.model.kinds_growth import ENTRY_OUTCOMES, FILL_ORDERS, LINK_PURPOSES
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint, get_link, list_entries
from shequn.store.outbox import finish, list_actions
from shequn.store.referral_queries import fraud_cases

router = APIRouter(tags=["growth"])
C = "/communities/{community}"


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identity: str = Field(max_length=255, description="The newcomer's identity key.")
    link: str | None = Field(None, max_length=255, description="Link or code they came by.")
    group: str | None = Field(None, max_length=128, description="Group applied to (no link).")
    answers: dict[str, Any] | None = Field(None, description="Application answers.")
    ref: str | None = Field(None, max_length=200, description="The knock's id, for retries.")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applicant: str = Field(max_length=255, description="Applicant: identity key or member id.")
    judge: str = Field(max_length=255, description="The judge's identity key.")
    verdict: str = Field(pattern="^(approve|reject)$")
    reason: str | None = Field(None, max_length=1000)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: str = Field("live_code", description=" | ".join(LINK_PURPOSES))
    groups: list[str] = Field(min_length=1, max_length=50, description="Group slugs, fill order.")
    fill: str = Field("in_order", description=" | ".join(FILL_ORDERS))
    channel: str | None = Field(None, max_length=64)
    campaign: str | None = Field(None, max_length=128)
    owner: str | None = Field(None, max_length=255, description="Referral links: the member.")
    max_uses: int | None = Field(None, gt=0, le=10**9)
    expires_at: datetime | None = None


class CaseReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: str = Field(pattern="^(upheld|overturned)$")
    reason: str | None = Field(None, max_length=1000)


class ProgressOut(BaseModel):
    inviter: str
    count: int
    counted: list[str]
    waiting: list[str]
    uncounted: dict[str, str]

    @classmethod
    def of(cls, p: Progress) -> ProgressOut:
        return cls(inviter=p.inviter, count=p.count, counted=list(p.counted),
                   waiting=list(p.waiting), uncounted=p.uncounted)  # fmt: skip


def _groups_in_scope(store: Store, op: Operator, community: str, groups: list[str]) -> None:
    with store.read() as conn:
        access_community(conn, op, community)
        for g in groups:
            access_group(conn, op, community, g)


@router.post(f"{C}/entries", response_model=list[EntryState], responses=CONFLICT)
def post_entry(
    community: CommunityPath, body: EntryIn, op: WriterDep, store: StoreDep, request: Request
) -> list[EntryState]:
    """A newcomer knocks: the engine routes them (live code), checks the group's thresholds
    and admits, queues, waits or rejects — with the reason. Returns their entries."""
    request.state.audit_summary = {"entry": body.identity, "link": body.link, "group": body.group}
    return _enter(store, op, community, [body])[0]


class EntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[EntryIn] = Field(min_length=1, max_length=500)


@router.post(f"{C}/entries/batch", response_model=list[list[EntryState]], responses=CONFLICT)
def post_entries(
    community: CommunityPath, body: EntriesIn, op: WriterDep, store: StoreDep, request: Request
) -> list[list[EntryState]]:
    """Many knocks decided in order in one transaction (a bot's last few tens of
    milliseconds of scans): far faster than one call each. All or nothing: an unknown link
    or a group outside the token's scope refuses the whole batch."""
    request.state.audit_summary = {"entries": len(body.entries)}
    return _enter(store, op, community, body.entries)


def _enter(
    store: Store, op: Operator, community: str, items: list[EntryIn]
) -> list[list[EntryState]]:
    """Every group the knocks may land in must be in the token's scope (missing links and
    groups outside it answer 404), then the engine decides them all in one transaction — a
    single knock together with the knocks of concurrent calls (``engine/gather.py``)."""
    with store.read() as conn:
        access_community(conn, op, community)
        groups: set[str] = set()
        for item in items:
            link = get_link(conn, item.link) if item.link else None
            if item.link and (link is None or link.community != community):
                raise NotFound(
                    Said("no link {code!r} in {community!r}", code=item.link, community=community),
                    link=item.link,
                )
            groups.update(link.groups if link else [item.group] if item.group else [])
    _groups_in_scope(store, op, community, sorted(groups))
    reqs = [entry.Request(i.identity, link=i.link, group=i.group, answers=i.answers, ref=i.ref)
            for i in items]  # fmt: skip
    return gather.enter_some(store, community, reqs, source=op.source)


@router.get(f"{C}/entries", response_model=list[EntryState])
def get_entries(
    community: CommunityPath,
    op: OperatorDep,
    store: StoreDep,
    group: Annotated[str | None, Query(max_length=128)] = None,
    status: Annotated[list[str], Query(description=" | ".join(ENTRY_OUTCOMES))] = [],  # noqa: B006
) -> list[EntryState]:
    """Newcomers and where they stand, in the operator's groups."""
    with store.read() as conn:
        access_community(conn, op, community)
        if group is not None:
            access_group(conn, op, community, group)
        found = list_entries(conn, community, group=group, status=status)
    return [e for e in found if op.covers(e.group) or (e.group is None and not op.scoped)]


@router.post(f"{C}/groups/{{group}}/reviews", response_model=EntryState, responses=CONFLICT)
def post_review(
    community: CommunityPath,
    group: str,
    body: ReviewIn,
    op: WriterDep,
    store: StoreDep,
    request: Request,
) -> EntryState:
    """A judge's verdict on an application to the group (k of n approvals admit)."""
    with store.read() as conn:
        found = access_group(conn, op, community, group)
    request.state.audit_summary = {"applicant": body.applicant, "verdict": body.verdict}
    return entry.review_application(
        store, community, found.slug, body.applicant, judge=body.judge, verdict=body.verdict,
        reason=body.reason, source=op.asked_source,
    )  # fmt: skip


@router.post(f"{C}/links", response_model=Link, responses=CONFLICT)
def post_link(
    community: CommunityPath, body: LinkIn, op: ManagerDep, store: StoreDep, request: Request
) -> Link:
    """Create a live code, an invitation code or a member's referral link."""
    _groups_in_scope(store, op, community, body.groups)
    with store.read() as conn:
        bp = get_blueprint(conn, community)
        if body.owner is not None:
            body.owner = access_member(conn, op, community, body.owner).key
    request.state.audit_summary = {"link": body.purpose, "groups": body.groups}
    options = body.model_dump(exclude={"expires_at"})
    return create_link(store, bp, expires_at=body.expires_at, source=op.source, **options)


@router.get(f"{C}/campaigns", response_model=list[dict[str, Any]])
def get_campaigns(
    community: CommunityPath, op: OperatorDep, store: StoreDep
) -> list[dict[str, Any]]:
    """Referral campaigns routing into the operator's groups."""
    with store.read() as conn:
        access_community(conn, op, community)
    return [c.to_dict() for c in fission.campaigns(store, community)
            if all(op.covers(g) for g in c.groups)]  # fmt: skip


@router.put(f"{C}/campaigns/{{slug}}", response_model=dict[str, Any], responses=CONFLICT)
def put_campaign(
    community: CommunityPath,
    slug: str,
    body: Annotated[dict[str, Any], Body(description="The campaign's keys (docs/fission.md).")],
    op: ManagerDep,
    store: StoreDep,
    request: Request,
) -> dict[str, Any]:
    """Create or change a campaign; ``changed`` is false when it was configured so already."""
    try:
        campaign = Campaign.model_validate({**body, "slug": slug})
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "body"
        raise InvalidEvent(
            Said("{where}: {problem}", where=where, problem=err["msg"]), field=where
        ) from None
    _groups_in_scope(store, op, community, campaign.groups)
    request.state.audit_summary = {"campaign": slug}
    changed = fission.configure_campaign(store, community, campaign)
    return {"campaign": campaign.to_dict(), "changed": changed}


@router.get(f"{C}/campaigns/{{slug}}/leaderboard", response_model=list[ProgressOut])
def get_leaderboard(
    community: CommunityPath,
    slug: str,
    op: OperatorDep,
    store: StoreDep,
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[ProgressOut]:
    """Inviters by invites that count, with the reasons others do not."""
    _campaign_in_scope(store, op, community, slug)
    return [ProgressOut.of(p) for p in fission.leaderboard(store, community, slug, top=top)]


def _campaign_in_scope(store: Store, op: Operator, community: str, slug: str) -> Campaign:
    """The campaign if every group it routes into is the operator's; missing and out of scope
    alike are the same NotFound (a scoped token learns nothing of other groups' campaigns)."""
    with store.read() as conn:
        access_community(conn, op, community)
    for found in fission.campaigns(store, community):
        if found.slug == slug and all(op.covers(g) for g in found.groups):
            return found
    raise NotFound(
        Said("no campaign {campaign!r} in {community!r}", campaign=slug, community=community),
        campaign=slug,
    )


def _unscoped(store: Store, op: Operator, community: str) -> None:
    with store.read() as conn:
        access_community(conn, op, community)
    if op.scoped:  # community-wide: "missing" to a scoped token, as other groups are
        raise NotFound(
            Said(
                "no fraud cases visible in {community!r} to a group-scoped token",
                community=community,
            )
        )


@router.get(f"{C}/fraud-cases", response_model=list[dict[str, Any]])
def get_fraud_cases(
    community: CommunityPath,
    op: OperatorDep,
    store: StoreDep,
    status: Annotated[list[str], Query(description="blocked | review | upheld | overturned")] = [],  # noqa: B006
) -> list[dict[str, Any]]:
    """Fraud cases with score and reasons (unscoped tokens)."""
    _unscoped(store, op, community)
    with store.read() as conn:
        return fraud_cases(conn, community, status)


@router.post(f"{C}/fraud-cases/{{case}}/review", response_model=dict[str, Any], responses=CONFLICT)
def post_case_review(
    community: CommunityPath,
    case: str,
    body: CaseReviewIn,
    op: ManagerDep,
    store: StoreDep,
    request: Request,
) -> dict[str, Any]:
    """Uphold (does not count) or overturn (counts) a fraud case; rewards follow at once."""
    _unscoped(store, op, community)
    request.state.audit_summary = {"fraud_case": case, "verdict": body.verdict}
    return fission.review_case(store, community, case, body.verdict, reason=body.reason,
                               source=op.asked_source)  # fmt: skip


@router.post(
    f"{C}/members/{{ref}}/poster",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The poster (PNG)."}},
)
def post_poster(
    community: CommunityPath,
    ref: str,
    op: WriterDep,
    store: StoreDep,
    campaign: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """The member's fission poster with their referral QR code (creating the referral link
    on first use, hence POST)."""
    from shequn.api.poster import PosterSpec, render_poster  # Pillow only when asked

    with store.read() as conn:
        member = access_member(conn, op, community, ref)
        bp = get_blueprint(conn, community)
    if campaign is not None:
        _campaign_in_scope(store, op, community, campaign)  # before a link is made
    elif not op.covers(bp.groups[0].slug):  # the community's own link routes there
        raise NotFound(
            Said(
                "the community's referral link routes into a group outside this token's scope; "
                "name a campaign of your groups"
            ),
            campaign=None,
        )
    link = ensure_referral_link(store, bp, member.key, campaign=campaign)
    name = member.display_name or member.key.split(":", 1)[-1]
    subtitle = tr(bp.community.language, Said("{name} invites you to join", name=name))
    spec = PosterSpec(title=bp.community.name, subtitle=subtitle, name=name, qr_text=link.url,
                      language=bp.community.language)  # fmt: skip
    return Response(render_poster(spec), media_type="image/png",
                    headers={"X-Shequn-Link": link.code})  # fmt: skip


class ActionDoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field("done", pattern="^(done|failed)$")
    result: dict[str, Any] | None = Field(None, description="What the platform answered.")


@router.get(f"{C}/actions", response_model=list[dict[str, Any]])
def get_actions(
    community: CommunityPath,
    op: WriterDep,
    store: StoreDep,
    status: Annotated[
        str, Query(pattern="^(pending|leased|done|failed|dead|review|cancelled)$")
    ] = "pending",
    kind: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="Last id seen.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The outbox, oldest first, for a platform bot: what to do in the operator's groups
    (community-wide actions, such as messages to one person, for unscoped tokens)."""
    with store.read() as conn:
        access_community(conn, op, community)
        rows = list_actions(conn, community=community, status=status, kind=kind, after=after,
                            limit=limit)  # fmt: skip
    return [r for r in rows if op.covers(r["group_slug"])]


@router.post(f"{C}/actions/{{action_id}}/done", response_model=dict[str, Any], responses=CONFLICT)
def post_action_done(
    community: CommunityPath,
    action_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: ActionDoneIn,
    op: WriterDep,
    store: StoreDep,
    request: Request,
) -> dict[str, Any]:
    """Report an action carried out (or failed); a second report of one action is 409."""
    with store.read() as conn:
        access_community(conn, op, community)
        found = list_actions(conn, community=community, status=None, after=action_id - 1, limit=1)
    if not found or found[0]["id"] != action_id or not op.covers(found[0]["group_slug"]):
        raise NotFound(no_action(action_id, community), action=action_id)
    request.state.audit_summary = {"action": action_id, "outcome": body.outcome}
    with store.transaction() as conn:
        return finish(conn, action_id, body.outcome, body.result)

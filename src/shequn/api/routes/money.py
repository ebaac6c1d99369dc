"""Money (P-MON): memberships, and payments recorded by hand (offline, bank transfer, cash).

The same engine functions ``shequn memberships`` and ``shequn payments`` call. Reading
memberships is open to every role, scoped like members: a manager or group leader sees the
memberships of the people in the groups they cover. Recording a payment, a member's
cancellation or opt-out from offers is a manager's or the owner's (the ``money`` writer class;
a scoped manager's for the members of their groups); planning offers an unscoped one's. A
payment platform's webhooks live in ``routes/hooks_payments.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    ManagerDep,
    OperatorDep,
    StoreDep,
    access_community,
    access_member,
)
from shequn.engine import ledger
from shequn.engine.decisions import new_ref
from shequn.engine.money import cancel
from shequn.engine.offers import opt_out, plan_offers
from shequn.engine.payments_in import record_payment
from shequn.errors import NotFound
from shequn.model.i18n import Said
from shequn.store.money import list_memberships
from shequn.store.scope_queries import groups_of

router = APIRouter(tags=["money"])
C = "/communities/{community}"


class PaymentIn(BaseModel):
    """A payment to record: who paid for which product of ``[money]``."""

    member: str = Field(min_length=3, max_length=255, description="identity key, e.g. wechat:lin")
    product: str = Field(min_length=1, max_length=64)
    amount: str | None = Field(
        None, max_length=32, description="major units as text; default: the price"
    )
    ref: str | None = Field(None, max_length=200, description="your receipt number: idempotency")
    at: datetime | None = None


class CancelIn(BaseModel):
    """A member's cancellation, recorded on their behalf."""

    model_config = ConfigDict(extra="forbid")
    member: str = Field(min_length=3, max_length=255, description="identity key")
    product: str = Field(min_length=1, max_length=64)
    ref: str | None = Field(None, max_length=200, description="where they said so: idempotency")


class OptOutIn(BaseModel):
    """A member's word on private offers."""

    model_config = ConfigDict(extra="forbid")
    member: str = Field(min_length=3, max_length=255, description="identity key")
    out: bool = Field(True, description="false: they want offers again")


class PayoutIn(BaseModel):
    """A payout to an agent, recorded after the transfer."""

    model_config = ConfigDict(extra="forbid")
    agent: str = Field(min_length=3, max_length=255, description="the agent's identity key")
    amount: str = Field(max_length=32, description="major units as text, e.g. 19.9: exact")
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$")
    note: str | None = Field(None, max_length=500, description="the transfer's reference")


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = Field(False, description="say who would get an offer; record nothing")


@router.get(f"{C}/memberships", response_model=list[dict[str, Any]])
def get_memberships(
    community: CommunityPath,
    op: OperatorDep,
    store: StoreDep,
    state: Annotated[str | None, Query(max_length=16)] = None,
    plan: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    """Memberships (state, end of term, renewals), by member and product."""
    with store.read() as conn:
        access_community(conn, op, community)
        found = list_memberships(
            conn, community, plan=plan, states=(state,) if state is not None else None
        )
        if op.groups is not None:
            where = groups_of(conn, community, [m.identity for m in found])
            found = [m for m in found if where.get(m.identity, set()) & op.groups]
    return [m.to_dict() for m in found]


@router.post(f"{C}/payments", response_model=dict[str, Any])
def post_payment(
    community: CommunityPath, body: PaymentIn, op: ManagerDep, store: StoreDep
) -> dict[str, Any]:
    """Record a manual or offline payment; its membership and admissions follow."""
    with store.read() as conn:
        access_community(conn, op, community)
    event = record_payment(
        store, community, body.member, body.product, amount=body.amount, ref=body.ref,
        who=op.source, at=body.at, writer=op.as_writer(),
    )  # fmt: skip
    return event.to_dict()


@router.post(f"{C}/memberships/cancel", response_model=dict[str, Any])
def post_cancel(
    community: CommunityPath, body: CancelIn, op: ManagerDep, store: StoreDep
) -> dict[str, Any]:
    """The member cancels: the membership runs to the end of its term, with no more renewal
    reminders, then ends. A scoped manager cancels for the members of their groups only."""
    with store.read() as conn:
        access_member(conn, op, community, body.member)
    found = cancel(
        store,
        community,
        body.member,
        body.product,
        source=op.asked_source,
        ref=body.ref or new_ref(),
    )
    return found.to_dict()


@router.post(f"{C}/offers/optout", response_model=dict[str, Any])
def post_optout(
    community: CommunityPath, body: OptOutIn, op: ManagerDep, store: StoreDep
) -> dict[str, Any]:
    """The member wants no private offers (``out``), or wants them again."""
    with store.read() as conn:
        access_member(conn, op, community, body.member)
    opt_out(store, community, body.member, out=body.out, source=op.asked_source, ref=new_ref())
    return {"member": body.member, "opted_out": body.out}


@router.post(f"{C}/offers/plan", response_model=list[dict[str, Any]])
def post_offers_plan(
    community: CommunityPath, body: PlanIn, op: ManagerDep, store: StoreDep
) -> list[dict[str, Any]]:
    """``shequn offers plan``: every member considered, offered or why not (community-wide:
    an unscoped token's)."""
    with store.read() as conn:
        access_community(conn, op, community)
    if op.scoped:
        raise NotFound(
            Said("no offers visible in {community!r} to a group-scoped token", community=community)
        )
    return [p.to_dict() for p in plan_offers(store, community, dry_run=body.dry_run)]


@router.get(f"{C}/commission", response_model=list[dict[str, Any]])
def get_commission(
    community: CommunityPath,
    op: ManagerDep,
    store: StoreDep,
    agent: Annotated[str | None, Query(max_length=255, description="one agent's statement")] = None,
) -> list[dict[str, Any]]:
    """The benefit-sharing ledger (P-MON-4): per agent and currency what was earned, taken
    back by refunds, paid out and is owed, in integer minor units; with ``agent``, that
    agent's statement entry by entry. Owner or manager: a scoped manager sees the agents who
    are members of their groups (commission is money, which a group leader does not handle)."""
    with store.read() as conn:
        access_community(conn, op, community)
        found = ledger.accounts(conn, community, agent)
        if op.groups is not None:
            where = groups_of(conn, community, [a.agent for a in found])
            found = [a for a in found if where.get(a.agent, set()) & op.groups]
    return [a.to_dict(entries=agent is not None) for a in found]


@router.post(f"{C}/commission/payouts", response_model=dict[str, Any])
def post_payout(
    community: CommunityPath, body: PayoutIn, op: ManagerDep, store: StoreDep
) -> dict[str, Any]:
    """Record a payout to an agent (``shequn commission payout``): more than is owed is a
    conflict (409). Returns the account afterwards."""
    with store.read() as conn:
        access_member(conn, op, community, body.agent)
    account = ledger.payout(
        store, community, body.agent, body.amount, currency=body.currency, note=body.note,
        who=f"api:{op.token_id}",
    )  # fmt: skip
    return account.to_dict()

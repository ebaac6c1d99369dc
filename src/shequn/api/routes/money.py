"""Money (P-MON): memberships, and payments recorded by hand (offline, bank transfer, cash).

The same engine functions ``shequn memberships`` and ``shequn payments`` call. Reading
memberships is open to every role, scoped like members: a manager or group leader sees the
memberships of the people in the groups they cover. Recording a payment is a manager's or the
owner's (the ``money`` writer class); a payment platform's webhooks live in
``routes/hooks_payments.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shequn.api.deps import CommunityPath, ManagerDep, OperatorDep, StoreDep, access_community
from shequn.engine.money import record_payment
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

"""The Q&A knowledge base over HTTP (P-ENG-3): list or search, ask, answer.

The same functions ``shequn qa`` calls (``engine/engagement/knowledge.py``). Reading is open to
every role; asking and answering is for writers. A manager's or group leader's token sees
and answers the questions of the groups it covers only — another group's question answers
404 like a missing one — and asks only in a covered group.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from shequn.api.deps import (
    CommunityPath,
    GroupQuery,
    Operator,
    OperatorDep,
    StoreDep,
    WriterDep,
    access_community,
    access_group,
    access_in_group,
    access_member,
    read_groups,
)
from shequn.engine.engagement import knowledge
from shequn.errors import NotFound
from shequn.model.i18n import Said
from shequn.store.db import Store
from shequn.store.qa import Entry

router = APIRouter(tags=["engagement"])
C = "/communities/{community}"


class Ask(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: str = Field(max_length=255, description="member or identity key")
    text: str = Field(min_length=1, max_length=4000)
    group: str | None = Field(None, max_length=128, description="where it belongs, if anywhere")
    ref: str | None = Field(None, max_length=200, description="the message id: idempotency")


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(max_length=512, description="the question's key")
    text: str = Field(min_length=1, max_length=20_000)
    member: str | None = Field(None, max_length=255, description="who wrote it")


def _covered(store: Store, op: Operator, community: str, question: str) -> Entry:
    """The question, if it is in a group the operator covers (else 404, like a missing one)."""
    missing = NotFound(f"no question {question!r}", question=question)
    show = partial(knowledge.show, store, community, question)
    return access_in_group(store, op, community, missing, show, lambda e: e.group)


@router.get(f"{C}/qa", response_model=list[dict[str, Any]])
def get_questions(
    community: CommunityPath, op: OperatorDep, store: StoreDep,
    q: Annotated[str | None, Query(max_length=400, description="Search the answered.")] = None,
    group: GroupQuery = None,
    status: Annotated[str | None, Query(pattern="^(open|answered|repeated)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:  # fmt: skip
    """Questions newest first, or with ``q`` the knowledge base's best matches (``score``)."""
    groups = read_groups(store, op, community, group)
    if q:
        found = knowledge.search(store, community, q, groups=groups, limit=limit)
        return [{**e.to_dict(), "score": s} for e, s in found]
    entries = knowledge.list_questions(store, community, groups=groups, status=status, limit=limit)
    return [e.to_dict() for e in entries]


@router.get(f"{C}/qa/export", response_class=PlainTextResponse)
def get_export(
    community: CommunityPath, op: OperatorDep, store: StoreDep,
    group: GroupQuery = None,
) -> PlainTextResponse:  # fmt: skip
    """The knowledge base of the covered groups as Markdown (沉淀内容)."""
    groups = read_groups(store, op, community, group)
    text = knowledge.export(store, community, groups)
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


@router.post(f"{C}/qa/questions", response_model=dict[str, Any])
def post_question(
    community: CommunityPath, body: Ask, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Record a member's question; a repeat of an answered one is answered at once."""
    with store.read() as conn:
        if body.group is not None:
            access_group(conn, op, community, body.group)
        elif op.groups is not None:
            raise NotFound(Said("a scoped token asks in one of its groups"), group=None)
        member = access_member(conn, op, community, body.member)
    found = knowledge.ask(
        store,
        community,
        member.key,
        body.text,
        group=body.group,
        source=op.asked_source,
        ref=body.ref,
    )
    return found.to_dict()


@router.post(f"{C}/qa/answers", response_model=dict[str, Any])
def post_answer(
    community: CommunityPath, body: Answer, op: WriterDep, store: StoreDep
) -> dict[str, Any]:
    """Give or mark a question's answer: it enters the knowledge base."""
    with store.read() as conn:
        access_community(conn, op, community)
        who = access_member(conn, op, community, body.member).key if body.member else None
    _covered(store, op, community, body.question)
    found = knowledge.answer(
        store, community, body.question, body.text, source=op.asked_source, answerer=who
    )
    return found.to_dict()

"""The Q&A page: ``/c/{community}/qa`` — the knowledge base on the dashboard (P-ENG-3): each
group's questions still unanswered after ``hours`` (the blueprint's ``surface_after_hours`` by
default: the age at which the leaders hear of them), the answered ones with their answer, and
a search box over the knowledge base. A writer answers an open question from here.

The same functions as ``shequn qa`` and ``GET/POST …/qa`` (``engine/engagement/knowledge.py``)
and the same scoping: a manager's or group leader's session sees and answers its own groups'
questions only — another group's question is a 404 like a missing one — and an analyst reads
and sees no answer form.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse

from shequn.api.deps import Operator, access_in_group, read_groups
from shequn.engine.decisions import operator_source
from shequn.engine.engagement import knowledge
from shequn.errors import NotFound
from shequn.model.i18n import N_
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.qa import Entry
from shequn.web.app import CsrfField, PageDep, checked_writer
from shequn.web.pages import GroupQ, _visible_groups, router

RECENT = 100
"""Answered questions the page lists (newest first); ``shequn qa export`` gives them all."""
OPEN = 500
"""Open questions read per page; the oldest beyond that wait for ``shequn qa list``."""
BY = {"reply": N_("a reply (the best by the rule)"), "marked": N_("marked by a manager")}
"""How an answer came to be the answer (``Entry.answered_by``), as the page words it."""
HoursQ = Annotated[float | None, Query(ge=0, le=24 * 365)]
SearchQ = Annotated[str | None, Query(max_length=400)]


def qa_view(
    store: Store, op: Operator, community: str, group: str | None, *,
    hours: float | None = None, q: str | None = None, now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """What the page shows this operator: the open questions older than ``hours`` by group
    (oldest first), the latest answered ones and, with ``q``, the knowledge base's matches."""
    groups = read_groups(store, op, community, group)
    with store.read() as conn:
        cfg = get_blueprint(conn, community).engagement.qa
    hours = cfg.surface_after_hours if hours is None else hours
    before = (now or datetime.now(UTC)) - timedelta(hours=hours)
    waiting: dict[str, list[Entry]] = {}
    for e in knowledge.list_questions(store, community, groups=groups, status="open", limit=OPEN):
        if e.asked_at <= before:
            waiting.setdefault(e.group or "", []).insert(0, e)  # listed newest first
    answered = knowledge.list_questions(
        store, community, groups=groups, status="answered", limit=RECENT
    )
    found = knowledge.search(store, community, q, groups=groups, limit=20) if q else None
    return {"waiting": dict(sorted(waiting.items())), "answered": answered, "found": found,
            "hours": int(hours) if float(hours).is_integer() else hours, "q": q or "",
            "group": group, "by": BY}  # fmt: skip


def _render(p: PageDep, group: str | None, hours: float | None, q: str | None,
            done: str | None = None) -> HTMLResponse:  # fmt: skip
    view = qa_view(p.store, p.op, p.community, group, hours=hours, q=q)
    return p.render("qa.html", done=done, groups=_visible_groups(p), scope={"group": group},
                    **view)  # fmt: skip


@router.get("/qa", response_class=HTMLResponse)
def qa_page(
    p: PageDep, group: GroupQ = None, hours: HoursQ = None, q: SearchQ = None
) -> HTMLResponse:
    return _render(p, group or None, hours, (q or "").strip() or None)


@router.post("/qa/answer", response_model=None)
def answer_question(
    p: PageDep,
    request: Request,
    csrf: CsrfField,
    question: Annotated[str, Form(min_length=1, max_length=512)],
    text: Annotated[str, Form(min_length=1, max_length=20_000)],
) -> HTMLResponse:
    """Answer an open question, as ``POST …/qa/answers`` does: it enters the knowledge base."""
    op = checked_writer(p, csrf)
    missing = NotFound(f"no question {question!r}", question=question)
    show = partial(knowledge.show, p.store, p.community, question)
    access_in_group(p.store, op, p.community, missing, show, lambda e: e.group)
    knowledge.answer(p.store, p.community, question, text.strip(),
                     source=operator_source(f"web:{op.token_id}"))  # fmt: skip
    request.state.audit_summary = {"answered": question}
    return _render(p, None, None, None, done=p._("Answered: it is in the knowledge base now."))

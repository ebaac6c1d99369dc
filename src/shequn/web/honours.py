"""The honours page: ``/c/{community}/honours`` — the role models named in the groups the
operator covers, with their stories (P-ENG-8; seed 002: people follow an example they can
see), and a form to name one for those allowed.

The same functions and rules as ``shequn honours list|nominate`` and ``GET/POST …/honours``
(``engine/engagement/honour_stories.py``): any writer names a role model in a group they
cover, the member must be one they can see (another group's member is a 404 like a missing
one), and the story goes to the group as a ``honour_story`` action. An analyst reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from shequn.api.deps import access_group, access_member, read_groups
from shequn.engine.decisions import operator_source
from shequn.engine.engagement import honour_stories
from shequn.web.app import CsrfField, PageDep, checked_writer
from shequn.web.pages import GroupQ, _visible_groups, router, writable_groups


def _render(p: PageDep, group: str | None, done: str | None = None) -> HTMLResponse:
    """The role models this session may see (newest first) and the groups it may name one in."""
    groups = read_groups(p.store, p.op, p.community, group)
    found = honour_stories.list_honours(p.store, p.community)
    shown = [h for h in found if groups is None or h.group in groups]
    return p.render("honours.html", done=done, groups=_visible_groups(p), scope={"group": group},
                    honours=shown, nominate_in=writable_groups(p, groups))  # fmt: skip


@router.get("/honours", response_class=HTMLResponse)
def honours_page(p: PageDep, group: GroupQ = None) -> HTMLResponse:
    return _render(p, group or None)


@router.post("/honours", response_model=None)
def nominate(
    p: PageDep,
    request: Request,
    csrf: CsrfField,
    group: Annotated[str, Form(min_length=1, max_length=128)],
    member: Annotated[str, Form(min_length=1, max_length=255)],
    title: Annotated[str, Form(min_length=1, max_length=255)],
    story: Annotated[str, Form(min_length=1, max_length=4000)],
) -> HTMLResponse:
    """Name a role model and tell their story to the group, as ``POST …/honours`` does."""
    op = checked_writer(p, csrf)
    with p.store.read() as conn:
        access_group(conn, op, p.community, group)
        found = access_member(conn, op, p.community, member.strip())
    honour, new = honour_stories.nominate(
        p.store, p.community, found.key, group, title=title.strip(), story=story.strip(),
        source=operator_source(f"web:{op.token_id}"),
    )  # fmt: skip
    request.state.audit_summary = {"honour": honour.honour, "new": new}
    said = (
        p._("Named: the story goes to the group.")
        if new
        else p._("Named before: nothing is told again.")
    )
    return _render(p, None, done=said)

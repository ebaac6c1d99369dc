"""The community pages: ``/c/{community}`` and below. Each one resolves who may see what
(``Page``, the API's access lookups), asks ``views`` for the data and renders a template.

Writes go through the engine or the API's own route functions — the dashboard never has a
second way of doing something the API does.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from shequn.analytics.scope import Scope
from shequn.api.deps import access_group, access_member, can_see
from shequn.api.routes.imports import post_import
from shequn.engine import delegation
from shequn.engine.decisions import operator_source
from shequn.engine.organization import change_role
from shequn.engine.organization_levels import standings
from shequn.errors import Conflict, ShequnError
from shequn.ingest.registry import FORMATS
from shequn.model.error_text import said_error
from shequn.store.growth_queries import get_blueprint
from shequn.store.queries import list_groups
from shequn.web import views
from shequn.web.app import CsrfField, HtmlRoute, PageDep, checked_writer, with_analytics

router = APIRouter(route_class=HtmlRoute, include_in_schema=False, prefix="/c/{community}")
GroupQ = Annotated[str | None, Query(max_length=128)]
PROMOTED_ROLE = "group_leader"
"""What "promote key member" makes someone (P-ORG-2: a small task, then a role)."""


def _visible_groups(p: PageDep) -> list[str]:
    return [s.group or "" for s in p.scopes()] if p.op.scoped else []


def writable_groups(p: PageDep, shown: Collection[str] | None) -> list[str]:
    """The groups a page's form may act in: those the session covers, of the ``shown`` ones
    (``None``: every group); empty for a session that only reads."""
    if not p.op.can_write:
        return []
    with p.store.read() as conn:
        mine = [g.slug for g in list_groups(conn, p.community) if p.op.covers(g.slug)]
    return [g for g in mine if shown is None or g in shown]


@router.get("", response_class=HTMLResponse)
def overview_page(p: PageDep, group: GroupQ = None) -> HTMLResponse:
    scope = p.scope(group)
    with with_analytics(p) as con:
        data = views.overview(con, scope, p._)
    return p.render("overview.html", scope=scope, groups=_visible_groups(p), **data)


@router.get("/groups", response_class=HTMLResponse)
def groups_page(p: PageDep) -> HTMLResponse:
    targets = p.scopes()
    with with_analytics(p) as con:
        rows = views.group_table(con, targets)
    return p.render("groups.html", rows=rows)


@router.get("/groups/{group}", response_class=HTMLResponse)
def group_page(p: PageDep, group: str) -> HTMLResponse:
    with p.store.read() as conn:
        found = access_group(conn, p.op, p.community, group)
    with with_analytics(p) as con:
        data = views.group_detail(con, Scope(p.community, found.slug), p._)
    return p.render("group.html", group=found, **data)


@router.get("/retention", response_class=HTMLResponse)
def retention_page(p: PageDep, group: GroupQ = None) -> HTMLResponse:
    scope = p.scope(group)
    with with_analytics(p) as con:
        data = views.retention_page(con, scope, p._)
    return p.render("retention.html", scope=scope, groups=_visible_groups(p), **data)


@router.get("/members", response_class=HTMLResponse)
def members_page(
    p: PageDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
) -> HTMLResponse:
    levels = {s["member"]: s for s in standings(p.store, p.community)}
    found = delegation.coverage(p.store, p.community)
    with p.store.read() as conn:
        bp = get_blueprint(conn, p.community)
        names = [
            bp.organization.level_name(n, bp.community.language)
            for n in range(len(bp.organization.levels) + 1)
        ]
        data = views.members_page(
            conn, p.op, p.community, search=q or None, after=after, _=p._,
            levels=levels, level_names=names,
        )  # fmt: skip
        if p.op.scoped:
            found = delegation.scoped(
                found, p.op.covers, lambda m: can_see(conn, p.op, p.community, m)
            )
    return p.render("members.html", q=q or "", coverage=found, **data)


@router.get("/members/{ref}", response_class=HTMLResponse)
def member_page(p: PageDep, ref: str) -> HTMLResponse:
    with p.store.read() as conn:
        member = access_member(conn, p.op, p.community, ref)
        events = views.timeline(conn, p.op, p.community, member)
    return p.render("member.html", member=member, events=events, role=views.highest_role(member))


@router.get("/diagnose", response_class=HTMLResponse)
def diagnose_page(p: PageDep) -> HTMLResponse:
    targets = p.scopes()
    with with_analytics(p) as con:
        found = views.moves(con, targets)
    return p.render("diagnose.html", moves=found, done=None)


@router.post("/diagnose/promote", response_model=None)
def promote(
    p: PageDep,
    request: Request,
    csrf: CsrfField,
    group: Annotated[str, Form(max_length=128)],
    member: Annotated[str, Form(max_length=255)],
) -> Response:
    """Give a key member the group-leader role (the ``promote_key_member`` move). With htmx
    the button is swapped for a confirmation; without JS the diagnosis page is shown again."""
    op = checked_writer(p, csrf)
    with p.store.read() as conn:
        found = access_group(conn, op, p.community, group)
        person = access_member(conn, op, p.community, member)
    try:
        event = change_role(
            p.store,
            p.community,
            str(person.id),
            PROMOTED_ROLE,
            group=found.slug,
            source=operator_source(f"web:{op.token_id}"),
        )
        done = f"{event.subject} → {PROMOTED_ROLE} ({found.slug})"
    except Conflict as e:
        done = p._(e.message)  # a Said: in the reader's language
    request.state.audit_summary = {"promoted": person.key, "group": found.slug}
    if request.headers.get("HX-Request"):
        return p.render("_promoted.html", done=done)
    with with_analytics(p) as con:
        moves = views.moves(con, p.scopes())
    return p.render("diagnose.html", moves=moves, done=done)


@router.get("/import", response_class=HTMLResponse)
def import_form(p: PageDep) -> HTMLResponse:
    return p.render("import.html", formats=sorted(FORMATS), summary=None, error=None)


@router.post("/import", response_model=None)
def import_upload(
    p: PageDep,
    request: Request,
    csrf: CsrfField,
    file: Annotated[UploadFile, File()],
    fmt: Annotated[str, Form(alias="format")] = "",
    group: Annotated[str, Form()] = "",
    tz: Annotated[str, Form()] = "",
) -> Response:
    """Run the upload through the API's import route function, and show its summary."""
    op = checked_writer(p, csrf)
    try:
        summary = post_import(
            community=p.community,
            op=op,
            store=p.store,
            request=request,
            file=file,
            fmt=fmt or None,
            group=group or None,
            tz=tz or None,
        )
    except ShequnError as e:
        return p.render(
            "import.html",
            status=e.status,
            formats=sorted(FORMATS),
            summary=None,
            error=p._(said_error(e) or e.message),  # the file and line kept, said in Chinese
        )
    return p.render("import.html", formats=sorted(FORMATS), summary=summary, error=None)

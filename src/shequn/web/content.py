"""The content page: ``/c/{community}/content`` — each piece of content with its own live code
(P-CHN-3) and the members it brought into its group, and how many of them stayed: the same
``list_entries`` as ``shequn content entry list`` and ``GET …/content/entries``, scoped the
same way (a manager's or group leader's session sees its own groups' pieces).

A writer gives a new piece its entry from the page (the form posts to ``/content`` and calls
``content_entries.create_entry`` with the API's rules: a group the session covers), and each
piece's footer block is shown as it will look and as the HTML and Markdown to paste
(``/content/{entry}``, the same ``footer`` as ``GET …/footer``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from shequn.api.deps import access_group, access_in_group, read_groups
from shequn.engine.decisions import operator_source
from shequn.engine.engagement import content_entries
from shequn.errors import NotFound
from shequn.store.growth_queries import get_blueprint
from shequn.web.app import CsrfField, PageDep, checked_writer
from shequn.web.pages import GroupQ, _visible_groups, router, writable_groups


def _render(p: PageDep, group: str | None, done: str | None = None) -> HTMLResponse:
    groups = read_groups(p.store, p.op, p.community, group)
    entries = content_entries.list_entries(p.store, p.community, groups)
    return p.render("content.html", entries=entries, groups=_visible_groups(p), done=done,
                    scope={"group": group}, create_in=writable_groups(p, groups))  # fmt: skip


@router.get("/content", response_class=HTMLResponse)
def content_page(p: PageDep, group: GroupQ = None) -> HTMLResponse:
    return _render(p, group or None)


@router.post("/content", response_model=None)
def create(
    p: PageDep,
    request: Request,
    csrf: CsrfField,
    group: Annotated[str, Form(min_length=1, max_length=128)],
    title: Annotated[str, Form(min_length=1, max_length=255)],
    url: Annotated[str, Form(min_length=1, max_length=2000)],
    entry: Annotated[str, Form(max_length=48)] = "",
) -> HTMLResponse:
    """Give a piece its own live code into ``group``, as ``POST …/content/entries`` does."""
    op = checked_writer(p, csrf)
    with p.store.read() as conn:
        access_group(conn, op, p.community, group)
    found, new = content_entries.create_entry(
        p.store, p.community, title=title.strip(), url=url.strip(), group=group,
        entry=entry.strip() or None, source=operator_source(f"web:{op.token_id}"),
    )  # fmt: skip
    request.state.audit_summary = {"entry": found.entry, "new": new}
    said = (
        p._("Entry {entry} created: put its footer under the piece.")
        if new
        else p._("Entry {entry} existed: nothing changed.")
    )
    return _render(p, None, done=said.format(entry=found.entry))


@router.get("/content/{entry}", response_class=HTMLResponse)
def footer_page(p: PageDep, entry: Annotated[str, Path(max_length=48)]) -> HTMLResponse:
    """One piece's footer: as readers will see it, and its HTML and Markdown to copy."""
    from shequn.api.content_footer import entry_footer  # Pillow and segno only when asked

    missing = NotFound(f"no content entry {entry!r} in {p.community!r}", entry=entry)
    show = lambda: content_entries.show(p.store, p.community, entry)  # noqa: E731
    found = access_in_group(p.store, p.op, p.community, missing, show, lambda e: e.group)
    with p.store.read() as conn:
        bp = get_blueprint(conn, p.community)
    html, md = entry_footer(bp, found, "html"), entry_footer(bp, found, "md")
    # The HTML block is built escaped by ``footer`` itself (every outside text through escape).
    return p.render("content_footer.html", entry=found, preview=Markup(html),  # noqa: S704
                    html=html, md=md)  # fmt: skip

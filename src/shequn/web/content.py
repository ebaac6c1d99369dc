"""The content page: ``/c/{community}/content`` — each piece of content with its own live code
(P-CHN-3) and the members it brought into its group, and how many of them stayed: the same
``list_entries`` as ``shequn content entry list`` and ``GET …/content/entries``, scoped the
same way (a manager's or group leader's session sees its own groups' pieces).
"""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from shequn.api.deps import read_groups
from shequn.engine.engagement import content_entries
from shequn.web.app import PageDep
from shequn.web.pages import GroupQ, _visible_groups, router


@router.get("/content", response_class=HTMLResponse)
def content_page(p: PageDep, group: GroupQ = None) -> HTMLResponse:
    groups = read_groups(p.store, p.op, p.community, group or None)
    entries = content_entries.list_entries(p.store, p.community, groups)
    return p.render("content.html", entries=entries, groups=_visible_groups(p),
                    scope={"group": group or None})  # fmt: skip

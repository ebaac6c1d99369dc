"""The moderation page: ``/c/{community}/moderation`` — the ladder's recent steps with the
rule's evidence and the message, the appeals waiting for a decision, and the steps per rule
(P-RUL-2), with a button to undo a step and two to decide an appeal.

The same service functions as ``shequn moderation`` and the API's moderation routes
(``engine/rules/manage.py``), and the API's own step lookup (``access_step``): a manager or
group leader sees and acts on the steps of their groups only, another group's step is a 404
like a missing one, an analyst reads and sees no buttons.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from shequn.api.deps import Operator, read_groups
from shequn.api.routes.moderation import access_step
from shequn.engine.decisions import operator_source
from shequn.engine.rules import manage
from shequn.errors import Conflict
from shequn.store.db import Store
from shequn.web.app import CsrfField, PageDep, checked_writer
from shequn.web.pages import GroupQ, _visible_groups, router

RECENT = 100
"""Steps the page lists (newest first); ``shequn moderation list --limit`` for more."""
STEPS = ("reminder", "warning", "mute", "removal")


def moderation_view(
    store: Store, op: Operator, community: str, group: str | None
) -> dict[str, Any]:
    """The steps, appeals and counts this operator may see (``group``: only that one)."""
    groups = read_groups(store, op, community, group)
    return {
        "steps": manage.list_steps(store, community, groups=groups, limit=RECENT),
        "appeals": manage.list_appeals(store, community, groups=groups),
        "counts": manage.count_steps(store, community, groups=groups),
        "kinds": STEPS,
        "group": group,
    }


def _render(p: PageDep, group: str | None, done: str | None) -> HTMLResponse:
    view = moderation_view(p.store, p.op, p.community, group)
    return p.render("moderation.html", done=done, groups=_visible_groups(p),
                    scope={"group": group}, **view)  # fmt: skip


@router.get("/moderation", response_class=HTMLResponse)
def moderation_page(p: PageDep, group: GroupQ = None) -> HTMLResponse:
    return _render(p, group or None, None)


@router.post("/moderation/do", response_model=None)
def moderate(
    p: PageDep,
    request: Request,
    csrf: CsrfField,
    what: Annotated[str, Form(pattern="^(reverse|granted|upheld)$")],
    step: Annotated[int, Form(ge=1, le=2**63 - 1)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse:
    """Undo a step, or decide its appeal (``granted`` undoes the step too), as
    ``POST …/moderation/steps/{id}/reverse`` and ``…/appeal`` do."""
    op = checked_writer(p, csrf)
    ref = access_step(p.store, op, p.community, step)
    source = operator_source(f"web:{op.token_id}")
    try:
        if what == "reverse":
            manage.reverse(p.store, p.community, ref, by=None, reason=reason, source=source)
        else:
            manage.decide_appeal(p.store, p.community, ref, "granted" if what == "granted"
                                 else "upheld", by=None, reason=reason, source=source)  # fmt: skip
        done = f"{p._('step')} {step}: {p._(what)}"
    except Conflict as e:
        done = p._(e.message)  # a Said: in the reader's language
    request.state.audit_summary = {what: step}
    return _render(p, None, done)

"""The motions page: ``/c/{community}/motions`` — the rules of order (P-ORG-3) on the
dashboard: the motions of the groups a token covers with their state, deadline and tally, and
the elections with their candidates and, once closed, the votes per candidate and the winners.
A writer seconds and votes on a member's behalf and casts a member's ballot from here.

The same engine functions and the same scoping as the API's organization routes
(``api/routes/organization.py``: ``on_motion``, ``access_election``): another group's motion
or election is a 404 like a missing one, an analyst reads and sees no buttons. Ballots are
secret: the page shows how many were cast and, once closed, the counts — never who voted for
whom (the owner's audit stays in ``shequn election audit`` and the API).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from shequn.api.deps import Operator, access_member, read_groups
from shequn.api.routes.organization import access_election, on_motion
from shequn.engine import elections, motions
from shequn.engine.decisions import operator_source
from shequn.errors import Conflict
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.web.app import CsrfField, PageDep, checked_writer
from shequn.web.pages import GroupQ, _visible_groups, router

RECENT = 50
"""Motions and elections the page lists (newest first); the CLI and the API list them all."""
Key = Annotated[str, Form(min_length=1, max_length=255)]
Id = Annotated[str, Form(min_length=1, max_length=64)]


def motion_state(row: dict[str, Any], second_required: bool, now: datetime) -> str:
    """Where a motion is: its result once closed, else waiting for a seconder, voting, or
    past its deadline until the close tick counts it."""
    if row["result"] is not None:
        return str(row["result"])
    if now >= datetime.fromisoformat(row["closes_at"]):
        return "counting"
    return "awaiting_second" if second_required and row["seconder"] is None else "voting"


def election_state(row: dict[str, Any], now: datetime) -> str:
    """Where an election is: nominating, voting, counting (past its close), closed."""
    if row["winners"] is not None:
        return "closed"
    if now < datetime.fromisoformat(row["nominations_close"]):
        return "nominating"
    return "voting" if now < datetime.fromisoformat(row["voting_close"]) else "counting"


def motions_view(store: Store, op: Operator, community: str, group: str | None) -> dict[str, Any]:
    """The motions and elections this operator may see (``group``: only that one's)."""
    groups = read_groups(store, op, community, group)
    now = datetime.now(UTC)
    with store.read() as conn:
        second_required = get_blueprint(conn, community).organization.motions.second_required
    found = motions.list_motions(store, community, groups=groups, now=now)[:RECENT]
    ballots = elections.list_elections(store, community, groups=groups, now=now)[:RECENT]
    return {
        "motions": [{**m, "state": motion_state(m, second_required, now)} for m in found],
        "elections": [{**e, "state": election_state(e, now)} for e in ballots],
        "group": group,
    }


def _render(p: PageDep, group: str | None, done: str | None) -> HTMLResponse:
    view = motions_view(p.store, p.op, p.community, group)
    return p.render("motions.html", done=done, groups=_visible_groups(p),
                    scope={"group": group}, **view)  # fmt: skip


@router.get("/motions", response_class=HTMLResponse)
def motions_page(p: PageDep, group: GroupQ = None) -> HTMLResponse:
    return _render(p, group or None, None)


@router.post("/motions/do", response_model=None)
def act_on_motion(
    p: PageDep,
    request: Request,
    csrf: CsrfField,
    what: Annotated[str, Form(pattern="^(second|yes|no|abstain)$")],
    motion: Id,
    member: Key,
) -> HTMLResponse:
    """Second a motion or cast a member's vote, as ``POST …/motions/{id}/second`` and
    ``…/votes`` do."""
    op = checked_writer(p, csrf)
    source = operator_source(f"web:{op.token_id}")
    c, s = p.community, p.store
    try:
        if what == "second":
            seconded = partial(motions.second, s, c, motion, source=source)
            on_motion(s, op, c, motion, member, seconded)
            done = p._("motion") + f" {motion}: " + p._("seconded")
        else:

            def cast(key: str) -> bool:
                return motions.vote(s, c, motion, key, what, source=source)

            new = on_motion(s, op, c, motion, member, cast)
            said = p._("vote recorded") if new else p._("voted already")
            done = p._("motion") + f" {motion}: {said}"
    except Conflict as e:
        done = p._(e.message)  # a Said: in the reader's language
    request.state.audit_summary = {what: motion}
    return _render(p, None, done)


@router.post("/motions/ballot", response_model=None)
def cast_ballot(
    p: PageDep, request: Request, csrf: CsrfField, election: Id, voter: Key, candidate: Key
) -> HTMLResponse:
    """Cast a member's secret ballot, as ``POST …/elections/{id}/ballots`` does; the notice
    names neither the voter nor the candidate."""
    op = checked_writer(p, csrf)
    access_election(p.store, op, p.community, election)
    with p.store.read() as conn:
        who = access_member(conn, op, p.community, voter).key
        whom = access_member(conn, op, p.community, candidate).key
    try:
        new = elections.cast_ballot(p.store, p.community, election, who, whom,
                                    source=operator_source(f"web:{op.token_id}"))  # fmt: skip
        said = p._("ballot cast") if new else p._("voted already")
        done = p._("election") + f" {election}: {said}"
    except Conflict as e:
        done = p._(e.message)  # a Said: in the reader's language
    request.state.audit_summary = {"ballot": election}  # never the voter nor the candidate
    return _render(p, None, done)

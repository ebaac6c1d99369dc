"""``shequn actions``: the outbox — what the engine asks a platform to do (admit a newcomer,
send a message, request a payment, open a group …) and the worker's report back."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    community_blueprint,
    echo,
    open_store,
    out,
    print_json,
    print_table,
    say,
    show_time,
)
from shequn.errors import InvalidEvent, ShequnError
from shequn.model.actions import said_status
from shequn.model.blueprint import Blueprint
from shequn.model.i18n import N_, Said
from shequn.model.templates import render_payload
from shequn.store import action_states
from shequn.store.outbox import finish, list_actions

actions_app = typer.Typer(help="The outbox: actions for a platform bot.", no_args_is_help=True)


@actions_app.command("list")
def actions_list(
    status: Annotated[
        str,
        typer.Option(help="pending, leased, done, failed, dead, review, cancelled or all."),
    ] = "pending",
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. member.admit.")] = None,
    after: Annotated[int, typer.Option(help="Only ids above this (a worker's cursor).")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many.")] = 100,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Actions in id order, oldest first."""
    with open_store() as store:
        slug, bp = community_blueprint(store, community)
        with store.read() as conn:
            rows = list_actions(
                conn,
                community=slug,
                status=None if status == "all" else status,
                kind=kind,
                after=after,
                limit=limit,
            )
    if as_json:
        print_json(rows)
        return
    print_table(
        Said("{n} actions ({status})", n=len(rows), status=said_status(status)),
        [
            N_("id"),
            N_("kind"),
            N_("group"),
            N_("status"),
            N_("tries"),
            N_("payload"),
            N_("next run"),
            N_("last error"),
        ],
        [
            (
                r["id"],
                r["kind"],
                r["group_slug"],
                say(said_status(r["status"])),
                r["attempts"],
                _said(bp, r["payload"], short=True),
                show_time(r["next_run_at"]),
                say(action_states.last_error(r)),
            )
            for r in rows
        ],
    )


@actions_app.command("done")
def actions_done(
    action_id: Annotated[int, typer.Argument(help="The action's id.")],
    failed: Annotated[bool, typer.Option("--failed", help="Report a failure instead.")] = False,
    result: Annotated[str | None, typer.Option(help="A JSON object to keep with it.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Report an action carried out (or failed)."""
    try:
        detail = json.loads(result) if result else None
    except json.JSONDecodeError as e:
        raise InvalidEvent(Said("--result is not JSON: {msg}", msg=e.msg), field="result") from None
    if detail is not None and not isinstance(detail, dict):
        raise InvalidEvent(Said("--result must be a JSON object"), field="result")
    with open_store() as store, store.transaction() as conn:
        row = finish(conn, action_id, "failed" if failed else "done", detail)
    print_json(row) if as_json else echo(_action(action_id, row["status"]))


@actions_app.command("show")
def actions_show(
    action_id: Annotated[int, typer.Argument(help="The action's id.")], as_json: JsonFlag = False
) -> None:
    """One action: its payload, state, attempts, last error and the platform's answer."""
    with open_store() as store:
        with store.read() as conn:
            row = action_states.get(conn, action_id)
        _, bp = community_blueprint(store, row["community_slug"])
    if as_json:
        print_json(row)
        return
    for key in ("id", "kind", "status", "community_slug", "group_slug", "target", "attempts"):
        out.print(f"{say(key)}: {say(said_status(row[key])) if key == 'status' else row[key]}")
    for key in ("due_at", "next_run_at", "attempt_started_at", "updated_at"):
        out.print(f"{say(key)}: {show_time(row[key])}")
    out.print(f"{say(N_('last_error'))}: {say(action_states.last_error(row))}")
    for key in ("platform_ref", "connector", "idempotency_key"):
        out.print(f"{say(key)}: {row[key] or ''}")
    out.print(f"{say(N_('payload'))}: {json.dumps(row['payload'], ensure_ascii=False)}")
    if "template" in row["payload"] or "text" in row["payload"]:
        out.print(f"{say(N_('message'))}: {_said(bp, row['payload'])}")
    result = "" if row["result"] is None else json.dumps(row["result"], ensure_ascii=False)
    out.print(f"{say(N_('result'))}: {result}")


_WORD_END = re.compile(r"[^\w-]")


def _said(bp: Blueprint, payload: dict[str, Any], *, short: bool = False) -> str:
    """What a person would read: a message payload rendered as the worker will send it (its
    template in the community's language), on one line and cut at 60 characters when
    ``short``; any other payload as its JSON (so does a template that does not render: the
    worker's error names the text)."""
    try:
        text = render_payload(bp, payload)
    except ShequnError:
        text = json.dumps(payload, ensure_ascii=False)
    if short:
        text = " ".join(text.split())
        if len(text) <= 60:
            return text
        cut = text[:59]  # after a word, where one ends: half a name reads as another word
        ends = [m.end() for m in _WORD_END.finditer(cut, 30)]
        return cut[: ends[-1]].rstrip() + "…" if ends else cut + "…"
    return text


SHOWN = (
    N_("all"),  # the status filter that shows every action
    N_("message"),
    N_("kind"),
    N_("community_slug"),
    N_("group_slug"),
    N_("target"),
    N_("attempts"),
    N_("due_at"),
    N_("next_run_at"),
    N_("attempt_started_at"),
    N_("updated_at"),
    N_("last_error"),
    N_("platform_ref"),
    N_("connector"),
    N_("idempotency_key"),
)
"""The fields ``actions show`` names, for the catalogue."""


def _action(action_id: int, status: str) -> Said:
    return Said("action {id}: {status}", id=action_id, status=said_status(status))


@actions_app.command("retry")
def actions_retry(
    action_id: Annotated[int, typer.Argument(help="The action's id.")], as_json: JsonFlag = False
) -> None:
    """Send a failed, dead, reviewed or cancelled action back to the queue, due now."""
    with open_store() as store, store.transaction() as conn:
        row = action_states.retry(conn, action_id, datetime.now(UTC))
    print_json(row) if as_json else echo(_action(action_id, row["status"]))


@actions_app.command("cancel")
def actions_cancel(
    action_id: Annotated[int, typer.Argument(help="The action's id.")], as_json: JsonFlag = False
) -> None:
    """Cancel an action nobody is carrying out; its open task is closed."""
    with open_store() as store, store.transaction() as conn:
        row = action_states.cancel(conn, action_id, datetime.now(UTC))
    print_json(row) if as_json else echo(_action(action_id, row["status"]))

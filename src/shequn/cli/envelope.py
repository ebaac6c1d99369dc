"""``shequn envelope``: the dead-group test (P-ENG-4, seed 001).

Thin, like every command: ``engine/engagement/envelopes.py`` does the work. ``test`` asks for
a test envelope (an operator task: no bot can send one on WeChat or QQ); ``sent`` records the
envelope the operator sent by hand; grabs arrive from bots, imports and ``POST /events``; the
worker's ``envelopes.judge`` tick gives the verdict when the window has passed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    echo,
    open_store,
    pick_community,
    print_json,
    print_table,
    say,
)
from shequn.engine.decisions import new_ref
from shequn.engine.engagement import envelopes
from shequn.engine.engagement.envelope_rules import PURPOSE
from shequn.engine.record import record
from shequn.model.events import Event
from shequn.model.i18n import N_, Said

envelope_app = typer.Typer(help="Red envelopes: the dead-group test. 红包测试：群是否还活着。")

Group = Annotated[str, typer.Argument(help="The group's slug.")]


@envelope_app.command("test")
def test_command(group: Group, community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Ask for a dead-group test: an operator task to send a red envelope. 发起红包测试。"""
    with open_store() as store:
        slug = pick_community(store, community)
        new = envelopes.request_test(store, slug, group, actor="operator:cli")
    if as_json:
        print_json({"group": group, "requested": new})
    else:
        echo(N_("operator task queued") if new else N_("asked for today already"))


@envelope_app.command("sent")
def sent_command(
    group: Group,
    shares: Annotated[int, typer.Option(min=1, help="Shares the envelope was split into.")],
    member: Annotated[str, typer.Option(help="Who sent it (identity key).")],
    envelope: Annotated[str | None, typer.Option(help="Its id (default: a new one).")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a test envelope sent by hand (purpose dead_group_test). 登记已发的测试红包。"""
    ref = envelope or new_ref()
    with open_store() as store:
        slug = pick_community(store, community)
        sent = Event("redenvelope.sent", datetime.now(UTC), slug, "operator:cli", ref,
                     group=group, actor=member,
                     data={"envelope": ref, "count": shares, "purpose": PURPOSE})  # fmt: skip
        new = record(store, [sent]).new
    print_json({"envelope": ref, "new": bool(new)}) if as_json else typer.echo(ref)


@envelope_app.command("tests")
def tests_command(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Test envelopes of the last two weeks and their verdicts. 红包测试结果。"""
    with open_store() as store:
        found = envelopes.list_tests(store, pick_community(store, community))
    if as_json:
        print_json(found)
        return
    rows = [(x["group"], x["envelope"], x["sent_at"][:16], x["shares"] or "",
             x["grabbed"] if x["grabbed"] is not None else "", say(x["verdict"] or N_("waiting")))
            for x in found]  # fmt: skip
    print_table(Said("{n} tests", n=len(found)), [N_("group"), N_("envelope"), N_("sent"),
                N_("shares"), N_("grabbed"), N_("verdict")], rows)  # fmt: skip

"""``shequn envelope``: the dead-group test (P-ENG-4, seed 001).

Thin, like every command: ``engine/engagement/envelopes.py`` does the work. ``test`` asks for
a test envelope (an operator task: no bot can send one on WeChat or QQ); ``sent`` records the
envelope the operator sent by hand and ``grab`` each grab they saw (no connector reports
envelopes; imports and ``POST /events`` carry them too); the worker's ``envelopes.judge`` tick
gives the verdict when the window has passed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from shequn.cli.common import (
    TIME_FORMATS,
    CommunityOpt,
    JsonFlag,
    echo,
    open_store,
    pick_community,
    print_json,
    print_table,
    say,
)
from shequn.engine.engagement import envelopes
from shequn.model.i18n import N_, Said

envelope_app = typer.Typer(help="Red envelopes: the dead-group test. 红包测试：群是否还活着。")

Group = Annotated[str, typer.Argument(help="The group's slug.")]
At = Annotated[
    datetime | None,
    typer.Option(formats=TIME_FORMATS, help="When, e.g. 2026-05-08T20:05 (the community's "
                 "time zone unless one is given; default: now)."),
]  # fmt: skip


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
    at: At = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a test envelope sent by hand (purpose dead_group_test). 登记已发的测试红包。"""
    with open_store() as store:
        slug = pick_community(store, community)
        ref, new = envelopes.record_sent(store, slug, group, member, shares, envelope=envelope,
                                         at=at)  # fmt: skip
    print_json({"envelope": ref, "new": new}) if as_json else typer.echo(ref)


@envelope_app.command("grab")
def grab_command(
    group: Group,
    member: Annotated[str, typer.Option(help="Who grabbed a share (identity key).")],
    amount: Annotated[float | None, typer.Option(min=0, help="What they got.")] = None,
    at: At = None,
    envelope: Annotated[
        str | None, typer.Option(help="Its id (default: the newest sent to GROUP before --at).")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a grab you saw (no connector reports red envelopes); the dead-group test
    counts it. 登记抢红包的成员。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = envelopes.record_grab(store, slug, group, member, amount=amount, at=at,
                                      envelope=envelope)  # fmt: skip
    if as_json:
        print_json(found)
    else:
        echo(Said("{member} grabbed {envelope}", member=member, envelope=found["envelope"]))


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

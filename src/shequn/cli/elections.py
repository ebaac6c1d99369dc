"""``shequn election``: monitor and leader elections by secret ballot (P-ORG-3)."""

from __future__ import annotations

from typing import Annotated

import typer

from shequn.cli.common import CommunityOpt, JsonFlag, echo, open_store, pick_community, print_json
from shequn.cli.org_common import SOURCE, MemberArg, Operator, org_rows
from shequn.engine import elections
from shequn.model.i18n import N_, Said

election_app = typer.Typer(help="Monitor and leader elections (P-ORG-3). 班长选举。")
ElectionArg = Annotated[str, typer.Argument(help="The election id (shequn election list).")]


@election_app.command("open")
def election_open(
    group: Annotated[str, typer.Argument(help="The group's slug.")],
    role: Annotated[str, typer.Option(help="manager (monitor) or group_leader.")] = "manager",
    seats: Annotated[int, typer.Option(help="How many are elected.")] = 1,
    operator: Operator = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Open an election in GROUP: nominations, then secret ballots. 发起选举。"""
    with open_store() as store:
        el = elections.open_election(
            store, pick_community(store, community), group, role, seats=seats,
            operator=operator, source=SOURCE,
        )  # fmt: skip
    if as_json:
        print_json({"election": el.election, "voting_close": el.voting_close.isoformat()})
    else:
        echo(
            Said(
                "opened {election}: nominations until {at} UTC",
                election=el.election,
                at=f"{el.nominations_close:%Y-%m-%d %H:%M}",
            )
        )


@election_app.command("nominate")
def election_nominate(
    election: ElectionArg,
    nominator: Annotated[str, typer.Argument(help="Who nominates.")],
    nominee: Annotated[str, typer.Argument(help="Who is nominated (the same: self).")],
    community: CommunityOpt = None,
) -> None:
    """Nominate NOMINEE on NOMINATOR's behalf. 提名。"""
    with open_store() as store:
        slug = pick_community(store, community)
        elections.nominate(store, slug, election, nominator, nominee, source=SOURCE)
    echo(Said("nominated {nominee}", nominee=nominee))


@election_app.command("accept")
def election_accept(
    election: ElectionArg, nominee: MemberArg, community: CommunityOpt = None
) -> None:
    """NOMINEE accepts their nomination. 接受提名。"""
    with open_store() as store:
        elections.accept(store, pick_community(store, community), election, nominee, source=SOURCE)
    echo(Said("{nominee} stands", nominee=nominee))


@election_app.command("vote")
def election_vote(
    election: ElectionArg,
    voter: Annotated[str, typer.Argument(help="Who votes.")],
    candidate: Annotated[str, typer.Argument(help="For whom.")],
    community: CommunityOpt = None,
) -> None:
    """Cast VOTER's secret ballot; a second ballot is ignored. 投票。"""
    with open_store() as store:
        slug = pick_community(store, community)
        new = elections.cast_ballot(store, slug, election, voter, candidate, source=SOURCE)
    echo(N_("voted") if new else N_("already voted: the first ballot stands"))


@election_app.command("list")
def election_list(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Elections: candidates, ballots cast, votes and winners once closed. 选举列表。"""
    with open_store() as store:
        slug = pick_community(store, community)
        rows = elections.list_elections(store, slug)
        cols = [N_("election"), N_("group"), N_("role"), N_("voting_close"), N_("candidates"),
                N_("ballots"), N_("winners")]  # fmt: skip
        org_rows(store, slug, rows, as_json, Said("{n} elections", n=len(rows)), cols)


@election_app.command("audit")
def election_audit(
    election: ElectionArg, community: CommunityOpt = None, as_json: JsonFlag = False
) -> None:
    """Every ballot of ELECTION, voter and candidate (the server's operator only). 计票审计。"""
    with open_store() as store:
        slug = pick_community(store, community)
        rows = elections.audit(store, slug, election)
        cols = [N_("voter"), N_("candidate"), N_("at")]
        org_rows(store, slug, rows, as_json, Said("{n} ballots", n=len(rows)), cols)

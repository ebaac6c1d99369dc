"""``shequn link``, ``shequn entry``, ``shequn applications``, ``shequn intake``: the way in
(P-IN-1 … P-IN-4). Thin commands over ``engine/links.py``, ``engine/entry.py`` and
``engine/intake.py`` — the functions the API and a bot call too."""

from __future__ import annotations

from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    community_blueprint,
    echo,
    named,
    open_store,
    out,
    parse_pairs,
    pick_community,
    print_json,
    print_table,
    say,
    show_time,
)
from shequn.engine import entry as entry_engine
from shequn.engine.intake import classify_member, record_intake
from shequn.engine.links import create_link, link_url, update_link
from shequn.engine.seats import expire_seats
from shequn.model.entities import EntryState
from shequn.model.events import parse_time
from shequn.model.i18n import N_, Said
from shequn.store.db import Store
from shequn.store.growth_queries import list_entries, list_links

link_app = typer.Typer(
    help="Entry links: live codes, invitation codes, referral links.", no_args_is_help=True
)
entry_app = typer.Typer(
    help="Newcomers at the door: requests, waves, the camp.", no_args_is_help=True
)
applications_app = typer.Typer(
    help="Applications reviewed by judges (P-IN-1).", no_args_is_help=True
)
intake_app = typer.Typer(
    help="Profile cards, needs surveys, classification (P-IN-2).", no_args_is_help=True
)

Groups = Annotated[
    list[str],
    typer.Option(
        "--group", "-g", help="Group slug; repeat for a live code's groups, in fill order."
    ),
]


@link_app.command("create")
def link_create(
    purpose: Annotated[
        str, typer.Option(help="live_code, code (invitation code) or referral.")
    ] = "live_code",
    group: Groups = [],  # noqa: B006  # Typer reads the default, never mutates it
    fill: Annotated[str, typer.Option(help="in_order or least_full.")] = "in_order",
    channel: Annotated[
        str | None, typer.Option(help="Channel its newcomers are attributed to.")
    ] = None,
    campaign: Annotated[
        str | None, typer.Option(help="Referral campaign its joins count towards.")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Member whose referral link it is.")] = None,
    max_uses: Annotated[
        int | None, typer.Option(help="Admissions allowed (invitation codes).")
    ] = None,
    expires: Annotated[
        str | None, typer.Option(help="ISO 8601 time with offset after which it admits nobody.")
    ] = None,
    code: Annotated[
        str | None, typer.Option(help="The code itself [default: random, 12 characters].")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an entry link and print its code and URL."""
    with open_store() as store:
        _, bp = community_blueprint(store, community)
        link = create_link(
            store,
            bp,
            purpose=purpose,
            groups=group or [bp.groups[0].slug],
            fill=fill,
            channel=channel,
            campaign=campaign,
            owner=owner,
            max_uses=max_uses,
            expires_at=parse_time(expires, "expires") if expires else None,
            code=code,
        )
    if as_json:
        print_json(link)
        return
    out.print(f"{say(link.purpose)} [bold]{link.code}[/bold] → {', '.join(link.groups)}")
    out.print(f"URL: {link.url}", markup=False)


@link_app.command("update")
def link_update(
    code: Annotated[str, typer.Argument(help="The link's code.")],
    group: Groups = [],  # noqa: B006
    fill: Annotated[str | None, typer.Option(help="in_order or least_full.")] = None,
    max_uses: Annotated[int | None, typer.Option(help="Admissions allowed.")] = None,
    expires: Annotated[str | None, typer.Option(help="ISO 8601 time with offset.")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Change where a link routes (e.g. add the group opened after a group.create action);
    its code and uses stay."""
    with open_store() as store:
        _, bp = community_blueprint(store, community)
        link = update_link(
            store,
            bp,
            code,
            groups=group or None,
            fill=fill,
            max_uses=max_uses,
            expires_at=parse_time(expires, "expires") if expires else None,
        )
    if as_json:
        print_json(link)
        return
    out.print(f"{say(link.purpose)} [bold]{link.code}[/bold] → {', '.join(link.groups)}")


@link_app.command("list")
def link_list(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Every link of the community, with its uses."""
    with open_store() as store:
        slug, bp = community_blueprint(store, community)
        with store.read() as conn:
            links = list_links(conn, slug)
        who = named(store, slug, [link.owner for link in links])
    if as_json:
        print_json([
            {**_asdict(link), "owner_name": who.name(link.owner),
             "url": link_url(bp, link.code)}
            for link in links
        ])  # fmt: skip
        return
    print_table(
        Said("{n} links", n=len(links)),
        [
            N_("code"),
            N_("purpose"),
            N_("groups"),
            N_("owner"),
            N_("campaign"),
            N_("uses"),
            N_("expires"),
        ],
        [
            (
                link.code,
                say(link.purpose),
                ",".join(link.groups),
                who(link.owner),
                link.campaign,
                f"{link.uses}/{link.max_uses}" if link.max_uses else link.uses,
                show_time(link.expires_at),
            )
            for link in links
        ],
    )


def _asdict(obj: object) -> dict[str, object]:
    import dataclasses

    return dataclasses.asdict(obj)  # type: ignore[call-overload,no-any-return]


def _show(store: Store, slug: str, entries: list[EntryState], as_json: bool, title: str) -> None:
    who = named(store, slug, [e.identity for e in entries])
    if as_json:
        print_json([{**_asdict(e), "name": who.name(e.identity)} for e in entries])
        return
    print_table(
        title,
        [
            N_("member"),
            N_("group"),
            N_("status"),
            N_("reason"),
            N_("wave"),
            N_("approvals"),
            N_("decided"),
        ],
        [
            (
                who(e.identity),
                e.group or "-",
                say(e.status),
                say(e.reason) if e.reason else "",
                e.wave,
                e.approvals or "",
                show_time(e.decided_at),
            )
            for e in entries
        ],
    )


@entry_app.command("request")
def entry_request(
    identity: Annotated[
        str, typer.Argument(help="The newcomer's identity key, e.g. wechat:wxid_abc.")
    ],
    link: Annotated[str | None, typer.Option(help="The link or code they came through.")] = None,
    group: Annotated[str | None, typer.Option(help="The group they apply to (no link).")] = None,
    answer: Annotated[list[str], typer.Option(help="Application answer KEY=VALUE; repeat.")] = [],  # noqa: B006
    ref: Annotated[
        str | None, typer.Option(help="Id of the knock, so a retry is not counted twice.")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Let the engine decide on a newcomer (what a bot does when someone scans a code)."""
    answers = parse_pairs(answer, "--answer") or None
    with open_store() as store:
        slug = pick_community(store, community)
        request = entry_engine.Request(identity, link=link, group=group, answers=answers, ref=ref)
        entries = entry_engine.enter(store, slug, request)
        _show(store, slug, entries, as_json, Said("entries of {who}", who=identity))


@entry_app.command("list")
def entry_list(
    group: Annotated[str | None, typer.Option(help="Only this group.")] = None,
    status: Annotated[list[str], typer.Option(help="Only these statuses; repeat.")] = [],  # noqa: B006
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Newcomers and where they stand: pending, queued, admitted, joined, rejected, waitlisted."""
    with open_store() as store:
        slug = pick_community(store, community)
        with store.read() as conn:
            entries = list_entries(conn, slug, group=group, status=status)
        _show(store, slug, entries, as_json, Said("{n} entries", n=len(entries)))


@entry_app.command("waves")
def entry_waves(
    force: Annotated[bool, typer.Option(help="Open a wave now even if it is not full.")] = False,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Open every wave that is due (full, or waited long enough); run it hourly."""
    with open_store() as store:
        opened = entry_engine.open_waves(store, pick_community(store, community), force=force)
    print_json({"waves_opened": opened}) if as_json else echo(Said("{n} wave(s) opened", n=opened))


@entry_app.command("expire")
def entry_expire(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Give back the seats of admitted newcomers who did not arrive within the group's
    seat_hold_hours; run it hourly."""
    with open_store() as store:
        gone = expire_seats(store, pick_community(store, community))
    if as_json:
        print_json({"expired": gone})
    else:
        echo(Said("{n} seat(s) given back", n=len(gone)))
        if gone:
            typer.echo(", ".join(gone))


@entry_app.command("graduate")
def entry_graduate(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Move campers with enough check-ins on to their main group; run it daily."""
    with open_store() as store:
        done = entry_engine.graduate(store, pick_community(store, community))
    print_json({"graduated": done}) if as_json else echo(
        Said("{n} graduated: {who}", n=len(done), who=", ".join(done))
    )


@applications_app.command("list")
def applications_list(
    group: Annotated[str | None, typer.Option(help="Only this group.")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Applications waiting for judges."""
    with open_store() as store:
        slug = pick_community(store, community)
        with store.read() as conn:
            pending = list_entries(conn, slug, group=group, status=("pending",))
        entries = [e for e in pending if any(g.startswith("application") for g in e.gates)]
        _show(store, slug, entries, as_json, Said("{n} applications pending", n=len(entries)))


@applications_app.command("review")
def applications_review(
    applicant: Annotated[str, typer.Argument(help="Applicant (identity key or member id).")],
    group: Annotated[str, typer.Option(help="The group applied to.")],
    judge: Annotated[str, typer.Option(help="The judge's identity key.")],
    approve: Annotated[bool, typer.Option("--approve/--reject", help="The verdict.")],
    reason: Annotated[str | None, typer.Option(help="Why (sent to a rejected applicant).")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a judge's verdict; the k-th approval admits, enough rejections reject."""
    with open_store() as store:
        slug = pick_community(store, community)
        state = entry_engine.review_application(
            store,
            slug,
            group,
            applicant,
            judge=judge,
            verdict="approve" if approve else "reject",
            reason=reason,
        )
        _show(store, slug, [state], as_json, f"{applicant} → {group}")


@intake_app.command("record")
def intake_record(
    identity: Annotated[str, typer.Argument(help="The newcomer's identity key.")],
    card: Annotated[list[str], typer.Option(help="Profile card KEY=VALUE; repeat.")] = [],  # noqa: B006
    survey: Annotated[list[str], typer.Option(help="Needs survey KEY=VALUE; repeat.")] = [],  # noqa: B006
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Store a profile card and survey answers; the blueprint's rules classify the newcomer."""
    with open_store() as store:
        profile = record_intake(
            store,
            pick_community(store, community),
            identity,
            card=parse_pairs(card, "--card"),
            survey=parse_pairs(survey, "--survey"),
        )
    if as_json:
        print_json(profile)
        return
    echo(
        Said(
            "{who}: care {care}, stake {stake}",
            who=identity,
            care=Said(profile.care) if profile.care else "-",
            stake=Said(profile.stake) if profile.stake else "-",
        )
    )


@intake_app.command("classify")
def intake_classify(
    member: Annotated[str, typer.Argument(help="Member id or identity key.")],
    care: Annotated[str, typer.Option(help="deep, cool or ignore.")],
    stake: Annotated[str, typer.Option(help="payer, partner, competitor or ordinary.")],
    reason: Annotated[str | None, typer.Option(help="Why, in words.")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """A manager's classification; it overrides the rules for good."""
    with open_store() as store:
        profile = classify_member(
            store, pick_community(store, community), member, care=care, stake=stake, reason=reason
        )
    if as_json:
        print_json(profile)
        return
    echo(
        Said(
            "{who}: care {care}, stake {stake} (by manager)",
            who=profile.identity,
            care=Said(profile.care) if profile.care else "-",
            stake=Said(profile.stake) if profile.stake else "-",
        )
    )


__all__ = ["applications_app", "entry_app", "intake_app", "link_app"]

"""``shequn campaign`` and ``shequn fraud``: referral campaigns and their control (P-FIS-2,
P-FIS-3, P-FIS-5). Thin commands over ``engine/campaigns.py``."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    community_blueprint,
    echo,
    named,
    open_store,
    pick_community,
    print_json,
    print_table,
    say,
    show_time,
)
from shequn.engine import campaigns as engine
from shequn.engine.fission import Progress
from shequn.errors import BlueprintError, InvalidEvent
from shequn.model.blueprint_growth import Campaign
from shequn.model.i18n import N_, Said
from shequn.store.referral_queries import fraud_cases

campaign_app = typer.Typer(
    help="Referral campaigns: invite N to unlock (P-FIS-2).", no_args_is_help=True
)
fraud_app = typer.Typer(
    help="Fraud cases of referrals, for review (P-FIS-5).", no_args_is_help=True
)

CASE_STATUSES = ("blocked", "review", "upheld", "overturned")


def _tiers(values: list[str]) -> list[dict[str, Any]]:
    tiers = []
    for value in values:
        count, sep, reward = value.partition("=")
        if not sep or not count.strip().isdigit() or not reward.strip():
            raise InvalidEvent(
                Said("--tier {value!r} is not N=REWARD, e.g. 3=black card", value=value),
                field="tier",
            )
        tiers.append({"invites": int(count), "reward": reward.strip()})
    return tiers


def _read_toml(path: Path) -> dict[str, Any]:
    """A campaign file's keys; an unreadable or malformed file is one clear error."""
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as e:
        raise BlueprintError(str(path), [("<file>", e.strerror or str(e))]) from None
    except UnicodeDecodeError as e:
        raise BlueprintError(str(path), [("<file>", f"not UTF-8 text (byte {e.start})")]) from None
    except tomllib.TOMLDecodeError as e:
        raise BlueprintError(str(path), [("<toml>", str(e))]) from None


def _campaign(raw: dict[str, Any], source: str) -> Campaign:
    try:
        return Campaign.model_validate(raw)
    except ValidationError as e:
        problems = [
            (".".join(str(p) for p in err["loc"]) or "<root>", err["msg"]) for err in e.errors()
        ]
        raise BlueprintError(source, problems) from None


@campaign_app.command("create")
def campaign_create(
    slug: Annotated[str, typer.Argument(help="Campaign slug, e.g. invite3.")],
    name: Annotated[str | None, typer.Option(help="Display name [default: the slug].")] = None,
    group: Annotated[
        list[str], typer.Option("--group", "-g", help="Group its referral links route to; repeat.")
    ] = [],  # noqa: B006
    tier: Annotated[
        list[str], typer.Option(help="Reward tier N=REWARD; repeat [default: 3=unlock].")
    ] = [],  # noqa: B006
    stay_days: Annotated[
        float, typer.Option(help="Days an invitee must stay before counting.")
    ] = 0,
    qualifying_task: Annotated[
        str | None, typer.Option(help="Task an invitee must do before counting.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option(help="A TOML file with the campaign's keys instead.")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Create (or change) a referral campaign."""
    with open_store() as store:
        slug_c, bp = community_blueprint(store, community)
        if file is not None:
            raw: dict[str, Any] = {"slug": slug, **_read_toml(file)}
            source = str(file)
        else:
            raw = {"slug": slug, "name": name or slug, "groups": group, "stay_days": stay_days}
            if tier:
                raw["tiers"] = _tiers(tier)
            if qualifying_task:
                raw["qualifying_task"] = qualifying_task
            source = "options"
        if not raw.get("groups"):
            raw["groups"] = [bp.groups[0].slug]
        campaign = _campaign(raw, source)
        changed = engine.configure_campaign(store, slug_c, campaign)
    if as_json:
        print_json({"campaign": campaign.to_dict(), "changed": changed})
        return
    tiers = ", ".join(f"{t.invites} → {t.reward}" for t in campaign.tiers)
    said = (
        Said("campaign {slug} configured: {tiers}")
        if changed
        else Said("campaign {slug} unchanged: {tiers}")
    )
    echo(Said(said.msgid, slug=campaign.slug, tiers=tiers))


@campaign_app.command("list")
def campaign_list(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Every campaign of the community."""
    with open_store() as store:
        found = engine.campaigns(store, pick_community(store, community))
    if as_json:
        print_json([c.to_dict() for c in found])
        return
    print_table(
        Said("{n} campaigns", n=len(found)),
        [N_("campaign"), N_("name"), N_("groups"), N_("tiers"), N_("stay days")],
        [
            (
                c.slug,
                c.name,
                ",".join(c.groups),
                ", ".join(f"{t.invites}={t.reward}" for t in c.tiers),
                c.stay_days,
            )
            for c in found
        ],
    )


@campaign_app.command("show")
def campaign_show(
    slug: Annotated[str, typer.Argument(help="Campaign slug.")],
    member: Annotated[
        str | None, typer.Option(help="Show this inviter's progress instead.")
    ] = None,
    top: Annotated[int, typer.Option(help="Leaderboard length.")] = 20,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """A campaign's leaderboard, or one inviter's progress and why invites do not count."""
    with open_store() as store:
        slug_c = pick_community(store, community)
        if member is not None:
            board = [engine.campaign_progress(store, slug_c, slug, member)]
        else:
            board = engine.leaderboard(store, slug_c, slug, top=top)
        who = named(store, slug_c, [p.inviter for p in board])
    if as_json:
        print_json([{**_progress(p), "inviter_name": who.name(p.inviter)} for p in board])
        return
    print_table(
        Said("campaign {slug}", slug=slug),
        [N_("inviter"), N_("counted"), N_("waiting"), N_("not counted (why)")],
        [(who(p.inviter), p.count, len(p.waiting), _why(p.uncounted)) for p in board],
    )


def _progress(p: Progress) -> dict[str, Any]:
    return {
        "inviter": p.inviter,
        "counted": list(p.counted),
        "waiting": list(p.waiting),
        "uncounted": p.uncounted,
        "count": p.count,
    }


def _why(uncounted: dict[str, str]) -> str:
    reasons: dict[str, int] = {}
    for reason in uncounted.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    return ", ".join(f"{say(r)} ×{n}" for r, n in sorted(reasons.items()))


@campaign_app.command("settle")
def campaign_settle(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Re-count every inviter now: grant tiers whose invitees stayed long enough, claw back
    the rest. Run it daily (rewards on joins and leaves happen by themselves)."""
    with open_store() as store:
        decision = engine.settle(store, pick_community(store, community))
    counts = {
        k: sum(e.kind == k for e in decision.events) for k in ("reward.granted", "reward.revoked")
    }
    print_json(counts) if as_json else echo(
        Said(
            "{granted} granted, {revoked} revoked",
            granted=counts["reward.granted"],
            revoked=counts["reward.revoked"],
        )
    )


@fraud_app.command("list")
def fraud_list(
    status: Annotated[
        list[str], typer.Option(help="blocked, review, upheld, overturned; repeat.")
    ] = [],  # noqa: B006
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Fraud cases with their risk score and reasons."""
    unknown = sorted(set(status) - set(CASE_STATUSES))
    if unknown:
        raise InvalidEvent(
            Said(
                "--status {value!r} is not one of {names}",
                value=unknown[0],
                names=", ".join(CASE_STATUSES),
            ),
            field="status",
        )
    with open_store() as store:
        slug_c = pick_community(store, community)
        with store.read() as conn:
            cases = fraud_cases(conn, slug_c, status)
        who = named(store, slug_c, [c[k] for c in cases for k in ("inviter", "invitee")])
    if as_json:
        print_json([{**c, "inviter_name": who.name(c["inviter"]),
                     "invitee_name": who.name(c["invitee"])} for c in cases])  # fmt: skip
        return
    print_table(
        Said("{n} fraud cases", n=len(cases)),
        [
            N_("case"),
            N_("inviter"),
            N_("invitee"),
            N_("score"),
            N_("reasons"),
            N_("status"),
            N_("flagged"),
        ],
        [
            (
                c["case"],
                who(c["inviter"]),
                who(c["invitee"]),
                f"{c['score']:g}",
                ", ".join(say(r) for r in c["reasons"]),
                say(c["status"]),
                show_time(c["flagged_at"]),
            )
            for c in cases
        ],
    )


@fraud_app.command("review")
def fraud_review(
    case: Annotated[str, typer.Argument(help="The case id (shequn fraud list).")],
    uphold: Annotated[
        bool,
        typer.Option("--uphold/--overturn", help="Uphold: it does not count. Overturn: it counts."),
    ],
    reason: Annotated[str | None, typer.Option(help="Why, in words.")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Decide a fraud case; the inviter's rewards follow at once."""
    with open_store() as store:
        result = engine.review_case(
            store,
            pick_community(store, community),
            case,
            "upheld" if uphold else "overturned",
            reason=reason,
        )
    print_json(result) if as_json else echo(
        Said("case {case}: {status}", case=case, status=Said(str(result["status"])))
    )

"""``shequn payments record``, ``memberships list|grant|cancel``, ``offers plan|optout`` and
``commission ledger|payout``: money by hand (P-MON).

Thin, like every command: ``engine/money.py`` decides and records. Payments from a payment
platform arrive by webhook (docs/monetization.md); these commands are for cash, bank transfers and
anything a platform did not report, and for trials and gifts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    echo,
    named,
    open_store,
    pick_community,
    print_json,
    print_table,
    say,
)
from shequn.engine import ledger
from shequn.engine import money as engine
from shequn.engine.decisions import new_ref, operator_source
from shequn.engine.offers import opt_out, plan_offers
from shequn.engine.payments_in import record_payment
from shequn.model.i18n import N_, Said
from shequn.store.db import Store
from shequn.store.money import Membership, list_memberships

payments_app = typer.Typer(help="Payments recorded by hand. 记录线下付款。")
memberships_app = typer.Typer(help="Paid memberships: list, trials and gifts. 会员。")
offers_app = typer.Typer(help="Private offers of the next rung (P-MON-3). 私聊邀约。")
commission_app = typer.Typer(help="The benefit-sharing ledger (P-MON-4). 分佣台账。")

Member = Annotated[str, typer.Argument(help="The member's identity key, e.g. wechat:lin.")]
Product = Annotated[str, typer.Argument(help="A product slug of [money] in the blueprint.")]


def _show(store: Store, slug: str, found: list[Membership], as_json: bool) -> None:
    who = named(store, slug, [m.identity for m in found])
    if as_json:
        print_json([{**m.to_dict(), "name": who.name(m.identity)} for m in found])
        return
    rows = [
        (
            who(m.identity),
            m.plan,
            say(m.state)
            + (f" ({say(N_('cancelled'))})" if m.cancelled_at and m.state != "cancelled" else ""),
            f"{m.until:%Y-%m-%d %H:%M}" if m.until else "—",
            m.renewals,
        )
        for m in found
    ]
    print_table(
        Said("{n} memberships", n=len(found)),
        (N_("member"), N_("plan"), N_("state"), N_("until (UTC)"), N_("renewals")),
        rows,
    )


STATES = (N_("trial"), N_("comp"), N_("past_due"), N_("expired"), N_("refunded"))
"""A membership's states (``store/money.py``) besides the outbox's words."""


@payments_app.command("record")
def record_command(
    member: Member,
    product: Product,
    amount: Annotated[
        str | None, typer.Option(help="Amount in major units, e.g. 9.9 (default: the price).")
    ] = None,
    ref: Annotated[
        str | None, typer.Option(help="Your receipt number: recording it twice adds nothing.")
    ] = None,
    at: Annotated[
        datetime | None, typer.Option(help="When it was paid, ISO 8601 with an offset.")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a payment for PRODUCT by MEMBER: the membership starts or renews and the
    product's groups admit them. 记录一笔付款：开通或续费会员并入群。"""
    with open_store() as store:
        slug = pick_community(store, community)
        event = record_payment(store, slug, member, product, amount=amount, ref=ref, at=at)
        with store.read() as conn:
            found = list_memberships(conn, slug, identity=member, plan=product)
        if as_json:
            print_json({"payment": event.to_dict(), "memberships": [m.to_dict() for m in found]})
            return
        minor, currency = event.data["amount_minor"], event.data["currency"]
        echo(
            Said(
                "recorded {minor} minor units {currency} from {member} for {product}",
                minor=minor,
                currency=currency,
                member=member,
                product=product,
            )
        )
        _show(store, slug, found, False)


@memberships_app.command("list")
def list_command(
    member: Annotated[str | None, typer.Option(help="Only this identity key.")] = None,
    plan: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    state: Annotated[str | None, typer.Option(help="Only this state, e.g. past_due.")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Memberships with their state and end of term. 列出会员及到期时间。"""
    with open_store() as store:
        slug = pick_community(store, community)
        with store.read() as conn:
            found = list_memberships(
                conn, slug, identity=member, plan=plan, states=(state,) if state else None
            )
        _show(store, slug, found, as_json)


@memberships_app.command("grant")
def grant_command(
    member: Member,
    product: Product,
    trial: Annotated[bool, typer.Option("--trial", help="A trial (default: a gift).")] = False,
    days: Annotated[
        int | None, typer.Option(min=1, help="Length (trial default: trial_days; gift: life).")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Give MEMBER a trial or a gift membership of PRODUCT, and its groups. 赠送或试用会员。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = engine.grant(store, slug, member, product, state="trial" if trial else "comp",
                             days=days)  # fmt: skip
        _show(store, slug, [found], as_json)


@memberships_app.command("cancel")
def cancel_command(
    member: Member,
    product: Product,
    ref: Annotated[
        str | None, typer.Option(help="Where the member said so (a message id): idempotency.")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """MEMBER cancels their PRODUCT membership: it runs to the end of the term paid for, with
    no more renewal reminders, then ends. 会员取消：到期后结束，不再提醒续费。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found = engine.cancel(
            store, slug, member, product, source=operator_source(), ref=ref or new_ref()
        )
        _show(store, slug, [found], as_json)


@offers_app.command("optout")
def optout_command(
    member: Member,
    undo: Annotated[bool, typer.Option("--undo", help="They want offers again.")] = False,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """MEMBER wants no private offers (``offers plan`` passes them by); --undo: offers again.
    成员不再接收私聊邀约（--undo 恢复）。"""
    with open_store() as store:
        slug = pick_community(store, community)
        opt_out(store, slug, member, out=not undo, source=operator_source(), ref=new_ref())
    if as_json:
        print_json({"member": member, "opted_out": not undo})
    else:
        echo(
            Said(
                "{member}: {what}",
                member=member,
                what=Said("offers again") if undo else Said("no private offers"),
            )
        )


@offers_app.command("plan")
def offers_plan_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say who would get an offer; record nothing.")
    ] = False,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Offer the next rung privately to every member who is ready ([[money.offers]]), once;
    everyone considered is listed with the reason they got none. 向准备好的成员私聊邀约。"""
    with open_store() as store:
        slug = pick_community(store, community)
        planned = plan_offers(store, slug, dry_run=dry_run)
        who = named(store, slug, [p.identity for p in planned])
    if as_json:
        print_json([{**p.to_dict(), "name": who.name(p.identity)} for p in planned])
        return
    rows = [(who(p.identity), p.product, say(p.reason or N_("offered"))) for p in planned]
    title = (
        Said("{n} offers (dry run)", n=len(planned))
        if dry_run
        else Said("{n} offers", n=len(planned))
    )
    print_table(title, (N_("member"), N_("product"), N_("offered / why not")), rows)


@commission_app.command("ledger")
def ledger_command(
    agent: Annotated[
        str | None, typer.Argument(help="One agent's statement, with entries.")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """What every agent earned, had taken back by refunds, was paid and is owed (minor units);
    with AGENT, that agent's statement. 分佣台账 / 对账单。"""
    with open_store() as store:
        slug = pick_community(store, community)
        with store.read() as conn:
            found = ledger.accounts(conn, slug, agent)
        who = named(store, slug, [a.agent for a in found])
    if as_json:
        print_json([{**a.to_dict(entries=agent is not None), "name": who.name(a.agent)}
                    for a in found])  # fmt: skip
        return
    rows = [(who(a.agent), a.currency, a.earned, a.reversed, a.paid, a.owed) for a in found]
    print_table(N_("commission (minor units)"), (N_("agent"), N_("currency"), N_("earned"),
                N_("reversed"), N_("paid"), N_("owed")), rows)  # fmt: skip
    for a in found if agent is not None else []:
        for e in a.entries:
            typer.echo(f"{e['at']}  {say(e['kind']):<8} {e['amount_minor']:>10}  {e['note'] or ''}")


@commission_app.command("payout")
def payout_command(
    agent: Annotated[str, typer.Argument(help="The agent's identity key.")],
    amount: Annotated[str, typer.Option(help="Amount paid, in major units, e.g. 19.9.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 code.")] = "CNY",
    note: Annotated[str | None, typer.Option(help="The transfer's reference.")] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Record that AGENT was paid out (no more than they are owed). 记录分佣打款。"""
    with open_store() as store:
        slug = pick_community(store, community)
        account = ledger.payout(store, slug, agent, amount, currency=currency, note=note)
    if as_json:
        print_json(account.to_dict())
    else:
        echo(
            Said(
                "{agent}: paid {paid}, owed {owed} minor units {currency}",
                agent=agent,
                paid=account.paid,
                owed=account.owed,
                currency=currency,
            )
        )

"""Entry links (P-IN-4, P-FIS-1): live codes, members' referral links, invitation codes.

A link is created by a ``link.created`` event and read back from the ``links`` projection.
Codes are random and unguessable (``secrets.token_urlsafe``), because a referral code is a
credential of sorts: whoever holds it earns its owner's rewards.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Connection

from shequn.engine.decisions import Decision, apply, operator_source
from shequn.errors import Conflict, InvalidEvent, NotFound
from shequn.model.blueprint import Blueprint
from shequn.model.entities import Link
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.kinds_growth import FILL_ORDERS, LINK_PURPOSES
from shequn.store.db import Store
from shequn.store.growth_queries import find_referral_link, get_link, identities_of
from shequn.store.queries import get_member
from shequn.store.referral_queries import get_campaign

CODE_BYTES = 9
"""12 URL-safe characters: short enough for a poster, far too many to guess."""


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def link_url(blueprint: Blueprint, code: str) -> str:
    """What a QR code of the link encodes: ``fission.link_url`` with the code, else the code."""
    template = blueprint.fission.link_url
    return template.replace("{code}", code) if template else code


def decide_link(
    blueprint: Blueprint,
    *,
    purpose: str,
    groups: list[str],
    now: datetime,
    code: str | None = None,
    owner: str | None = None,
    fill: str = "in_order",
    channel: str | None = None,
    campaign: str | None = None,
    max_uses: int | None = None,
    expires_at: datetime | None = None,
    source: str = "operator:cli",
) -> Decision:
    """Pure: the ``link.created`` event for a new link, checked against the blueprint."""
    if purpose not in LINK_PURPOSES:
        raise InvalidEvent(
            Said("purpose must be one of {names}", names=", ".join(LINK_PURPOSES)), field="purpose"
        )
    if fill not in FILL_ORDERS:
        raise InvalidEvent(
            Said("fill must be one of {names}", names=", ".join(FILL_ORDERS)), field="fill"
        )
    if not groups:
        raise InvalidEvent(Said("a link routes to at least one group"), field="groups")
    for slug in groups:
        blueprint.group(slug)  # NotFound names the group
    if purpose == "referral" and owner is None:
        raise InvalidEvent(Said("a referral link needs the member it belongs to"), field="owner")
    if max_uses is not None and max_uses <= 0:
        raise InvalidEvent(Said("max_uses must be greater than 0"), field="max_uses")
    code = code or new_code()
    data: dict[str, object] = {"link": code, "purpose": purpose, "groups": groups, "fill": fill}
    optional = {"channel": channel, "campaign": campaign, "max_uses": max_uses}
    data.update({k: v for k, v in optional.items() if v is not None})
    if expires_at is not None:
        data["expires_at"] = expires_at.isoformat()
    event = Event(
        kind="link.created",
        occurred_at=now,
        community=blueprint.community.slug,
        source=source,
        source_ref=f"link:{code}",
        subject=owner,
        data=data,
    )
    return Decision(events=[event])


def create_link(
    store: Store, blueprint: Blueprint, *, now: datetime | None = None, **options: object
) -> Link:
    """Create a link (see :func:`decide_link` for the options) and return it."""
    with store.transaction() as conn:
        code = options.get("code")
        if isinstance(code, str) and get_link(conn, code) is not None:
            raise Conflict(Said("link {code!r} exists already", code=code), link=code)
        decision = decide_link(blueprint, now=now or datetime.now(UTC), **options)  # type: ignore[arg-type]
        apply(conn, decision)
        return _read(conn, blueprint, decision.events[0].data["link"])


def update_link(
    store: Store,
    blueprint: Blueprint,
    code: str,
    *,
    now: datetime | None = None,
    **changes: object,
) -> Link:
    """Change a link's routing (groups, fill order, limits) and keep its code and uses — how
    a live code takes in the group opened after a ``group.create`` action."""
    with store.transaction() as conn:
        link = get_link(conn, code)
        if link is None or link.community != blueprint.community.slug:
            raise NotFound(Said("no link {code!r}", code=code), link=code)
        options: dict[str, object] = {
            "purpose": link.purpose, "groups": list(link.groups), "fill": link.fill,
            "owner": link.owner, "channel": link.channel, "campaign": link.campaign,
            "max_uses": link.max_uses, "expires_at": link.expires_at,
        }  # fmt: skip
        options.update({k: v for k, v in changes.items() if v is not None})
        at = now or datetime.now(UTC)
        decision = decide_link(blueprint, code=code, now=at, **options)  # type: ignore[arg-type]
        event = decision.events[0]
        event.source_ref = f"link:{code}:{at.isoformat()}"  # a change, not the creation
        apply(conn, decision)
        return _read(conn, blueprint, code)


def ensure_referral_link(
    store: Store,
    blueprint: Blueprint,
    member_ref: str,
    *,
    campaign: str | None = None,
    now: datetime | None = None,
) -> Link:
    """The member's referral link for ``campaign`` (or for the community), created on first
    use — so a member asking for their poster twice gets the same code."""
    with store.transaction() as conn:
        community = blueprint.community.slug
        member = get_member(conn, member_ref, community=community)
        keys = identities_of(conn, community, member.key)
        found = find_referral_link(conn, community, keys, campaign)
        if found is not None:
            return replace(found, url=link_url(blueprint, found.code))
        groups = [blueprint.groups[0].slug]
        fill = "in_order"
        if campaign is not None:
            config = get_campaign(conn, community, campaign)
            if config is None:
                raise NotFound(
                    Said(
                        "no campaign {campaign!r} in {community!r}",
                        campaign=campaign,
                        community=community,
                    ),
                    campaign=campaign,
                )
            groups, fill = list(config["groups"]), config.get("fill", "in_order")
        decision = decide_link(
            blueprint,
            purpose="referral",
            groups=groups,
            fill=fill,
            owner=member.key,
            campaign=campaign,
            channel="referral",
            now=now or datetime.now(UTC),
            source=operator_source("engine"),
        )
        apply(conn, decision)
        return _read(conn, blueprint, decision.events[0].data["link"])


def _read(conn: Connection, blueprint: Blueprint, code: str) -> Link:
    link = get_link(conn, code)
    assert link is not None  # noqa: S101  # just created in this transaction
    return replace(link, url=link_url(blueprint, code))

"""``shequn poster``: a member's fission poster with their own referral QR code (P-FIS-2)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shequn.cli.common import (
    JsonFlag,
    community_blueprint,
    echo,
    language,
    open_store,
    print_json,
)
from shequn.engine.links import ensure_referral_link
from shequn.model.i18n import N_, Said, tr
from shequn.store.queries import get_member

INVITATION = N_("I'm {name}, come and join us")
"""The default subtitle, in the community's language (``--lang`` for one poster)."""


def poster_command(
    member: Annotated[str, typer.Argument(help="Member id or any of their identity keys.")],
    campaign: Annotated[
        str | None, typer.Option(help="Referral campaign (slug); default: the community link.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False, help="Write here (.png or .jpg) [default: poster-MEMBER.png]."
        ),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title [default: the community name].")] = None,
    subtitle: Annotated[
        str | None, typer.Option(help="Subtitle [default: an invitation from the member].")
    ] = None,
    background: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Background image instead of a gradient."),
    ] = None,
    font: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            envvar="SHEQUN_POSTER_FONT",
            show_envvar=True,
            help="Font file that can draw the text (.ttf/.otf/.ttc) [default: found].",
        ),
    ] = None,
    community: Annotated[
        str | None, typer.Option(help="Community slug (default: the only one in the store).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Draw MEMBER's fission poster: title, invitation, avatar and their referral QR code,
    for sharing in WeChat Moments. Creates the referral link on first use."""
    from shequn.api.poster import PosterSpec, render_poster  # lazy: Pillow, segno

    with open_store() as store:
        _, blueprint = community_blueprint(store, community)
        with store.read() as conn:
            person = get_member(conn, member)
        link = ensure_referral_link(store, blueprint, member, campaign=campaign)
    name = person.display_name or person.key.partition(":")[2] or person.key
    lang = language()
    spec = PosterSpec(
        title=title or blueprint.community.name,
        subtitle=subtitle or tr(lang, Said(INVITATION, name=name)),
        name=name,
        qr_text=link.url or link.code,
        language=lang,
        background_image=background,
    )
    path = out or Path(f"poster-{_safe(member)}.png")
    png = render_poster(spec, path, font=font)
    if as_json:
        print_json({"path": str(path), "link": link.code, "url": spec.qr_text, "bytes": len(png)})
    else:
        echo(
            Said(
                "{path}: {name}'s poster, “{subtitle}”, link {url}",
                path=str(path),
                name=name,
                subtitle=spec.subtitle,
                url=spec.qr_text,
            )
        )


def _safe(ref: str) -> str:
    """A member reference as a file-name part: ``wechat:li/x`` -> ``wechat-li-x``."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in ref).strip(".-") or "member"

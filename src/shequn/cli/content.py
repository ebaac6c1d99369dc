"""``shequn content entry create|list|footer``: content entries (P-CHN-3).

Thin, like every command: ``engine/engagement/content_entries.py`` records the entry and its
live code and counts the joins; ``api/content_footer.py`` draws the footer block.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    community_blueprint,
    echo,
    open_store,
    pick_community,
    print_json,
    print_table,
)
from shequn.engine.decisions import operator_source
from shequn.engine.engagement import content_entries
from shequn.model.i18n import N_, Said

content_app = typer.Typer(help="Content: articles and pages that bring members in. 内容。")
entry_app = typer.Typer(
    help="Content entries: a live code per piece, joins attributed to it. 内容入口。"
)
content_app.add_typer(entry_app, name="entry")


@entry_app.command("create")
def create_command(
    title: Annotated[str, typer.Option(help="The piece's title.")],
    url: Annotated[str, typer.Option(help="Where the piece is published (http/https).")],
    group: Annotated[str, typer.Option("--group", "-g", help="The group its readers join.")],
    entry: Annotated[
        str | None, typer.Option(help="An id (default: from the URL; twice is one entry).")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Give a piece of content its own live code into GROUP: print its footer with
    ``content entry footer``; every join through it is counted for the piece.
    为一篇内容创建专属活码入口。"""
    with open_store() as store:
        slug = pick_community(store, community)
        found, new = content_entries.create_entry(
            store, slug, title=title, url=url, group=group, entry=entry, source=operator_source()
        )
    if as_json:
        print_json({**found.to_dict(), "new": new})
        return
    said = Said("{entry}: live code {link} into {group}") if new else Said("{entry}: exists")
    echo(Said(said.msgid, entry=found.entry, link=found.link_url, group=found.group))


@entry_app.command("list")
def list_command(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """The entries, newest first, with the members each brought in and how many stayed.
    内容入口及其带来的入群人数。"""
    with open_store() as store:
        found = content_entries.list_entries(store, pick_community(store, community))
    if as_json:
        print_json([e.to_dict() for e in found])
        return
    print_table(
        N_("Content entries"),
        [N_("entry"), N_("group"), N_("title"), N_("joined"), N_("staying"), N_("link")],
        [(e.entry, e.group, e.title, e.joined, e.staying, e.link_url) for e in found],
    )


@entry_app.command("footer")
def footer_command(
    entry: Annotated[str, typer.Argument(help="The entry's id.")],
    fmt: Annotated[str, typer.Option("--format", help="html or md.")] = "html",
    qr: Annotated[
        Path | None, typer.Option(help="Write the QR code to this PNG and point to it.")
    ] = None,
    community: CommunityOpt = None,
) -> None:
    """Print the footer block for the piece: a line inviting readers into the group, its QR
    code and link, in the community's language. 输出文末入群区块（HTML 或 Markdown）。"""
    from shequn.api.content_footer import FORMATS, entry_footer, qr_png  # lazy: Pillow, segno

    chosen = next((f for f in FORMATS if f == fmt), None)
    if chosen is None:
        raise typer.BadParameter(  # Click's own sentence: cli/usage.py says it in Chinese
            Said("{value} is not one of {choices}.", value=repr(fmt), choices="'html', 'md'"),
            param_hint="--format",
        )
    with open_store() as store:
        slug, bp = community_blueprint(store, community)
        found = content_entries.show(store, slug, entry)
    if qr is not None:
        qr.write_bytes(qr_png(found.link_url))
    typer.echo(entry_footer(bp, found, chosen, qr.name if qr is not None else None), nl=False)

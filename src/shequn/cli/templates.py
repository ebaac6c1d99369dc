"""``shequn templates``: the messages shequn sends, how they read, and where each text comes
from (docs/templates.md). Read-only: texts are changed in the blueprint, under ``[templates]``.

The blueprint is a file (``--blueprint``) or the one a community was loaded with; ``list``
works without either and shows the shipped defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from shequn.cli.common import (
    CommunityOpt,
    JsonFlag,
    LangOpt,
    community_blueprint,
    open_store,
    out,
    print_json,
    say,
    state,
)
from shequn.cli.common import print_table as table
from shequn.errors import NotFound, ShequnError
from shequn.model.blueprint import Blueprint, load_blueprint
from shequn.model.i18n import N_, Said
from shequn.model.templates import (
    TEMPLATES,
    governing_text,
    render_text,
    template_variables,
)
from shequn.model.templates_table import COMMON_EXAMPLE, LANGS, Lang, TemplateSpec
from shequn.store.db import Store

templates_app = typer.Typer(
    help="Message templates: every text shequn sends, in zh and en.", no_args_is_help=True
)

LANGUAGE = {"zh": N_("Chinese"), "en": N_("English")}
"""A text's language, as its heading in ``templates show`` names it."""

BlueprintOpt = Annotated[
    Path | None,
    typer.Option("--blueprint", help="Read the texts from this blueprint file, not the store."),
]
GroupOpt = Annotated[
    str | None, typer.Option("--group", "-g", help="A group slug: show its own texts.")
]


def _blueprint(path: Path | None, community: str | None, *, needed: bool) -> Blueprint | None:
    """The blueprint to read texts from; ``None`` (shipped defaults) only when not ``needed``
    and there is no community yet."""
    if path is not None:
        bp = load_blueprint(path)
        state.spoken = state.spoken or bp.community.language  # the file's, with no store
        return bp
    with open_store() as store:
        try:
            return community_blueprint(store, community)[1]
        except NotFound:
            if needed or community is not None:
                raise
            return None


def _spec(name: str) -> TemplateSpec:
    spec = TEMPLATES.get(name)
    if spec is None:
        known = ", ".join(TEMPLATES)
        raise NotFound(
            Said("no message template {name!r} (known: {known})", name=name, known=known),
            template=name,
        )
    return spec


def _lang(value: str | None, bp: Blueprint | None) -> Lang:
    if value is None:
        return bp.community.language if bp is not None else "zh"
    if value not in LANGS:
        raise typer.BadParameter(
            Said("{value}: say zh or en", value=repr(value)), param_hint="--lang"
        )
    return value


def _texts(bp: Blueprint | None, spec: TemplateSpec, group: str | None) -> dict[str, Any]:
    """Per language: the governing text and the key path it comes from."""
    if bp is None:
        return {lang: {"text": spec.default(lang), "from": f"default.{spec.name}.{lang}"}
                for lang in LANGS}  # fmt: skip
    found = {lang: governing_text(bp, spec.name, lang, group) for lang in LANGS}
    return {lang: {"text": text, "from": where} for lang, (text, where) in found.items()}


@templates_app.command("list")
def list_command(
    community: CommunityOpt = None, blueprint: BlueprintOpt = None, as_json: JsonFlag = False
) -> None:
    """Every template: when shequn sends it, its variables, and whether it is overridden."""
    bp = _blueprint(blueprint, community, needed=False)
    rows: list[dict[str, Any]] = []
    for spec in TEMPLATES.values():
        sources = {lang: t["from"] for lang, t in _texts(bp, spec, None).items()}
        rows.append(
            {
                "name": spec.name,
                "action": spec.action,
                "when": spec.when,
                "when_zh": spec.when_zh,
                "variables": list(spec.variables),
                "from": sources,
            }
        )
    if as_json:
        print_json(rows)
        return
    shown = [
        (r["name"], say(r["when"]), ", ".join(r["variables"]), _origin(r["from"])) for r in rows
    ]
    table(
        N_("Message templates"), (N_("name"), N_("sent when"), N_("variables"), N_("text")), shown
    )


def _origin(sources: dict[str, str]) -> Said:
    kinds = {where.split(".", 1)[0] for where in sources.values()}
    return Said(N_("default") if kinds == {"default"} else N_("overridden"))


@templates_app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Template name, e.g. welcome.")],
    group: GroupOpt = None,
    community: CommunityOpt = None,
    blueprint: BlueprintOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """One template: its variables and its text in each language, with where the text comes
    from (a key path of the blueprint, or the shipped default)."""
    spec = _spec(name)
    bp = _blueprint(blueprint, community, needed=False)
    texts = _texts(bp, spec, group)
    if as_json:
        print_json(
            {
                "name": spec.name,
                "action": spec.action,
                "when": spec.when,
                "when_zh": spec.when_zh,
                "variables": spec.allowed,
                "texts": texts,
                "defaults": {lang: spec.default(lang) for lang in LANGS},
            }
        )
        return
    out.print(f"[bold]{escape(spec.name)}[/] — {escape(say(spec.when))}", markup=True)
    for lang, shown in texts.items():
        heading = Said(
            "{language} ({source}):", language=Said(LANGUAGE[lang]), source=shown["from"]
        )
        out.print(f"\n{say(heading)}\n  {shown['text']}", markup=False)
    out.print("")
    meanings = [(name, Said(meaning)) for name, meaning in spec.allowed.items()]
    table(N_("Variables"), (N_("variable"), N_("meaning")), meanings)


@templates_app.command("preview")
def preview_command(
    name: Annotated[str, typer.Argument(help="Template name, e.g. reward.")],
    member: Annotated[
        str | None,
        typer.Option("--member", "-m", help="Fill the variables with this member's real values."),
    ] = None,
    lang: LangOpt = None,
    group: GroupOpt = None,
    community: CommunityOpt = None,
    blueprint: BlueprintOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The text as a member would read it: example values, or ``--member``'s own (their latest
    entry at the door, their standing in the newest campaign)."""
    spec = _spec(name)
    if member is not None and blueprint is not None:
        raise ShequnError(Said("--member reads the store; leave out --blueprint"))
    bp = _blueprint(blueprint, community, needed=True)
    assert bp is not None  # noqa: S101  (needed=True never returns None)
    chosen: Lang = _lang(lang, bp)
    slug = bp.group(group).slug if group is not None else None
    values: dict[str, Any] = dict(spec.example)
    if member is not None:
        with open_store() as store:
            real = member_values(store, bp, spec, member)
        slug = slug or real.pop("group", None)
        values.update(real)
    payload = {**values, **({"group": slug} if slug else {})}
    text, where = governing_text(bp, spec.name, chosen, slug)
    variables = template_variables(bp, payload, chosen)
    if slug is None:
        variables["group"] = COMMON_EXAMPLE["group"]
    if member is None:
        variables["member"] = COMMON_EXAMPLE["member"]
    rendered = render_text(text, variables, where)
    if as_json:
        print_json({"name": spec.name, "lang": chosen, "from": where,
                    "variables": variables, "text": rendered})  # fmt: skip
        return
    typer.echo(rendered)


def member_values(store: Store, bp: Blueprint, spec: TemplateSpec, ref: str) -> dict[str, Any]:
    """The variables of ``spec`` as they stand for one member now: their name, their latest
    entry (its group, reason, wave and the group's thresholds) and, for campaign templates,
    their standing in the newest campaign. A value the member has none of keeps its example."""
    from shequn.engine.entry_rules import entry_config
    from shequn.store.growth_queries import list_entries
    from shequn.store.queries import get_member

    community = bp.community.slug
    with store.read() as conn:
        person = get_member(conn, ref)
        entries = list_entries(conn, community, identity=person.key)
    name = person.display_name or person.key.split(":", 1)[-1]
    found: dict[str, Any] = {"to": person.key, "member": name}
    latest = entries[-1] if entries else None
    if latest is not None and latest.group is not None:
        cfg = entry_config(bp, latest.group)
        found.update(group=latest.group, task=cfg.task, amount=cfg.fee, currency=cfg.currency)
        found.update(deposit=cfg.deposit, hours=cfg.seat_hold_hours, names=[found["member"]])
        found.update(count=1, wave=latest.wave, reason=latest.reason)
    if "campaign" in spec.variables:
        found.update(_standing(store, community, person.key, spec.name))
    return {k: v for k, v in found.items() if v is not None and (k in spec.allowed or k == "to")}


def _standing(store: Store, community: str, inviter: str, template: str) -> dict[str, Any]:
    """Invites, next tier and reward of ``inviter`` in the community's newest campaign: the
    reward is the next one for ``progress``, the last one reached for the others."""
    from shequn.engine.campaigns import campaign_progress
    from shequn.model.blueprint_growth import Campaign
    from shequn.store.referral_queries import list_campaigns

    with store.read() as conn:
        configs = list_campaigns(conn, community)
    if not configs:
        return {}
    campaign = Campaign.model_validate(configs[-1])
    count = campaign_progress(store, community, campaign.slug, inviter).count
    nxt = next((t for t in campaign.tiers if t.invites > count), None)
    held = [t for t in campaign.tiers if t.invites <= count]
    tier = held[-1] if held and (template != "progress" or nxt is None) else nxt
    found = {"campaign": campaign.slug, "campaign_name": campaign.name, "invites": count}
    if tier is not None:
        found["reward"] = tier.reward
    if nxt is not None:
        found.update(next=nxt.invites, left=nxt.invites - count)
    return found

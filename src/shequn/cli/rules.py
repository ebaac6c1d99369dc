"""``shequn rules`` (show, check, replay, train) and ``shequn moderation`` (list, reverse,
appeals, appeal, decide, report): the group rules, tried on text and on the stored log, and
the steps they took with what a manager can undo."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from shequn.cli.common import (
    CommunityOpt,
    GroupOpt,
    JsonFlag,
    community_blueprint,
    echo,
    err,
    named,
    open_store,
    out,
    pick_community,
    print_json,
    print_table,
    say,
    show_time,
    yes_no,
)
from shequn.engine.decisions import operator_source
from shequn.engine.rules import manage
from shequn.engine.rules.calibrate import TARGET_PRECISION, calibrated, recalibrated
from shequn.engine.rules.judge import MessageFacts, verdicts
from shequn.engine.rules.linear import OFF, LinearModel
from shequn.engine.rules.models import model_for
from shequn.engine.rules.normalize import fold
from shequn.engine.rules.selftrain import self_trained
from shequn.engine.rules.training import read_labelled
from shequn.model.blueprint_rules import Rules
from shequn.model.events import parse_time
from shequn.model.i18n import N_, Said

rules_app = typer.Typer(help="Group rules: show, try on text, replay on history, train.",
                        no_args_is_help=True)  # fmt: skip
moderation_app = typer.Typer(help="Moderation steps, reversals and appeals.",
                             no_args_is_help=True)  # fmt: skip


@rules_app.command("show")
def rules_show(group: GroupOpt = None, community: CommunityOpt = None,
               as_json: JsonFlag = False) -> None:  # fmt: skip
    """The rules in force (a group's, with its overrides) and whether they are on: one line a
    setting, named as in the blueprint's [rules] section."""
    with open_store() as store:
        _, bp = community_blueprint(store, community)
    found = {**bp.rules.for_group(group).model_dump(exclude={"groups"}), "group": group,
             "banned_topics": bp.culture.banned_topics}  # fmt: skip
    if as_json:
        print_json(found)
        return
    settings = [(k, v) for k, v in _flat(found) if k != "group"]
    title = Said("rules of {group}", group=group) if group else Said("rules of the community")
    print_table(title, [N_("setting"), N_("value")],
                [(k, _shown(v)) for k, v in settings])  # fmt: skip


def _flat(tree: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    """``{"advert": {"threshold": 0.8}}`` as ``[("advert.threshold", 0.8)]``: a setting by the
    dotted name a blueprint writes it under."""
    out: list[tuple[str, object]] = []
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            out += _flat(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "-"
    return "-" if value is None or value == {} else str(value)


@rules_app.command("check")
def rules_check(
    text: Annotated[str, typer.Argument(help="The message to try.")],
    group: GroupOpt = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """What the rules say about one message (advert, banned topics, links by level, locks)."""
    with open_store() as store:
        _, bp = community_blueprint(store, community)
    rules = bp.rules.for_group(group)
    facts = MessageFacts(text=text, has_link="://" in text, level=0)
    model = model_for(rules.advert.model)
    now = datetime.now().astimezone()
    found = verdicts(rules, facts, now, banned=bp.culture.banned_topics, model=model)
    if as_json:
        print_json({"folded": fold(text).text, "verdicts": [v.to_dict() for v in found]})
        return
    out.print(f"{say(N_('folded'))}: {fold(text).text}", markup=False)
    if not found:
        echo(N_("clean: no rule broken"))
    for v in found:
        out.print(f"{say(v.rule)} ({v.score:.2f}): {v.explain()}", markup=False)


@rules_app.command("replay")
def rules_replay(
    since: Annotated[str | None, typer.Option(help="Only messages from this date/time.")] = None,
    group: GroupOpt = None,
    rules_file: Annotated[
        Path | None, typer.Option("--rules", help="A TOML file of [rules] to try instead.")
    ] = None,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the rules over the stored log as a dry run: what they would have done."""
    rules = None
    if rules_file is not None:
        raw = tomllib.loads(rules_file.read_text(encoding="utf-8"))
        rules = Rules.model_validate({**raw.get("rules", raw), "enabled": True})
    with open_store() as store:
        slug = pick_community(store, community)
        when = parse_time(since, "since") if since else None
        report = manage.replay_log(store, slug, since=when, group=group, rules=rules)
        who = named(store, slug, [v.member for v in report.verdicts])
    if as_json:
        print_json(report.to_dict())
        return
    print_table(
        Said("{n} of {total} messages", n=len(report.verdicts), total=report.messages),
        [N_("time"), N_("group"), N_("member"), N_("rule"), N_("score"), N_("step"),
         N_("evidence"), N_("source"), N_("source_ref")],
        [(show_time(v.at), v.group, who(v.member), say(v.rule), f"{v.score:.2f}",
          say(N_("exempt") if v.exempt else v.step), v.verdicts[0]["evidence"][0]["match"]
          if v.verdicts[0]["evidence"] else "", v.source, v.source_ref)
         for v in report.verdicts],
    )  # fmt: skip
    d = report.to_dict()
    per_rule = ", ".join(f"{say(k)} {n}" for k, n in d["per_rule"].items())
    per_group = ", ".join(f"{k} {n}" for k, n in d["per_group"].items())
    echo(Said("per rule: {counts}", counts=per_rule or "-"))
    echo(Said("per group: {counts}", counts=per_group or "-"))
    echo(Said("muted: {who}", who=", ".join(who(k) for k in d["muted"]) or "-"))
    echo(Said("removed: {who}", who=", ".join(who(k) for k in d["removed"]) or "-"))


@rules_app.command("train")
def rules_train(
    labelled: Annotated[
        Path | None, typer.Argument(help="JSONL of {text, label} lines (label 1/0, true/false).")
    ] = None,
    output: Annotated[Path, typer.Option("--out", help="Where to write the model.")] = Path(
        "advert.model"
    ),
    history: Annotated[
        bool, typer.Option("--history", help="Also learn from managers' decisions in the log.")
    ] = False,
    chat: Annotated[
        bool,
        typer.Option(
            "--chat",
            help="Also learn this community's own spam from its stored messages, unlabelled: "
            "the rules teach the model (self-training; see docs/rules.md).",
        ),
    ] = False,
    chat_limit: Annotated[
        int, typer.Option(min=100, max=1_000_000, help="With --chat: the latest N messages.")
    ] = 20_000,
    since: Annotated[str | None, typer.Option(help="With --chat: messages from this time.")] = None,
    group: GroupOpt = None,
    precision: Annotated[
        float,
        typer.Option(min=0.5, max=1.0, help="Precision its threshold is chosen for (out of fold)."),
    ] = TARGET_PRECISION,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Train the advert model; set rules.advert.model in the blueprint to its file to use it.
    Its threshold is the lowest at which rules-or-model reach --precision on your examples
    (k-fold, out of fold): a false positive mutes an innocent member."""
    history = history or labelled is None
    examples, sources = _labels(labelled, history=history, community=community,
                                complete=not chat)  # fmt: skip
    folded = [(fold(t), y) for t, y in examples]
    if chat:
        with open_store() as store:
            slug = pick_community(store, community)
            when = parse_time(since, "since") if since else None
            texts = manage.chat_texts(store, slug, limit=chat_limit, since=when, group=group)
        sources["chat"] = f"{slug}: {len(texts)} messages"
        with err.status(say(Said("teaching the model on {n} messages", n=len(texts)))):
            model = self_trained([fold(t) for t in texts], folded, precision=precision,
                                 trained_on=sources, labelled_here=labelled is None)  # fmt: skip
    else:
        model = calibrated(folded, precision=precision, trained_on=sources)
    output.write_text(model.to_json(), encoding="utf-8")
    summary = {"model": str(output), "examples": len(examples),
               "adverts": sum(y for _, y in examples), "threshold": model.threshold,
               **sources, **model.trained_on.get("self_training", {})}  # fmt: skip
    if as_json:
        print_json(summary)
    else:
        out.print(json.dumps(summary, ensure_ascii=False))


@rules_app.command("calibrate")
def rules_calibrate(
    model_file: Annotated[Path, typer.Argument(help="A model from `shequn rules train`.")],
    labelled: Annotated[
        Path | None, typer.Argument(help="JSONL of {text, label} lines of this community.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="Where to write it (default: in place).")
    ] = None,
    precision: Annotated[
        float, typer.Option(min=0.5, max=1.0, help="Precision its threshold is chosen for.")
    ] = TARGET_PRECISION,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Choose a model's threshold again on this community's own labels (the managers'
    decisions in the log, or a file) without retraining it. A model trained elsewhere decides
    alone only where it reaches --precision here; where no threshold does, it is switched off
    (threshold 1.0) and the rules alone decide."""
    model = LinearModel.load(model_file)
    examples, sources = _labels(labelled, history=labelled is None, community=community)
    source = "; ".join(f"{k}: {v}" for k, v in sources.items())
    model = recalibrated(model, [(fold(t), y) for t, y in examples], precision=precision,
                         source=source)  # fmt: skip
    target = output or model_file
    target.write_text(model.to_json(), encoding="utf-8")
    summary = {"model": str(target), "examples": len(examples), "threshold": model.threshold,
               "off": model.threshold >= OFF, **sources}  # fmt: skip
    if as_json:
        print_json(summary)
    else:
        out.print(json.dumps(summary, ensure_ascii=False))


def _labels(
    labelled: Path | None, *, history: bool, community: str | None, complete: bool = True
) -> tuple[list[tuple[str, bool]], dict[str, str]]:
    """The labelled examples of a file and/or the log's decisions, and where they came from;
    ``complete``: both kinds are needed (not when the chat teaches the rest)."""
    examples: list[tuple[str, bool]] = read_labelled(labelled) if labelled else []
    sources = {"file": str(labelled)} if labelled else {}
    if history:
        with open_store() as store:
            slug = pick_community(store, community)
            found = manage.history_labels(store, slug)
        examples += found
        sources["history"] = f"{slug}: {len(found)} decisions"
    if complete and (not examples or len({y for _, y in examples}) < 2):
        raise typer.BadParameter(say(N_("need labelled examples of both kinds")))
    return examples, sources


@moderation_app.command("list")
def moderation_list(
    group: GroupOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many.")] = 100,
    community: CommunityOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The latest steps of the ladder, newest first (ref names a step for reverse/decide)."""
    with open_store() as store:
        slug = pick_community(store, community)
        steps = manage.list_steps(store, slug, groups=[group] if group else None, limit=limit)
        who = named(store, slug, [s.member for s in steps])
    if as_json:
        print_json([{**s.to_dict(), "name": who.name(s.member)} for s in steps])
        return
    print_table(Said("{n} steps", n=len(steps)), [N_("ref"), N_("time"), N_("group"),
                N_("member"), N_("step"), N_("rule"), N_("reason"), N_("reversed")],
                [(s.ref, show_time(s.at), s.group, who(s.member), say(s.step), say(s.rule),
                  say(s.reason), yes_no(True) if s.reversed else "") for s in steps])  # fmt: skip


@moderation_app.command("reverse")
def moderation_reverse(
    ref: Annotated[str, typer.Argument(help="The step: source:source_ref or event id.")],
    reason: Annotated[str, typer.Option(help="Why (the member is told).")] = "",
    by: Annotated[str | None, typer.Option(help="Identity key of the manager.")] = None,
    community: CommunityOpt = None,
) -> None:
    """Undo a step: unmute/unban, the member told, the ladder no longer counts it."""
    with open_store() as store:
        slug = pick_community(store, community)
        e = manage.reverse(store, slug, ref, by=by, reason=reason, source=operator_source())
    echo(Said("reversed: {ref} ({member})", ref=ref, member=e.subject))


@moderation_app.command("appeals")
def moderation_appeals(community: CommunityOpt = None, as_json: JsonFlag = False) -> None:
    """Appeals and their decisions (open ones first)."""
    with open_store() as store:
        slug = pick_community(store, community)
        rows = manage.list_appeals(store, slug)
        who = named(store, slug, [r["member"] for r in rows])
    if as_json:
        print_json([{**r, "name": who.name(r["member"])} for r in rows])
        return
    print_table(Said("{n} appeals", n=len(rows)), [N_("step"), N_("member"), N_("text"),
                N_("outcome"), N_("reason")],
                [(r["step"], who(r["member"]), r["text"], say(r["outcome"] or N_("open")),
                  r["reason"]) for r in rows])  # fmt: skip


@moderation_app.command("decide")
def moderation_decide(
    ref: Annotated[str, typer.Argument(help="The appealed step: source:source_ref or id.")],
    outcome: Annotated[str, typer.Argument(help="upheld or granted (granted reverses it).")],
    reason: Annotated[str, typer.Option(help="Why (the member is told).")] = "",
    by: Annotated[str | None, typer.Option(help="Identity key of the manager.")] = None,
    community: CommunityOpt = None,
) -> None:
    """Decide an appeal."""
    if outcome not in ("upheld", "granted"):
        raise typer.BadParameter(say(N_("upheld or granted")))
    with open_store() as store:
        slug = pick_community(store, community)
        manage.decide_appeal(store, slug, ref, "granted" if outcome == "granted" else "upheld",
                             by=by, reason=reason, source=operator_source())  # fmt: skip
    echo(Said("{outcome}: {ref}", outcome=Said(outcome), ref=ref))


@moderation_app.command("appeal")
def moderation_appeal(
    ref: Annotated[str, typer.Argument(help="The step: source:source_ref or event id.")],
    text: Annotated[str, typer.Option(help="What the member says.")],
    member: Annotated[str | None, typer.Option(help="Identity key (default: the step's).")] = None,
    community: CommunityOpt = None,
) -> None:
    """File a member's appeal of their step (once); `decide` settles it."""
    with open_store() as store:
        slug = pick_community(store, community)
        e = manage.file_appeal(store, slug, ref, member=member, text=text,
                               source=operator_source())  # fmt: skip
    echo(Said("appealed: {ref} ({member})", ref=ref, member=e.actor))


@moderation_app.command("report")
def moderation_report(
    member: Annotated[str, typer.Argument(help="Identity key of the member holding it.")],
    title: Annotated[str, typer.Option(help="What the activity is.")],
    group: GroupOpt = None,
    starts_at: Annotated[str | None, typer.Option("--starts", help="ISO 8601 start.")] = None,
    community: CommunityOpt = None,
) -> None:
    """Record a member's report of an activity (seed 004, 活动必须报备): their announcements
    in the group (every group without --group) break no rule for [rules.activities]
    report_days."""
    with open_store() as store:
        slug = pick_community(store, community)
        manage.report_activity(store, slug, member, group=group, title=title,
                               starts_at=starts_at, source=operator_source())  # fmt: skip
    echo(Said("reported: {member} {title}", member=member, title=title))

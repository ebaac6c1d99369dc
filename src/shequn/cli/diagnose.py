"""``shequn diagnose``: the playbook move that fits each group now (P-PLAN-2).

Thin on purpose: the rules and the facts live in :mod:`shequn.plan.diagnose`; this command
opens the replica (the same way as ``shequn report``), reads the operator's ``[diagnosis]``
overrides from a TOML file if given, and prints the moves as a table or ``--json``.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from shequn.analytics.configured import configured_language
from shequn.cli.common import (
    CommunityOpt,
    GroupOpt,
    JsonFlag,
    LangOpt,
    named,
    open_store,
    out,
    print_json,
    print_table,
)
from shequn.cli.engines import replica_scope
from shequn.cli.report import UntilOpt
from shequn.errors import InputFormatError
from shequn.model.i18n import N_, Said, translator
from shequn.plan.diagnose import Diagnosis, diagnose

RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="TOML file whose [diagnosis.<rule id>] tables override rule thresholds, "
        "priority or enabled (see docs/diagnose.md).",
    ),
]


def load_overrides(path: Path) -> dict[str, dict[str, Any]]:
    """The ``[diagnosis]`` section of a TOML file: ``{rule_id: {param: value}}``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputFormatError(
            str(path), None, Said("cannot read: {error}", error=e.strerror)
        ) from e
    except tomllib.TOMLDecodeError as e:
        raise InputFormatError(
            str(path), None, Said("not valid TOML: {error}", error=str(e))
        ) from e
    section = data.get("diagnosis", {})
    if not isinstance(section, dict) or not all(isinstance(v, dict) for v in section.values()):
        raise InputFormatError(str(path), None, Said("[diagnosis] must hold one table per rule id"))
    return section


def diagnose_command(
    community: CommunityOpt = None,
    group: GroupOpt = None,
    until: UntilOpt = None,
    rules: RulesOpt = None,
    lang: LangOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The playbook move that fits each group now, with the evidence and the seed it comes
    from: retire, activate, red-envelope test, damp chatter, session, promote, offers,
    referral — in the community's language (or --lang)."""
    overrides = load_overrides(rules) if rules is not None else None
    with replica_scope(community, group, None, until) as (con, scope):
        moves = diagnose(con, scope, overrides=overrides)
        _ = translator(lang or configured_language(con, scope.community))
    if as_json:
        print_json([asdict(d) for d in moves])
        return
    with open_store() as store:  # the targets by name (a group's slug stays as it is)
        who = named(store, scope.community, [t for d in moves for t in d.targets])
    where = scope.community + (f" / {scope.group}" if scope.group else "")
    if not moves:
        typer.echo(_(Said("{where}: no move needed — no rule holds for any group", where=where)))
        return
    out.print(f"[bold]{where}[/bold] — " + _("moves by priority (the first per group fits now)"))
    print_table(
        _("diagnosis"),
        ["#", *(_(c) for c in COLUMNS)],
        [_row(d, _, who) for d in moves],
    )
    for d in moves:  # how to carry a move out, where shequn can (nothing runs by itself)
        if d.act.get("command"):
            typer.echo(f"{d.group}: {d.act['command']}")


COLUMNS = (
    N_("group"),
    N_("move"),
    N_("why"),
    N_("targets"),
    N_("evidence"),
    N_("playbook"),
    N_("seed"),
)


def _row(d: Diagnosis, _: Callable[[Any], str], who: Callable[[Any], str]) -> list[str]:
    evidence = json.dumps(d.evidence, ensure_ascii=False, default=str)
    return [
        f"{d.priority}{'!' if d.urgent else ''}",
        d.group,
        _(d.move),
        _(d.why),
        ", ".join(who(t) for t in d.targets),
        evidence if len(evidence) <= 120 else evidence[:119] + "…",
        ", ".join(d.playbook),
        re.sub(r" \([^)]*\)", "", d.seed),  # the references; --json has the advice too
    ]


__all__ = ["diagnose_command", "load_overrides"]

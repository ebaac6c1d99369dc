"""``shequn diagnose``: the playbook move that fits each group now (P-PLAN-2).

Thin on purpose: the rules and the facts live in :mod:`shequn.plan.diagnose`; this command
opens the replica (the same way as ``shequn report``), reads the operator's ``[diagnosis]``
overrides from a TOML file if given, and prints the moves as a table or ``--json``.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from shequn.cli.common import CommunityOpt, GroupOpt, JsonFlag, out, print_json, print_table
from shequn.cli.report import UntilOpt, replica_scope
from shequn.errors import InputFormatError
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
        raise InputFormatError(str(path), None, f"cannot read: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise InputFormatError(str(path), None, f"not valid TOML: {e}") from e
    section = data.get("diagnosis", {})
    if not isinstance(section, dict) or not all(isinstance(v, dict) for v in section.values()):
        raise InputFormatError(str(path), None, "[diagnosis] must hold one table per rule id")
    return section


def diagnose_command(
    community: CommunityOpt = None,
    group: GroupOpt = None,
    until: UntilOpt = None,
    rules: RulesOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """The playbook move that fits each group now, with the evidence and the seed it comes
    from: retire, activate, red-envelope test, damp chatter, session, promote, offers,
    referral."""
    overrides = load_overrides(rules) if rules is not None else None
    with replica_scope(community, group, None, until) as (con, scope):
        moves = diagnose(con, scope, overrides=overrides)
    if as_json:
        print_json([asdict(d) for d in moves])
        return
    where = scope.community + (f" / {scope.group}" if scope.group else "")
    if not moves:
        typer.echo(f"{where}: no move needed — no rule holds for any group")
        return
    out.print(f"[bold]{where}[/bold] — moves by priority (the first per group fits now)")
    print_table(
        "diagnosis",
        ["#", "group", "move", "why", "targets", "evidence", "playbook", "seed"],
        [_row(d) for d in moves],
    )
    for d in moves:  # how to carry a move out, where shequn can (nothing runs by itself)
        if d.act.get("command"):
            typer.echo(f"{d.group}: {d.act['command']}")


def _row(d: Diagnosis) -> list[str]:
    evidence = json.dumps(d.evidence, ensure_ascii=False, default=str)
    return [
        f"{d.priority}{'!' if d.urgent else ''}",
        d.group,
        d.move,
        d.why,
        ", ".join(d.targets),
        evidence if len(evidence) <= 120 else evidence[:119] + "…",
        ", ".join(d.playbook),
        re.sub(r" \([^)]*\)", "", d.seed),  # the references; --json has the advice too
    ]


__all__ = ["diagnose_command", "load_overrides"]

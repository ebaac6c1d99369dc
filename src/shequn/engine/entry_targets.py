"""What a knock's groups ask of the blueprint, worked out once per blueprint.

A knock through a live code over twenty groups looked up each group's entry settings twice
(its camp, its task, its gates) in every transaction; the answer is the same for every knock
through links to the same groups while the blueprint is the same (issue 22, Session 39).
"""

from __future__ import annotations

from dataclasses import dataclass

from shequn.engine.entry_rules import entry_config
from shequn.model.blueprint import Blueprint


@dataclass(frozen=True, slots=True)
class Target:
    """What a knock's groups ask of the blueprint: the groups it may enter (with their camps,
    after them), whether one of them has a task ``invited:N`` and whether one has a gate."""

    groups: tuple[str, ...]
    counts_invites: bool
    gated: bool


def target(blueprint: Blueprint, groups: tuple[str, ...], group: str | None) -> Target:
    """:class:`Target` of a knock through a link to ``groups`` or applying to ``group``.

    Remembered per blueprint (blueprints are frozen; the memo holds the blueprint, so its
    ``id`` cannot be reused), as :func:`~shequn.engine.entry_rules.entry_config`'s index."""
    found = _TARGETS.get(id(blueprint))
    if found is None or found[0] is not blueprint:
        if len(_TARGETS) >= 64:
            _TARGETS.clear()
        found = _TARGETS[id(blueprint)] = (blueprint, {})
    memo = found[1]
    key = (groups, group)
    known = memo.get(key)
    if known is None:
        listed = list(groups) + ([group] if group else [])
        listed += [c for g in list(listed) if (c := entry_config(blueprint, g).camp)]
        known = Target(
            tuple(listed),
            any((entry_config(blueprint, g).task or "").startswith("invited:") for g in listed),
            any(entry_config(blueprint, g).gates for g in listed),
        )
        if len(memo) >= 1024:  # links' groups are the blueprint's; bounded all the same
            memo.clear()
        memo[key] = known
    return known


_TARGETS: dict[int, tuple[Blueprint, dict[tuple[tuple[str, ...], str | None], Target]]] = {}

"""The rule changes a motion may carry (P-ORG-3, seed 004: rules of order decide a group's
rules too).

A group decides its own rules, not the community's: a carried motion changes one key of the
group's ``[rules.groups.<group>]`` overrides, starting from the rules that govern the group now
(``Rules.for_group``), and nothing else of the blueprint. Only the keys of :data:`RULE_KEYS`
— thresholds and banned topics, what members can judge from their own chat — may be moved; the
rest (rules on or off, who is exempt, the ladder's steps) stays the owner's word
(docs/security.md: the blueprint is the ``config`` class). Written ``KEY=VALUE`` (set),
``KEY+=ITEM`` / ``KEY-=ITEM`` (a list key: add or remove one item).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shequn.model.blueprint import Blueprint
from shequn.model.i18n import Said

RULE_KEYS: dict[str, type] = {
    "advert.threshold": float,
    "topics.patterns": list,
    "flow.flood_messages": int,
    "flow.flood_seconds": float,
    "flow.link_level": int,
    "ladder.mute_minutes": int,
    "activities.report_days": float,
}
"""The keys of a group's ``[rules]`` a motion may change, and their kinds of value."""

_CHANGE = re.compile(r"^\s*([a-z_.]+)\s*(\+=|-=|=)\s*(.+?)\s*$", re.S)


@dataclass(frozen=True, slots=True)
class RuleChange:
    """One key of the group's rules: ``op`` is ``=`` (set), ``+=`` (add) or ``-=`` (remove)."""

    key: str
    op: str
    value: str

    def __str__(self) -> str:
        return f"{self.key}{self.op}{self.value}"


def parse_rule_change(text: str) -> RuleChange:
    """``"topics.patterns+=赌博"`` → a :class:`RuleChange`; a key off the list, an add or
    remove on a single value, or a malformed text is a ``ValueError`` in plain words."""
    found = _CHANGE.match(text)
    if found is None:
        raise ValueError(
            Said("a rule change is KEY=VALUE, KEY+=ITEM or KEY-=ITEM, not {text!r}", text=text)
        )
    key, op, value = found.groups()
    if key not in RULE_KEYS:
        raise ValueError(
            Said(
                "a motion may change one of {keys}, not {key!r}",
                keys=", ".join(RULE_KEYS),
                key=key,
            )
        )
    if op != "=" and RULE_KEYS[key] is not list:
        raise ValueError(Said("{key} is one value: set it with {key}=VALUE", key=key))
    return RuleChange(key, op, value)


def with_rule_change(bp: Blueprint, group: str, change: RuleChange) -> Blueprint:
    """Pure: ``bp`` with ``change`` made to ``group``'s rules (its override section starts
    from the rules that govern it now). ``ValueError`` when the value does not fit."""
    section, field = change.key.split(".")
    now = getattr(bp.rules.for_group(group), section).model_dump(mode="json")
    current, kind = now[field], RULE_KEYS[change.key]
    if kind is list:
        items = [x.strip() for x in change.value.split(",") if x.strip()]
        if change.op == "+=":
            value: object = [*current, *(x for x in items if x not in current)]
        elif change.op == "-=":
            if not set(items) & set(current):
                raise ValueError(
                    Said(
                        "{value!r} is not in {key} of {group}",
                        value=change.value,
                        key=change.key,
                        group=group,
                    )
                )
            value = [x for x in current if x not in items]
        else:
            value = items
    else:
        try:
            value = kind(change.value)
        except ValueError:
            raise ValueError(
                Said(
                    "{key} takes a {kind}, not {value!r}",
                    key=change.key,
                    kind=kind.__name__,
                    value=change.value,
                )
            ) from None
    data = bp.to_dict()
    overrides = data["rules"].setdefault("groups", {}).setdefault(group, {})
    overrides[section] = {**now, field: value}
    return Blueprint.model_validate(data)


__all__ = ["RULE_KEYS", "RuleChange", "parse_rule_change", "with_rule_change"]

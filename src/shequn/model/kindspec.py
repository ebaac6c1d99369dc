"""The shape of the event vocabulary: what a kind and its data fields say.

Kept apart from the vocabulary itself (``kinds.py`` and ``kinds_growth.py``) so the table can
be split by playbook chapter without the chapters importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# JSON-compatible python types a data field may hold.
Str = (str,)
Int = (int,)
Num = (int, float)
Bool = (bool,)
List = (list,)
Dict = (dict,)

# What ``actor`` means on kinds of several chapters, said once.
MEMBER = "the member (identity key)"
OPERATOR = "the operator or bot who did it; absent when unknown"


@dataclass(frozen=True, slots=True)
class DataField:
    """One field of an event's ``data`` object."""

    name: str
    types: tuple[type, ...]
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KindSpec:
    """What one event kind means and what it must carry."""

    kind: str
    doc: str
    actor: str | None
    subject: str | None = None
    actor_required: bool = True
    subject_required: bool = False
    group_required: bool = True
    fields: tuple[DataField, ...] = ()
    playbook: tuple[str, ...] = ()
    by_name: dict[str, DataField] = field(init=False, compare=False, hash=False, repr=False)
    required_fields: tuple[DataField, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "required_fields", tuple(f for f in self.fields if f.required))

"""What a detector says about a message, and why.

A verdict always carries its evidence — which signal, which words, how much each weighed — so
the member's reply, the manager's list and the replay can all show the reason, and a manager
who reverses a step can see what the rule saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    """One signal that fired: its name, the text it matched, its weight in the score."""

    signal: str
    match: str
    weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"signal": self.signal, "match": self.match, "weight": round(self.weight, 3)}


@dataclass(frozen=True, slots=True)
class Verdict:
    """A rule's finding on one message: broken or not, the score, the evidence."""

    rule: str
    hit: bool
    score: float = 0.0
    evidence: tuple[Evidence, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "hit": self.hit,
            "score": round(self.score, 3),
            "evidence": [e.to_dict() for e in self.evidence],
        }

    def explain(self) -> str:
        """The evidence in one line, e.g. ``url "t.me/x", contact "vx123"``."""
        return ", ".join(f'{e.signal} "{e.match}"' for e in self.evidence)


def clean(rule: str) -> Verdict:
    """The verdict for a message that broke nothing."""
    return Verdict(rule, False)

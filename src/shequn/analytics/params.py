"""What each metric parameter may be: its type and its documented range, checked before any
work is done.

A metric parameter comes from a caller — a query string (``?periods=12``), a CLI option
(``-p periods=12``) — and sizes the work a metric does: ``periods`` is a list per cohort,
``top`` a result length, ``burst_minutes`` an interval. So every parameter of every metric
has a :class:`Param` here, by name (a name means the same thing in every metric, e.g. ``top``,
``activation_days``); a metric whose parameter means something narrower declares its own
(``Metric(..., ranges={"by": Choice(...)})``). ``tests/test_api_hardening.py`` fails when a
metric has a parameter without one, and docs/metrics.md lists the ranges.

Out of range, the wrong type, or an unknown name raise :class:`ParameterError` (422) naming the
parameter; nothing is computed.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from shequn.errors import ShequnError
from shequn.model.i18n import Said
from shequn.model.kinds import KINDS


class ParameterError(ShequnError):
    """A metric parameter that is unknown, of the wrong type or out of its range."""

    status = 422

    def __init__(self, name: str, problem: str, *, metric: str | None = None) -> None:
        said = Said("{name} {problem}", name=name, problem=problem)
        text = said if metric is None else Said("{metric}: {said}", metric=metric, said=said)
        super().__init__(text, field=name)
        self.name, self.problem = name, problem


@dataclass(frozen=True, slots=True)
class Param:
    """Base: ``check`` returns the value as the metric takes it, or raises ParameterError."""

    nullable: bool = False

    def check(self, name: str, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise ParameterError(name, Said("must not be null"))
        return self._check(name, value)

    def _check(self, name: str, value: Any) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Number(Param):
    """A number in ``[low, high]``; ``integer`` refuses fractions."""

    low: float = 0
    high: float = 0
    integer: bool = True

    def _check(self, name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(name, Said("must be a number from {range}", range=self.describe()))
        if self.integer and not isinstance(value, int):
            raise ParameterError(
                name, Said("must be a whole number from {range}", range=self.describe())
            )
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise ParameterError(
                name,
                Said("must be from {range}, not {value!r}", range=self.describe(), value=value),
            )
        return value if self.integer else float(value)

    def describe(self) -> str:
        low, high = (int(x) if float(x).is_integer() else x for x in (self.low, self.high))
        said = Said("{low} to {high}", low=low, high=high)
        return said if self.integer else Said("{range} (decimal)", range=said)


@dataclass(frozen=True, slots=True)
class Choice(Param):
    options: tuple[str, ...] = ()

    def _check(self, name: str, value: Any) -> Any:
        if value not in self.options:
            raise ParameterError(
                name, Said("must be one of {names}", names=", ".join(self.options))
            )
        return value

    def describe(self) -> str:
        return Said("one of {names}", names=", ".join(self.options))


@dataclass(frozen=True, slots=True)
class Text(Param):
    max_length: int = 128

    def _check(self, name: str, value: Any) -> Any:
        if not isinstance(value, str) or not 0 < len(value) <= self.max_length:
            raise ParameterError(name, Said("must be {what}", what=self.describe()))
        return value

    def describe(self) -> str:
        return Said("text of 1 to {n} characters", n=self.max_length)


@dataclass(frozen=True, slots=True)
class Day(Param):
    """A calendar day (YYYY-MM-DD) from 1970 to 2999: date arithmetic near year 1 overflows."""

    def _check(self, name: str, value: Any) -> Any:
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise ParameterError(name, Said("must be a day, YYYY-MM-DD")) from None
        if not date(1970, 1, 1) <= day <= date(2999, 12, 31):
            raise ParameterError(
                name, Said("must be from {range}, not {value}", range=self.describe(), value=day)
            )
        return day

    def describe(self) -> str:
        return Said("{low} to {high}", low="1970-01-01", high="2999-12-31")


@dataclass(frozen=True, slots=True)
class Kinds(Param):
    """A list of 1–``max_items`` event kinds, each one shequn knows."""

    max_items: int = len(KINDS)

    def _check(self, name: str, value: Any) -> Any:
        if not isinstance(value, list | tuple) or not 0 < len(value) <= self.max_items:
            raise ParameterError(name, Said("must be {what}", what=self.describe()))
        unknown = [k for k in value if not isinstance(k, str) or k not in KINDS]
        if unknown:
            raise ParameterError(
                name, Said("has an unknown event kind {kind!r}", kind=str(unknown[0])[:64])
            )
        return tuple(dict.fromkeys(value))

    def describe(self) -> str:
        return Said("a list of known event kinds (at least one; a repeat counts once)")


@dataclass(frozen=True, slots=True)
class DayPair(Param):
    """``[first, last]`` day offsets with ``low ≤ first ≤ last ≤ high``."""

    low: int = 0
    high: int = 366

    def _check(self, name: str, value: Any) -> Any:
        ok = isinstance(value, list | tuple) and len(value) == 2
        ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        if not ok or not self.low <= value[0] <= value[1] <= self.high:
            raise ParameterError(name, Said("must be {what}", what=self.describe()))
        return (value[0], value[1])

    def describe(self) -> str:
        return Said(
            "[first, last] with {low} ≤ first ≤ last ≤ {high}", low=self.low, high=self.high
        )


@dataclass(frozen=True, slots=True)
class Weights(Param):
    """An object giving some of ``keys`` a weight from 0 to ``high``."""

    keys: tuple[str, ...] = ()
    high: float = 1000.0

    def _check(self, name: str, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ParameterError(name, Said("must be an object: {what}", what=self.describe()))
        weight = Number(low=0, high=self.high, integer=False)
        out = {}
        for key, v in value.items():
            if key not in self.keys:
                shown = str(key)[:64]
                raise ParameterError(
                    name,
                    Said(
                        "has an unknown key {key!r}; known: {what}", key=shown, what=self.describe()
                    ),
                )
            out[key] = weight.check(f"{name}.{key}", v)
        return out

    def describe(self) -> str:
        return Said(
            "{{{keys}}}, each 0 to {high}", keys=", ".join(self.keys), high=f"{self.high:g}"
        )


def _days(high: int = 366, low: int = 1) -> Number:
    return Number(low=low, high=high)


def _share(high: float = 1.0) -> Number:
    return Number(low=0, high=high, integer=False)


PARAMS: dict[str, Param] = {
    # how much is computed
    "periods": Number(low=1, high=366),
    "months": Number(low=1, high=120),
    "top": Number(low=1, high=1000),
    "key_members": Number(low=1, high=1000),
    # calendars and windows (days, hours, minutes)
    "period": Choice(options=("day", "week", "month")),
    "at": Day(nullable=True),
    "window_days": _days(),
    "germination_days": _days(),
    "dead_after_days": _days(),
    "seven_day_days": _days(),
    "activation_days": _days(),
    "referral_days": _days(),
    "horizon_days": _days(),
    "grace_days": _days(),
    "quiet_days": _days(),
    "invite_stay_days": _days(low=0),
    "retention_days": DayPair(),
    "half_life_days": Number(low=0.1, high=3650, integer=False, nullable=True),
    "baseline_weeks": Number(low=1, high=104),
    "recent_weeks": Number(low=1, high=52),
    "envelope_test_hours": Number(low=0.1, high=168, integer=False),
    "burst_minutes": Number(low=1, high=1440),
    # thresholds
    "burst_messages": Number(low=1, high=1000),
    "messages_per_hour": Number(low=1, high=100_000),
    "seven_day_posters": Number(low=0, high=100_000),
    "seven_day_events": Number(low=0, high=100_000),
    "long_reply": Number(low=0, high=100_000),
    "short": Number(low=0, high=100_000),
    "factor": Number(low=1, high=1000, integer=False),
    "rapid_growth_rate": _share(100.0),
    "decline_ratio": _share(),
    "chatter_share": _share(),
    "quiet_drop": _share(),
    "ratio": _share(),
    "threshold": _share(),
    "min_baseline": Number(low=0, high=7, integer=False),
    # what counts
    "active_kinds": Kinds(),
    "meaningful_kinds": Kinds(),
    "campaign": Text(nullable=True),
    "by": Choice(options=("channel", "group", "community")),
}
"""Every metric parameter by name: its type and range (see the module doc)."""


def parse_text(raw: str) -> Any:
    """A parameter value given as text (query string, ``-p key=value``): JSON when it parses
    (``12``, ``[21, 27]``, ``["message.posted"]``), else the text itself (``week``)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw


def check_params(
    metric: str,
    given: Mapping[str, Any],
    known: Collection[str],
    ranges: Mapping[str, Param],
) -> dict[str, Any]:
    """``given`` checked against the metric's parameters ``known`` and their ranges."""
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name not in known:
            listed = ", ".join(known) or "(none)"
            raise ParameterError(
                name, Said("is no parameter of it; known: {names}", names=listed), metric=metric
            )
        spec = ranges.get(name) or PARAMS[name]
        try:
            out[name] = spec.check(name, value)
        except ParameterError as e:
            raise ParameterError(e.name, e.problem, metric=metric) from None
    return out

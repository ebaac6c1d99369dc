"""The growth parts of the blueprint: entry thresholds per group (P-IN-1, P-IN-3), intake
classification (P-IN-2), fission defaults and fraud control (P-FIS-2, P-FIS-5), and the schema
of a referral campaign.

Every number here is a seed default an operator may change in the TOML file; the engines in
``engine/entry.py`` and ``engine/fission.py`` read them from here and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shequn.model.kinds_growth import CARE, STAKES

Gate = Literal["code", "task", "payment", "application", "camp"]
GATES: tuple[str, ...] = get_args(Gate)
"""Threshold kinds (P-IN-1); a group may combine any of them and a newcomer must pass all."""
Care = Literal["deep", "cool", "ignore"]
Stake = Literal["payer", "partner", "competitor", "ordinary"]
FraudMode = Literal["strict", "loose"]
Fill = Literal["in_order", "least_full"]

DEFAULT_WAVE_SIZE = 20
"""Admit newcomers 20 at a time, with one welcome for the wave (000 "Revelation 2")."""
DEFAULT_WAVE_WAIT_HOURS = 24.0
"""A smaller wave opens anyway once its first newcomer has waited this long."""
DEFAULT_SEAT_HOLD_HOURS = 48.0
"""An admitted newcomer who has not arrived two days later gives the seat back (0: never)."""
DEFAULT_INVITES_TO_UNLOCK = 3
""""Invite 3 friends to unlock" (001 §2, the accounting black card)."""
DEFAULT_LEAVE_HOURS = 24.0
"""An invitee who leaves within a day does not count, and a reward it earned is clawed back."""
DEFAULT_ATTRIBUTION_DAYS = 7.0
"""First touch wins if the newcomer joins within this window after it."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _slug(value: str) -> str:
    # The same rule as blueprint slugs; repeated here so this module need not import blueprint.
    ok = value[:1].isalnum() and all(c.isalnum() or c in "_-" for c in value)
    if not ok or len(value) > 64 or value.lower() != value or not value.isascii():
        raise PydanticCustomError("slug", f"{value!r} is not a slug: a-z, 0-9, _ or -")
    return value


Slug = Annotated[str, AfterValidator(_slug)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Section):
    """How a newcomer gets into one group: its thresholds, in the order they are checked."""

    gates: list[Gate] = Field(default_factory=list)
    task: Text | None = None
    fee: float = Field(0, ge=0)
    deposit: bool = False
    currency: str = "CNY"
    judges: int = Field(3, gt=0)
    approvals: int = Field(2, gt=0)
    camp: Slug | None = None
    graduate_checkins: int = Field(7, gt=0)
    waves: bool = True
    wave_size: int = Field(DEFAULT_WAVE_SIZE, gt=0)
    wave_wait_hours: float = Field(DEFAULT_WAVE_WAIT_HOURS, ge=0)
    seat_hold_hours: float = Field(DEFAULT_SEAT_HOLD_HOURS, ge=0)
    # This group's texts for both languages, from before [templates] (None: the template's);
    # welcome_back overrides the template "greet". See model/templates.py.
    welcome: Text | None = None
    welcome_back: Text | None = None
    rejection: Text | None = None

    @model_validator(mode="after")
    def _complete(self) -> Entry:
        needs = {"task": self.task, "camp": self.camp}
        for gate, value in needs.items():
            if gate in self.gates and value is None:
                raise PydanticCustomError("gate", f"gate {gate!r} needs {gate} = ... set")
        if "payment" in self.gates and self.fee <= 0:
            raise PydanticCustomError("gate", "gate 'payment' needs fee > 0")
        if self.approvals > self.judges:
            raise PydanticCustomError("gate", "approvals cannot exceed judges")
        return self


class IntakeRule(_Section):
    """``when`` a card/survey answer matches, classify the newcomer (P-IN-2).

    ``field`` is ``card.<key>``, ``survey.<key>`` or ``paid`` (has made any payment); a rule
    matches when the value equals ``equals``, contains ``contains``, or (neither given) is
    present at all. The first rule that sets ``care`` decides care; likewise ``stake``.
    """

    field: Text
    equals: str | None = None
    contains: str | None = None
    care: Care | None = None
    stake: Stake | None = None

    def matches(self, answers: dict[str, Any]) -> bool:
        value = answers.get(self.field)
        if value is None or value == "" or value is False:
            return False
        text = str(value)
        if self.equals is not None:
            return text.strip().lower() == self.equals.strip().lower()
        if self.contains is not None:
            return self.contains.lower() in text.lower()
        return True


DEFAULT_INTAKE_RULES = (IntakeRule(field="paid", care="deep", stake="payer"),)
"""A newcomer who paid gets deep care (003 "pull new": direct payers first)."""


class IntakeQuestion(_Section):
    """One line of the intake card a bot asks a newcomer who came by a link (P-IN-2):
    ``field`` is where the answer goes (``card.<key>`` or ``survey.<key>``, what the rules
    match on), ``ask`` the question in the community's language."""

    field: Annotated[str, StringConstraints(pattern=r"^(card|survey)\.[A-Za-z0-9_]{1,40}$")]
    ask: Text


class Intake(_Section):
    questions: list[IntakeQuestion] = Field(default_factory=list)
    rules: list[IntakeRule] = Field(default_factory=lambda: list(DEFAULT_INTAKE_RULES))
    default_care: Care = "cool"
    default_stake: Stake = "ordinary"


class Fraud(_Section):
    """Fraud control (P-FIS-5): what counts as suspicious and what happens to it."""

    mode: FraudMode = "loose"
    leave_hours: float = Field(DEFAULT_LEAVE_HOURS, ge=0)
    burst_count: int = Field(20, gt=0)
    burst_minutes: float = Field(10, gt=0)
    flag_score: float = Field(50, ge=0, le=100)


class Fission(_Section):
    link_url: str | None = None
    attribution_window_days: float = Field(DEFAULT_ATTRIBUTION_DAYS, gt=0)
    commission: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=list, max_length=2
    )
    fraud: Fraud = Field(default_factory=Fraud)


class RewardTier(_Section):
    invites: int = Field(gt=0)
    reward: Text


class Campaign(_Section):
    """A referral campaign: "invite N to unlock" with reward tiers (P-FIS-2)."""

    slug: Slug
    name: Text
    groups: list[Slug] = Field(min_length=1)
    tiers: list[RewardTier] = Field(
        default_factory=lambda: [RewardTier(invites=DEFAULT_INVITES_TO_UNLOCK, reward="unlock")]
    )
    stay_days: float = Field(0, ge=0)
    qualifying_task: str | None = None
    channel: Text = "referral"
    fill: Fill = "in_order"
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @field_validator("tiers")
    @classmethod
    def _ordered(cls, tiers: list[RewardTier]) -> list[RewardTier]:
        counts = [t.invites for t in tiers]
        if not counts:
            raise PydanticCustomError("tiers", "a campaign needs at least one reward tier")
        if counts != sorted(set(counts)):
            raise PydanticCustomError("tiers", "tiers must ask for strictly more invites each")
        return tiers

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, at: datetime | None) -> datetime | None:
        if at is not None and at.tzinfo is None:
            raise PydanticCustomError("time", "campaign times need a time zone offset")
        return at

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


assert set(get_args(Care)) == set(CARE) and set(get_args(Stake)) == set(STAKES)  # noqa: S101


_PARSED: dict[bytes, Campaign] = {}


def parsed_campaign(config: dict[str, Any]) -> Campaign:
    """``Campaign.model_validate(config)``, remembered by content: fission re-reads the
    campaigns for every join it counts, and validating one (its groups' slugs, its tiers) costs
    more than counting. Campaigns are frozen, so sharing one is safe."""
    key = orjson.dumps(config, option=orjson.OPT_SORT_KEYS, default=str)
    found = _PARSED.get(key)
    if found is None:
        found = Campaign.model_validate(config)
        if len(_PARSED) >= 256:
            _PARSED.clear()
        _PARSED[key] = found
    return found

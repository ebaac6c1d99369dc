"""``[engagement.calendar]``: the operator's own posts and the seeds' rhythm (P-CHN-2).

The seeds' rhythm for the operator's own channels — personal account, Moments (朋友圈), the
official account and the groups — is three to five posts a day, mostly not advertising. A
calendar holds the posts that recur (``[[engagement.calendar.posts]]``: a channel, the days of
the week and a local time) beside the one-off posts planned with ``shequn calendar add``; the
worker releases each on its day (a group post through the connector, any other channel as an
operator task, since no bot posts to Moments), and ``shequn calendar show`` checks each day
against the rhythm.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shequn.model.i18n import Said

DEFAULT_POSTS_PER_DAY = (3, 5)
"""Seed 003's rhythm: three to five posts a day across the operator's channels."""
DEFAULT_REMIND_HOURS_BEFORE = 1.0
"""An operator's post (personal account, Moments, official account) is announced to them this
many hours before it is due, to get the picture and the words ready (0: no early reminder)."""
DEFAULT_MAX_AD_SHARE = 0.3
""""Mostly not ads": warn when more than this share of a day's posts advertise (the seeds give
no exact figure; under a third keeps ads the exception)."""

Channel = Literal["personal", "moments", "official", "group"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarPost(_Section):
    """One recurring post: what, where, on which days, at what local time."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    channel: Channel = "group"
    group: str | None = None  # the group posted to (channel "group")
    time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # local HH:MM
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))
    text: str = Field(min_length=1, max_length=4000)
    ad: bool = False  # advertising: counts against max_ad_share

    @model_validator(mode="after")
    def _group_post_names_its_group(self) -> CalendarPost:
        if self.channel == "group" and not self.group:
            raise ValueError(
                Said("calendar post {name!r}: a group post names its group", name=self.name)
            )
        return self


class Calendar(_Section):
    """The content calendar and the rhythm it is checked against."""

    enabled: bool = True
    posts_per_day: tuple[int, int] = DEFAULT_POSTS_PER_DAY
    max_ad_share: float = Field(DEFAULT_MAX_AD_SHARE, ge=0, le=1)
    remind_hours_before: float = Field(DEFAULT_REMIND_HOURS_BEFORE, ge=0, le=7 * 24)
    posts: list[CalendarPost] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sane(self) -> Calendar:
        low, high = self.posts_per_day
        if not 0 <= low <= high:
            raise ValueError(Said("posts_per_day is [fewest, most] with 0 ≤ fewest ≤ most"))
        names = [p.name for p in self.posts]
        if len(names) != len(set(names)):
            raise ValueError(Said("calendar post names must be unique"))
        return self

"""Intake (P-IN-2): the newcomer's profile card and needs survey, and their classification.

"Classify the people: some to care for deeply, some to treat coolly, some to ignore — and tell
the stakeholders apart: direct payers, partner institutions, potential competitors" (003).
Rules come from the blueprint's ``[intake]``; a manager's classification always wins over a
rule's and is never overwritten by one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shequn.engine.decisions import Decision, apply, new_ref, operator_source
from shequn.errors import InvalidEvent
from shequn.model.blueprint_growth import Intake
from shequn.model.entities import Profile
from shequn.model.events import Event
from shequn.model.i18n import Said
from shequn.model.kinds_growth import CARE, STAKES
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint, get_profile, identities_of
from shequn.store.queries import get_member


def answers_of(profile: Profile) -> dict[str, Any]:
    """The flat answers intake rules match on: ``card.<key>``, ``survey.<key>``, ``paid``."""
    flat: dict[str, Any] = {f"card.{k}": v for k, v in profile.card.items()}
    flat.update({f"survey.{k}": v for k, v in profile.survey.items()})
    flat["paid"] = profile.paid > 0
    return flat


def classify(profile: Profile, intake: Intake) -> tuple[str, str, str]:
    """Pure: ``(care, stake, reason)`` by the first matching rules, else the defaults."""
    answers = answers_of(profile)
    care = stake = None
    why: list[str] = []
    for rule in intake.rules:
        if not rule.matches(answers):
            continue
        test = f"{rule.field}={rule.equals}" if rule.equals is not None else rule.field
        if care is None and rule.care is not None:
            care = rule.care
            why.append(f"care {care} by rule {test}")
        if stake is None and rule.stake is not None:
            stake = rule.stake
            why.append(f"stake {stake} by rule {test}")
    reason = "; ".join(why) or "no rule matched: defaults"
    return care or intake.default_care, stake or intake.default_stake, reason


def decide_classification(
    profile: Profile, intake: Intake, community: str, now: datetime, ref: str
) -> Decision:
    """Pure: a ``member.classified`` event when the rules say something new; nothing when a
    manager classified the member already or the class is unchanged."""
    if profile.classified_by == "manager":
        return Decision.none()
    care, stake, reason = classify(profile, intake)
    if (care, stake) == (profile.care, profile.stake):
        return Decision.none()
    event = Event(
        kind="member.classified",
        occurred_at=now,
        community=community,
        source="engine",
        source_ref=f"classify:{ref}",
        subject=profile.identity,
        data={"care": care, "stake": stake, "reason": reason, "by": "rule"},
    )
    return Decision(events=[event])


def record_intake(
    store: Store,
    community: str,
    identity: str,
    *,
    card: dict[str, Any] | None = None,
    survey: dict[str, Any] | None = None,
    now: datetime | None = None,
    source: str = "engine",
    ref: str | None = None,
) -> Profile:
    """Store a newcomer's card and survey answers, classify them by the rules, and return
    the profile. ``ref`` keys the answers on what carried them (a bot's message): recorded
    twice, they are one event."""
    at = now or datetime.now(UTC)
    ref = ref or new_ref()
    with store.transaction() as conn:
        bp = get_blueprint(conn, community)
        data = {k: v for k, v in {"card": card, "survey": survey}.items() if v}
        answered = Event(
            kind="intake.answered",
            occurred_at=at,
            community=community,
            source=source,
            source_ref=f"intake:{ref}",
            actor=identity,
            data=data,
        )
        apply(conn, Decision(events=[answered]))
        keys = identities_of(conn, community, identity)
        profile = get_profile(conn, community, keys)
        apply(conn, decide_classification(profile, bp.intake, community, at, ref))
        return get_profile(conn, community, keys)


def classify_member(
    store: Store,
    community: str,
    member_ref: str,
    *,
    care: str,
    stake: str,
    reason: str | None = None,
    operator: str | None = None,
    now: datetime | None = None,
) -> Profile:
    """A manager's classification: overrides the rules, and later rules leave it alone."""
    if care not in CARE:
        raise InvalidEvent(Said("care must be one of {names}", names=", ".join(CARE)), field="care")
    if stake not in STAKES:
        raise InvalidEvent(
            Said("stake must be one of {names}", names=", ".join(STAKES)), field="stake"
        )
    with store.transaction() as conn:
        member = get_member(conn, member_ref, community=community)
        data = {"care": care, "stake": stake, "by": "manager"}
        if reason:
            data["reason"] = reason
        event = Event(
            kind="member.classified",
            occurred_at=now or datetime.now(UTC),
            community=community,
            source=operator_source(),
            source_ref=f"classify:{new_ref()}",
            actor=operator,
            subject=member.key,
            data=data,
        )
        apply(conn, Decision(events=[event]))
        return get_profile(conn, community, identities_of(conn, community, member.key))

"""The ladder across decay with a fake clock, the other pure rules, and the same stream twice
giving the same decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shequn.engine.rules.flow import carries, flood, links_by_level, locked, newcomer
from shequn.engine.rules.ladder import Offence, decide_step, is_exempt, level, next_step
from shequn.engine.rules.normalize import fold
from shequn.engine.rules.topics import expand, topic_verdict
from shequn.engine.rules.verdict import Evidence, Verdict
from shequn.model.blueprint_rules import Flow, Ladder, Rules
from shequn.model.events import Event

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
LADDER = Ladder(decay_days=30, mute_minutes=60)
ADVERT = Verdict("advert", True, 1.6, (Evidence("wechat", "vx12345", 0.8),))


def offence(at: datetime, ref: str = "m1") -> Offence:
    return Offence("c", "main", "wechat:spam", "wechat-bot:g", ref, at)


def test_the_ladder_climbs_then_repeats_its_last_step():
    history: list[datetime] = []
    steps = []
    for i in range(6):
        at = T0 + i * DAY
        steps.append(next_step(history, at, LADDER))
        history.append(at)
    assert steps == ["reminder", "warning", "mute", "removal", "removal", "removal"]


def test_a_clean_period_forgives_one_step_per_decay():
    history = [T0, T0 + DAY, T0 + 2 * DAY]  # reminder, warning, mute
    assert level(history, T0 + 3 * DAY, LADDER) == 3
    assert level(history, T0 + 2 * DAY + 30 * DAY, LADDER) == 2
    assert next_step(history, T0 + 2 * DAY + 61 * DAY, LADDER) == "warning"
    assert next_step(history, T0 + 2 * DAY + 400 * DAY, LADDER) == "reminder"


def test_a_step_is_two_events_and_its_actions():
    d = decide_step(offence(T0 + 2 * DAY), ADVERT, [T0, T0 + DAY], LADDER)
    violated, applied = d.events
    assert (violated.kind, violated.actor, violated.group) == (
        "rule.violated",
        "wechat:spam",
        "main",
    )
    assert violated.data["evidence"] == [{"signal": "wechat", "match": "vx12345", "weight": 0.8}]
    assert applied.data["step"] == "mute" and applied.subject == "wechat:spam"
    assert applied.data["until"] == (T0 + 2 * DAY + timedelta(minutes=60)).isoformat()
    kinds = [a.kind for a in d.actions]
    assert kinds == ["message.send", "message.delete", "member.mute"]
    said = d.actions[0].payload
    assert said["template"] == "moderation_mute" and said["name"] == "spam"


def test_removal_bans_across_the_community_and_reminders_keep_the_message():
    d = decide_step(offence(T0 + 9 * DAY), ADVERT, [T0, T0 + DAY, T0 + 2 * DAY], LADDER)
    assert d.events[1].data["community_wide"] is True
    assert [a.kind for a in d.actions][-1] == "member.ban"
    first = decide_step(offence(T0), ADVERT, [], LADDER)
    assert [a.kind for a in first.actions] == ["message.send"]
    assert not decide_step(offence(T0), Verdict("advert", False), [], LADDER)


def test_exemptions():
    assert is_exempt("wechat:boss", {"manager"}, LADDER)
    assert is_exempt("wechat:x", set(), Ladder(exempt_members=["wechat:x"]))
    assert not is_exempt("wechat:y", {"member"}, LADDER)


@given(st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_the_same_stream_twice_gives_the_same_decisions(days: list[int]):
    def run() -> list[tuple[str, str, dict[str, object]]]:
        history: list[datetime] = []
        out = []
        for i, d in enumerate(sorted(days)):
            at = T0 + d * DAY
            decision = decide_step(offence(at, f"m{i}"), ADVERT, history, LADDER)
            history.append(at)
            out += [(e.kind, e.source_ref, e.data) for e in decision.events]
        return out

    assert run() == run()


def test_flow_rules():
    flow = Flow(flood_messages=3, flood_seconds=10, newcomer_hours=24, link_level=1)
    assert flood([T0 - timedelta(seconds=5), T0 - timedelta(seconds=2)], T0, flow).hit
    assert not flood([T0 - timedelta(seconds=50), T0 - timedelta(seconds=2)], T0, flow).hit
    kinds = carries(has_link=True, has_media=False, forwarded=False, contact=False)
    assert newcomer(kinds, T0 - timedelta(hours=2), T0, flow).hit
    assert not newcomer(kinds, T0 - timedelta(hours=30), T0, flow).hit
    assert links_by_level(kinds, 0, flow).hit and not links_by_level(kinds, 1, flow).hit
    assert locked({"media"}, Flow(locks=["media"])).hit and not locked(kinds, flow).hit


def test_banned_topics_from_the_culture_names_with_wildcards():
    patterns = tuple(expand(["politics", "religion", "赌*场", "crypto*"]))
    hit = topic_verdict(fold("去 賭 場 玩吗"), patterns)
    assert hit.hit and hit.evidence[0].match == "赌场"
    assert topic_verdict(fold("Let's talk politics"), patterns).hit
    assert topic_verdict(fold("CryptoKitties anyone?"), patterns).hit
    assert not topic_verdict(fold("what an impolite guy"), patterns).hit
    assert topic_verdict(fold("我们讨论一下政 治"), patterns).hit


def test_group_overrides_replace_sections():
    rules = Rules.model_validate({"groups": {"vip": {"flow": {"link_level": 2}}}})
    assert rules.for_group("vip").flow.link_level == 2
    assert rules.for_group("main").flow.link_level == 0
    assert not rules.enabled  # off until a blueprint turns it on
    assert rules.for_group("vip").ladder == rules.ladder


def test_events_are_valid_events():
    d = decide_step(offence(T0), ADVERT, [], LADDER)
    for e in d.events:
        assert Event.from_dict(e.to_dict()) == e


def test_a_reversal_undoes_the_platform_effect_and_tells_the_member():
    from shequn.engine.rules.reverse import decide_reversal

    mute = decide_step(offence(T0 + 2 * DAY), ADVERT, [T0, T0 + DAY], LADDER).events[1]
    d = decide_reversal(mute, T0 + 3 * DAY, by="wechat:boss", reason="my mistake", source="cli")
    (event,) = d.events
    assert event.kind == "moderation.reversed" and event.subject == "wechat:spam"
    assert (event.data["step_source"], event.data["step_ref"]) == (mute.source, mute.source_ref)
    assert [a.kind for a in d.actions] == ["message.send", "member.unmute"]
    assert d.actions[0].payload["to"] == ["wechat:spam"]

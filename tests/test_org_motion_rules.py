"""A motion that changes the group's own rules (P-ORG-3, seed 004): a short list of keys —
thresholds and banned topics — set, added to or taken from; carried, the engine records the
blueprint with the group's rules changed, and the rules engine follows it from then on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shequn.engine.motions import close_motions, list_motions, propose, vote
from shequn.engine.record import record
from shequn.errors import Conflict
from shequn.model.motion_rules import RuleChange, parse_rule_change, with_rule_change
from shequn.store.growth_queries import get_blueprint
from shequn.store.queries import list_members
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, loaded, wx
from tests.org_helpers import ev
from tests.test_api import V1, C, Env, env  # noqa: F401 (the fixture)

OPEN = "[organization.motions]\nsecond_required = false\n"
TOPICS = '[rules.topics]\npatterns = ["博彩"]\n'


def test_the_keys_a_motion_may_change_and_how():
    assert parse_rule_change("topics.patterns += 赌博") == RuleChange(
        "topics.patterns", "+=", "赌博"
    )
    assert str(parse_rule_change("advert.threshold=0.8")) == "advert.threshold=0.8"
    with pytest.raises(ValueError, match="may change one of"):
        parse_rule_change("enabled=false")  # switching the rules off is the owner's word
    with pytest.raises(ValueError, match="is one value"):
        parse_rule_change("flow.flood_messages+=3")
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_rule_change("topics.patterns")


def test_the_change_lands_in_the_groups_own_rules_only():
    bp = blueprint(group("main"), group("camp"), extra=TOPICS)
    added = with_rule_change(bp, "main", parse_rule_change("topics.patterns+=赌博, 刷单"))
    assert added.rules.for_group("main").topics.patterns == ["博彩", "赌博", "刷单"]
    assert added.rules.for_group("camp").topics.patterns == ["博彩"]  # another group's rules
    taken = with_rule_change(added, "main", parse_rule_change("topics.patterns-=博彩"))
    assert taken.rules.for_group("main").topics.patterns == ["赌博", "刷单"]
    flood = with_rule_change(bp, "main", parse_rule_change("flow.flood_messages=12"))
    assert (flood.rules.for_group("main").flow.flood_messages, flood.rules.flow.flood_messages) == (
        12,
        bp.rules.flow.flood_messages,
    )
    with pytest.raises(ValueError, match="takes a int"):
        with_rule_change(bp, "main", parse_rule_change("flow.flood_messages=many"))
    with pytest.raises(ValueError):  # the blueprint's own bounds hold (threshold > 0)
        with_rule_change(bp, "main", parse_rule_change("advert.threshold=0"))
    with pytest.raises(ValueError, match=r"not in topics\.patterns"):
        with_rule_change(bp, "main", parse_rule_change("topics.patterns-=足球"))


def test_a_carried_rule_motion_changes_the_blueprint_and_a_raw_one_never_does(store):
    loaded(store, group("main"), group("camp"), extra=OPEN + TOPICS)
    a, b, c = (wx(n) for n in "abc")
    record(store, [ev("member.joined", T0 - timedelta(days=1), p) for p in (a, b, c)])
    with pytest.raises(Conflict, match="may change one of") as refused:
        propose(store, COMMUNITY, "main", a, "关掉群规", rule="enabled=false", now=T0)
    assert refused.value.fields["reason"] == "change_rule"
    m = propose(store, COMMUNITY, "main", a, "禁止讨论赌博", rule="topics.patterns+=赌博", now=T0)
    raw = ev("motion.proposed", T0, a, motion="m-raw", text="放宽刷屏")
    raw.data |= {"change_rule": "flow.flood_messages=99"}  # an upload, not the engine
    record(store, [raw])
    for voter in (a, b, c):
        vote(store, COMMUNITY, m.motion, voter, "yes", now=T0 + timedelta(hours=1))
        vote(store, COMMUNITY, "m-raw", voter, "yes", now=T0 + timedelta(hours=1))
    assert close_motions(store, COMMUNITY, T0 + timedelta(hours=48)) == 3  # two closed, one rule
    assert close_motions(store, COMMUNITY, T0 + timedelta(hours=49)) == 0  # once
    with store.read() as conn:
        bp = get_blueprint(conn, COMMUNITY)
    assert bp.rules.for_group("main").topics.patterns == ["博彩", "赌博"]
    assert bp.rules.for_group("camp").topics.patterns == ["博彩"]
    assert bp.rules.for_group("main").flow.flood_messages != 99
    listed = {x["motion"]: x for x in list_motions(store, COMMUNITY, now=T0 + timedelta(days=3))}
    assert listed[m.motion]["rule"] == "topics.patterns+=赌博"
    assert listed["m-raw"]["rule"] is None


def test_a_rule_motion_over_the_api(env: Env) -> None:  # noqa: F811
    with env.store.read() as conn:
        members = list_members(conn, community=C)
    mover = next(m.key for m in members if "main" in {s.group for s in m.memberships})
    url = f"{V1}/communities/{C}/motions"
    body = {"group": "main", "mover": mover, "text": "禁止讨论赌博"}
    r = env.as_("group_leader").post(url, json={**body, "rule": "topics.patterns+=赌博"})
    assert (r.status_code, r.json()["rule"]) == (200, "topics.patterns+=赌博")
    r = env.as_("group_leader").post(url, json={**body, "rule": "enabled=false"})
    assert r.status_code == 409 and "may change one of" in r.json()["detail"]
    listed = env.as_("group_leader").get(url).json()
    assert [x["rule"] for x in listed] == ["topics.patterns+=赌博"]

"""The dashboard's motions page on the demo community: motions moved and seconded in two groups
and elections opened through the engine; the page lists them with their state, deadline and
tally, the candidates and, once an election closes, the votes per candidate — never who voted
for whom; a writer seconds, votes and casts a ballot from it, a scoped manager sees and acts on
their group only, an analyst reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shequn.engine.elections import (
    audit,
    cast_ballot,
    close_elections,
    list_elections,
    nominate,
    open_election,
)
from shequn.engine.motions import close_motions, list_motions, propose, second, vote
from shequn.store.growth_queries import get_blueprint
from shequn.store.queries import list_members
from shequn.store.rules_queries import events_by
from tests.test_web import OTHER_GROUP, SCOPED_GROUP, C, Site, english_left, site  # noqa: F401

PAGE = f"/c/{C}/motions"
MAIN_MOTION = "每周六晚上开读书分享会"
OTHER_MOTION = "上海同城群每月聚餐一次"
PAST_MOTION = "群公告改为每周一更新"


def people(site: Site, group: str, n: int) -> list[str]:  # noqa: F811
    """``n`` members in ``group`` now (identity keys), none holding a role."""
    with site.store.read() as conn:
        found = list_members(conn, community=C, group=group, limit=500)
    active = [
        m for m in found if not m.roles and any(
            s.group == group and s.status == "active" for s in m.memberships
        )
    ]  # fmt: skip
    return [m.identities[0].key for m in active][:n]


@pytest.fixture(scope="module")
def org(site: Site) -> dict[str, object]:  # noqa: F811
    """A motion open for votes in each group, one closed in the scoped group, an election in
    it taking ballots (two cast) and one closed with its result."""
    store, now = site.store, datetime.now(UTC)
    main = people(site, SCOPED_GROUP, 13)
    other = people(site, OTHER_GROUP, 2)
    with store.read() as conn:
        org = get_blueprint(conn, C).organization
    hours = timedelta(hours=org.motions.discussion_hours)
    opened = propose(store, C, SCOPED_GROUP, main[0], MAIN_MOTION)
    second(store, C, opened.motion, main[1])
    elsewhere = propose(store, C, OTHER_GROUP, other[0], OTHER_MOTION)
    second(store, C, elsewhere.motion, other[1])
    start = now - hours - timedelta(hours=1)
    past = propose(store, C, SCOPED_GROUP, main[0], PAST_MOTION, now=start)
    second(store, C, past.motion, main[1], now=start)
    for who, choice in zip(main[2:5], ("yes", "yes", "no"), strict=True):
        vote(store, C, past.motion, who, choice, now=start + timedelta(minutes=5))
    close_motions(store, C, now)

    days = timedelta(days=org.elections.nomination_days)
    voting = open_election(store, C, SCOPED_GROUP, "manager", now=now - days - timedelta(hours=1))
    nominate(store, C, voting.election, main[5], main[5], now=voting.opened_at)
    for voter in main[6:8]:
        cast_ballot(store, C, voting.election, voter, main[5])
    span = days + timedelta(days=org.elections.voting_days)
    closed = open_election(store, C, SCOPED_GROUP, "group_leader", now=now - span - timedelta(1))
    nominate(store, C, closed.election, main[5], main[5], now=closed.opened_at)
    nominate(store, C, closed.election, main[8], main[8], now=closed.opened_at)
    for voter, whom in ((main[9], main[5]), (main[10], main[5]), (main[11], main[8])):
        cast_ballot(store, C, closed.election, voter, whom, now=closed.nominations_close)
    assert close_elections(store, C, now) >= 1
    return {
        "main": main, "opened": opened.motion, "elsewhere": elsewhere.motion, "past": past.motion,
        "voting": voting.election, "closed": closed.election,
    }  # fmt: skip


def row(page: str, kind: str, ref: object) -> str:
    """The table row of one motion or election."""
    start = page.index(f'<tr id="{kind}-{ref}">')
    return page[start : page.index("</tr>", start)]


def test_the_page_lists_motions_and_elections_with_counts_only(
    site: Site,  # noqa: F811
    org: dict[str, object],
) -> None:
    owner = site.client("owner").get(PAGE)
    assert owner.status_code == 200 and "动议与选举" in owner.text  # the demo speaks zh
    page = owner.text
    assert MAIN_MOTION in page and OTHER_MOTION in page and PAST_MOTION in page
    assert "表决中" in row(page, "motion", org["opened"])
    carried = row(page, "motion", org["past"])
    # three votes among the main group's members: closed without a quorum, its tally shown
    assert "人数不足" in carried and "<td>2</td><td>1</td><td>0</td>" in carried
    assert 'class="inline act-motion"' in row(page, "motion", org["opened"])
    assert "act-motion" not in carried  # closed: nothing to vote on
    closed = row(page, "election", org["closed"])
    main = org["main"]
    assert isinstance(main, list)
    assert "已结束" in closed and f"<strong>{main[5]}</strong> · 当选" in closed
    assert "2 票" in closed and "1 票" in closed and "<td>3</td>" in closed
    voting = row(page, "election", org["voting"])
    assert "表决中" in voting and "<td>2</td>" in voting and "act-ballot" in voting
    assert not english_left(page)


def test_no_page_shows_who_voted_for_whom(
    site: Site,  # noqa: F811
    org: dict[str, object],
) -> None:
    voters = {b["voter"] for e in ("voting", "closed") for b in audit(site.store, C, str(org[e]))}
    main = org["main"]
    assert isinstance(main, list) and len(voters) == 5
    voters |= {main[i] for i in (6, 7, 9, 10, 11)}  # the identity keys they voted with
    for role in ("owner", "manager", "group_leader", "analyst"):
        page = site.client(role).get(PAGE).text
        assert not [v for v in voters if v in page], role


def test_a_scoped_token_sees_and_acts_on_its_groups_only(
    site: Site,  # noqa: F811
    org: dict[str, object],
) -> None:
    manager = site.client("manager")  # covers the scoped group only
    page = manager.get(PAGE).text
    assert MAIN_MOTION in page and OTHER_MOTION not in page
    assert manager.get(f"{PAGE}?group={OTHER_GROUP}").status_code == 404
    other = people(site, OTHER_GROUP, 3)[2]
    form = {"csrf": manager.csrf(PAGE), "what": "yes", "motion": org["elsewhere"], "member": other}
    assert manager.post(f"{PAGE}/do", data=form).status_code == 404  # another group's motion
    assert {m["motion"]: m["yes"] for m in list_motions(site.store, C)}[org["elsewhere"]] == 0


def test_a_vote_and_a_ballot_through_the_page_are_recorded(
    site: Site,  # noqa: F811
    org: dict[str, object],
) -> None:
    main = org["main"]
    assert isinstance(main, list)
    voter = main[12]  # neither moved, seconded, stood nor voted
    owner = site.client("owner")
    form = {"csrf": owner.csrf(PAGE), "what": "abstain", "motion": org["opened"], "member": voter}
    r = owner.post(f"{PAGE}/do", data=form)
    assert r.status_code == 200 and f"动议 {org['opened']}: 已记录表决" in r.text
    assert "已投过票" in owner.post(f"{PAGE}/do", data=form).text  # the first vote stands
    (m,) = [m for m in list_motions(site.store, C) if m["motion"] == org["opened"]]
    assert (m["yes"], m["no"], m["abstain"]) == (0, 0, 1)
    with site.store.read() as conn:
        (_, cast), *_ = reversed(events_by(conn, C, ("vote.cast",)))
    assert cast.source.startswith("operator:web:") and cast.data["choice"] == "abstain"

    ballot = {"csrf": form["csrf"], "election": org["voting"], "voter": voter,
              "candidate": main[5]}  # fmt: skip
    r = owner.post(f"{PAGE}/ballot", data=ballot)
    assert r.status_code == 200 and f"选举 {org['voting']}: 已投票" in r.text
    assert voter not in r.text  # the notice names nobody
    (el,) = [e for e in list_elections(site.store, C) if e["election"] == org["voting"]]
    assert el["ballots"] == 3 and el["votes"] is None  # counted only once it closes
    assert voter in {b["voter"] for b in audit(site.store, C, str(org["voting"]))}


def test_an_analyst_reads_without_buttons_and_cannot_post(
    site: Site,  # noqa: F811
    org: dict[str, object],
) -> None:
    analyst = site.client("analyst")
    page = analyst.get(PAGE).text
    assert MAIN_MOTION in page and OTHER_MOTION in page
    assert "motions/do" not in page and "motions/ballot" not in page
    form = {"csrf": analyst.csrf(PAGE), "what": "yes", "motion": org["opened"], "member": "x"}
    assert analyst.post(f"{PAGE}/do", data=form).status_code == 403
    forged = {**form, "csrf": "forged"}
    assert site.client("owner").post(f"{PAGE}/do", data=forged).status_code == 403

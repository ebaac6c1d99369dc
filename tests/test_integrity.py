"""A log bad data cannot poison (issue 13): communities isolated, times sane, sources owned.

Each test replays one finding of the attacker's probe against a store with the example
community and a second one (``elsewhere``), and shows it refused with a clear error — and
that nothing it aimed at changed.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from shequn.analytics.replica import Replica
from shequn.analytics.report import build_report
from shequn.analytics.scope import Scope
from shequn.engine import identity
from shequn.engine.record import record
from shequn.errors import InvalidEvent, NotFound
from shequn.model.events import Event
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.queries import get_member, list_members
from shequn.store.rebuild import needs_replay, rebuild, snapshot
from tests.test_api import OTHER, C, Env, assert_problem, build_env

ALICE = "telegram:1001"  # one Telegram account that is in both communities


def joined(community: str, group: str, who: str, name: str, ref: str, **data: Any) -> Event:
    at = datetime(2025, 3, 10, tzinfo=UTC)
    return Event("member.joined", at, community, "test", ref, group=group, actor=who,
                 data={"actor_name": name, **data})  # fmt: skip


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Any:
    e = build_env(database_url, tmp_path)
    record(e.store, [joined(C, "main", ALICE, "Alice in A", "a1"),
                     joined(OTHER, "lobby", ALICE, "Alice in B", "b1")])  # fmt: skip
    yield e
    e.close()


# --- communities are isolated -------------------------------------------------------------


def test_the_same_account_is_two_members_in_two_communities(env: Env) -> None:
    with env.store.read() as conn:
        a = get_member(conn, ALICE, community=C)
        b = get_member(conn, ALICE, community=OTHER)
        assert a.id != b.id and (a.community, b.community) == (C, OTHER)
        assert (a.display_name, b.display_name) == ("Alice in A", "Alice in B")
    record(env.store, [joined(C, "main", ALICE, "renamed in A", "a2")])
    with env.store.read() as conn:
        assert get_member(conn, ALICE, community=OTHER).display_name == "Alice in B"


def test_a_merge_in_one_community_cannot_reach_another(env: Env) -> None:
    """The probe: a leader of A posted member.joined for their own account and
    identity.merged of B's member into it; B's owner then saw B's member as the attacker."""
    mine = "telegram:666"
    record(env.store, [joined(C, "main", mine, "attacker", "x1")])
    with pytest.raises(NotFound, match="merges across communities are refused"):
        identity.merge(env.store, mine, "telegram:2002", community=C)  # only in B
    record(env.store, [joined(OTHER, "lobby", "telegram:2002", "Bea", "b2")])
    owner = env.as_("owner")
    merge = {"kind": "identity.merged", "occurred_at": "2025-03-11T00:00:00Z", "group": None,
             "subject": "telegram:2002", "source_ref": "steal",
             "data": {"into": mine, "identities": ["telegram:2002"]}}  # fmt: skip
    assert_problem(owner.post(f"communities/{C}/events", json={"events": [merge]}), 422)
    with env.store.read() as conn:
        bea = get_member(conn, "telegram:2002", community=OTHER)
        assert bea.merged_into is None and [i.key for i in bea.identities] == ["telegram:2002"]


def test_a_verified_union_id_merges_only_inside_its_community(env: Env) -> None:
    at = datetime(2025, 3, 12, tzinfo=UTC)
    record(env.store, [joined(C, "main", "wechat:twin", "Twin", "t1")])
    record(env.store, [
        Event("identity.verified", at, OTHER, "test", "v1", actor=ALICE, data={"union_id": "U1"}),
        Event("identity.verified", at, C, "test", "v2", actor="wechat:twin",
              data={"union_id": "U1"}),
    ])  # fmt: skip
    with env.store.read() as conn:
        assert get_member(conn, "wechat:twin", community=C).merged_into is None
        assert get_member(conn, ALICE, community=OTHER).merged_into is None


def test_an_ambiguous_key_asks_for_the_community(env: Env) -> None:
    from shequn.errors import Conflict

    with env.store.read() as conn, pytest.raises(Conflict, match="--community"):
        get_member(conn, ALICE)


def test_a_merge_into_an_unknown_member_is_a_clean_422(env: Env) -> None:
    owner = env.as_("owner")
    merge = {"kind": "identity.merged", "occurred_at": "2025-03-11T00:00:00Z", "group": None,
             "subject": ALICE, "source_ref": "m-unknown",
             "data": {"into": "telegram:nobody", "identities": [ALICE]}}  # fmt: skip
    body = assert_problem(owner.post(f"communities/{C}/events", json={"events": [merge]}), 422)
    assert "telegram:nobody" in body["detail"]


def test_db_upgrade_replays_the_log_into_isolated_projections(env: Env) -> None:
    with env.store.read() as conn:
        before = snapshot(conn)
    with env.store.transaction() as conn:  # what migration 0005 leaves: empty projections
        for table in t.PROJECTIONS:
            if table is t.identities:
                conn.execute(table.update().values(member_id=None, origin_member_id=None))
            if table is t.members:
                conn.execute(table.update().values(merged_into=None))
        for table in t.PROJECTIONS:
            conn.execute(table.delete())
    assert needs_replay(env.store)
    rebuild(env.store)
    assert not needs_replay(env.store)
    with env.store.read() as conn:
        assert snapshot(conn) == before


# --- time sanity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:59:59Z",
        "2099-01-01T00:00:00+08:00",
        "0001-01-01T00:00:00+14:00",
        "1969-07-20T20:17:00Z",
    ],
)
def test_times_no_platform_can_have_are_refused_at_the_door(env: Env, when: str) -> None:
    event = {"kind": "message.posted", "occurred_at": when, "group": "main",
             "actor": "wechat:clock", "source_ref": f"t-{when}"}  # fmt: skip
    for role in ("owner", "group_leader"):
        r = env.as_(role).post(f"communities/{C}/events", json={"events": [event]})
        assert_problem(r, 422, "events[0].occurred_at")
    with env.store.read() as conn:
        assert not conn.execute(select(t.events).where(t.events.c.actor == "wechat:clock")).all()


def test_a_little_clock_drift_is_accepted() -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    assert Event("message.posted", soon, C, "test", "drift", group="main", actor="wechat:a")
    with pytest.raises(InvalidEvent, match="in the future"):
        Event("message.posted", soon + timedelta(days=2), C, "test", "f", group="main",
              actor="wechat:a")  # fmt: skip


def test_an_import_names_the_line_of_a_future_event(tmp_path: Path, database_url: str) -> None:
    from shequn.ingest.job import ImportJob

    good = {"kind": "message.posted", "occurred_at": "2025-03-20T10:00:00Z", "community": C,
            "group": "main", "actor": "wechat:a", "source": "f", "source_ref": "1"}  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(good | {"source_ref": "2",
                    "occurred_at": "2099-01-01T00:00:00Z"}) + "\n")  # fmt: skip
    with pytest.raises(Exception, match=r"events.jsonl:2.*future"):
        list(ImportJob.for_path(path, community=C, tz=UTC).events())
    aside = io.StringIO()
    job = ImportJob.for_path(path, community=C, tz=UTC, skip_bad=aside)
    assert len(list(job.events())) == 1 and job.summary.skipped == 1
    assert "future" in aside.getvalue()


def test_an_operators_click_does_not_move_as_of(env: Env, tmp_path: Path) -> None:
    """One "promote" click today made every group of last year's history look dead."""

    def as_of() -> Any:
        with Replica.open(env.store, str(tmp_path / "r.duckdb")) as r:
            return build_report(r.con, Scope(C)).as_of

    before = as_of()
    member = env.as_("owner").get(f"communities/{C}/members?group=main").json()["items"][0]
    promote = {"kind": "role.changed", "occurred_at": datetime.now(UTC).isoformat(),
               "group": "main", "subject": member["key"], "source_ref": "promote",
               "data": {"role": "group_leader"}}  # fmt: skip
    r = env.as_("owner").post(f"communities/{C}/events", json={"events": [promote]})
    assert r.status_code == 200 and r.json()["new"] == 1
    assert before is not None and as_of() == before


# --- sources and search -----------------------------------------------------------------


def test_a_scoped_upload_cannot_claim_an_exports_keys(env: Env) -> None:
    """A leader pre-claiming (source, source_ref) of a real export would make the owner's
    later import count as duplicates."""
    line = {"kind": "message.posted", "occurred_at": "2025-03-20T10:00:00Z", "community": C,
            "group": "main", "actor": "wechat:lead", "source": "wechat-export:study-circle",
            "source_ref": "claimed-1"}  # fmt: skip

    def upload(role: str) -> Any:
        files = {"file": ("e.jsonl", io.BytesIO(json.dumps(line).encode() + b"\n"), "text/plain")}
        return env.as_(role).post(f"communities/{C}/imports", files=files, data={"group": "main"})

    assert upload("group_leader").json()["new"] == 1
    assert upload("owner").json()["new"] == 1  # the real one is not taken for a duplicate
    with env.store.read() as conn:
        sources = conn.execute(
            select(t.events.c.source).where(t.events.c.source_ref == "claimed-1")
        ).scalars()
        leader = env.token_ids["group_leader"]
        assert sorted(sources) == sorted(
            [f"api:{leader}:wechat-export:study-circle", "wechat-export:study-circle"]
        )


def test_member_search_takes_wildcards_literally(env: Env) -> None:
    record(env.store, [joined(C, "main", "wechat:pct", "100% done", "p1")])
    owner = env.as_("owner")
    found = owner.get(f"communities/{C}/members", params={"search": "%"}).json()["items"]
    assert [m["display_name"] for m in found] == ["100% done"]
    wild = owner.get(f"communities/{C}/members", params={"search": "10_%"}).json()["items"]
    assert wild == []  # as wildcards, "10_%" would match "100% done"
    with env.store.read() as conn:
        assert [m.display_name for m in list_members(conn, community=C, search="%")] == [
            "100% done"
        ]


def test_a_broken_configuration_cannot_enter(env: Env) -> None:
    """The probe emptied the blueprint with community.configured; entries then answered 500
    for everyone. Configuration events must describe a configuration shequn can run."""
    cfg = {"kind": "community.configured", "occurred_at": "2025-03-11T00:00:00Z", "group": None,
           "source_ref": "empty", "data": {"name": "pwned", "timezone": "UTC",
                                           "blueprint": {}}}  # fmt: skip
    assert_problem(env.as_("owner").post(f"communities/{C}/events", json={"events": [cfg]}), 422)
    knock = {"identity": "wechat:newcomer", "group": "main"}
    assert env.as_("owner").post(f"communities/{C}/entries", json=knock).status_code == 200


def test_store_is_reopened_fine(env: Env) -> None:
    Store.open(env.url).close()

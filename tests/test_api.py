"""The REST API, used as a client would: the real app over httpx's ASGI transport, on SQLite
and PostgreSQL, with the study-group example recorded through the engine.

The helpers at the top (``build_env``, ``ApiClient``) are shared with
``test_api_permissions.py`` and ``test_api_schema.py``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from shequn.api.app import create_app
from shequn.api.deps import ApiSettings
from shequn.engine.blueprint import load_into_store
from shequn.engine.record import record
from shequn.ingest.jsonl import read_jsonl
from shequn.model.blueprint import load_blueprint
from shequn.model.events import Event
from shequn.store import tables as t
from shequn.store.db import Store
from shequn.store.queries import count_events, list_members
from shequn.store.tokens import create_token, list_audit, revoke_token

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "study-group"
C = "study-circle"
OTHER = "elsewhere"  # a second community: no token of ours belongs to it
V1 = "/api/v1"
UNLIMITED = ApiSettings(
    rate_per_minute=1e9, rate_burst=10**9, anonymous_per_minute=1e9, anonymous_burst=10**9
)


class ApiClient:
    """httpx over ``ASGITransport``, driven synchronously so tests read like usage."""

    def __init__(self, app: Any, secret: str | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://shequn.test"
        )
        self.secret = secret

    def as_(self, secret: str | None) -> ApiClient:
        other = ApiClient.__new__(ApiClient)
        other.loop, other.http, other.secret = self.loop, self.http, secret
        return other

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if self.secret is not None:
            headers.setdefault("Authorization", f"Bearer {self.secret}")
        url = path if path.startswith("/") else f"{V1}/{path}"
        return self.loop.run_until_complete(self.http.request(method, url, headers=headers, **kw))

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@dataclass
class Env:
    """A store with the example community, one token per role, and the app on top."""

    url: str
    store: Store
    app: Any
    client: ApiClient
    secrets: dict[str, str] = field(default_factory=dict)  # role → secret
    token_ids: dict[str, int] = field(default_factory=dict)
    people: dict[str, list[str]] = field(default_factory=dict)  # group → members only there

    def as_(self, role: str | None) -> ApiClient:
        return self.client.as_(self.secrets[role] if role else None)

    def close(self) -> None:
        self.client.close()
        self.store.close()


def other_community() -> list[Event]:
    at = datetime(2025, 3, 1, tzinfo=UTC)
    data = {"name": "Elsewhere", "timezone": "UTC", "blueprint": {"community": {"slug": OTHER}}}
    return [
        Event("community.configured", at, OTHER, "test", "other-cfg", data=data),
        Event(
            "group.configured",
            at,
            OTHER,
            "test",
            "other-grp",
            group="lobby",
            data={"name": "Lobby"},
        ),
    ]


def build_env(url: str, tmp: Path, settings: ApiSettings = UNLIMITED) -> Env:
    """The example blueprint and events, a second community, tokens: owner, manager and
    group_leader of the group ``main``, analyst."""
    store = Store.open(url)
    load_into_store(store, load_blueprint(EXAMPLE / "community.toml"))
    with (EXAMPLE / "events.jsonl").open("rb") as fp:
        record(store, read_jsonl(fp, path="events.jsonl"))
    record(store, other_community())
    env = Env(url, store, None, None)  # type: ignore[arg-type]
    for role in ("owner", "manager", "group_leader", "analyst"):
        groups = ["main"] if role in ("manager", "group_leader") else []
        token, secret = create_token(store, name=role, role=role, community=C, groups=groups)
        env.secrets[role], env.token_ids[role] = secret, token.id
    settings = replace(settings, analytics_path=str(tmp / "analytics.duckdb"))
    env.app = create_app(url, settings=settings)
    env.client = ApiClient(env.app)
    return env


def module_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Env:
    """``build_env`` for a module-scoped fixture parametrised by backend ("sqlite" or
    "postgresql"), with ``people[g]``: members of only group ``g``, for main and camp-21."""
    from tests.conftest import new_pg_database

    tmp = tmp_path_factory.mktemp("api-module")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'shequn.db'}"
    else:
        url = new_pg_database(request.getfixturevalue("pg_base_url"))
    env = build_env(url, tmp)
    with env.store.read() as conn:
        people = list_members(conn, community=C)
    for g in ("main", "camp-21"):
        env.people[g] = [p.key for p in people if {s.group for s in p.memberships} == {g}]
    return env


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Any:
    e = build_env(database_url, tmp_path)
    yield e
    e.close()


def assert_problem(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The error shape every API error has (RFC 7807)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["type"].startswith("urn:shequn:problem:")
    assert body["title"] and body["detail"] and body["instance"] == r.request.url.path
    assert body["message"]  # the detail in the reader's language (docs/api.md#errors)
    if field is not None:
        assert body["field"] == field, body
    return body


def event(ref: str, group: str | None = "main", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "message.posted",
        "occurred_at": "2025-03-20T10:00:00+08:00",
        "group": group,
        "actor": "wechat:api_user",
        "source_ref": ref,
        "data": {"length": 12},
        **extra,
    }


# --- reading ----------------------------------------------------------------------------


def test_communities_groups_and_openapi(env: Env) -> None:
    owner = env.as_("owner")
    assert [c["slug"] for c in owner.get("communities").json()] == [C]
    assert owner.get(f"communities/{C}").json()["timezone"] == "Asia/Shanghai"
    groups = owner.get(f"communities/{C}/groups").json()
    assert sorted(g["slug"] for g in groups) == ["camp-21", "main", "senior"]
    assert owner.get(f"communities/{C}/groups/main").json()["name"]
    doc = env.client.get(f"{V1}/openapi.json").json()
    assert doc["info"]["title"] == "shequn API"
    assert f"{V1}/communities/{{community}}/events" in doc["paths"]


def test_members_pages_walk_the_whole_list(env: Env) -> None:
    owner = env.as_("owner")
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = owner.get(f"communities/{C}/members", params=params).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    with env.store.read() as conn:
        expected = [m.id for m in list_members(conn, community=C)]
    assert seen == expected and len(seen) == len(set(seen)) > 7


def test_member_by_key_and_by_id_and_search(env: Env) -> None:
    owner = env.as_("owner")
    first = owner.get(f"communities/{C}/members", params={"limit": 1}).json()["items"][0]
    by_id = owner.get(f"communities/{C}/members/{first['id']}").json()
    by_key = owner.get(f"communities/{C}/members/{first['identities'][0]['key']}").json()
    assert by_id == by_key and by_id["memberships"]
    name = first["display_name"]
    found = owner.get(f"communities/{C}/members", params={"search": name[:2]}).json()["items"]
    assert first["id"] in [m["id"] for m in found]
    assert_problem(owner.get(f"communities/{C}/members/wechat:nobody"), 404)
    assert_problem(owner.get(f"communities/{C}/members/99999999999999"), 404)


def test_events_pages_and_filters(env: Env) -> None:
    owner = env.as_("owner")
    page1 = owner.get(f"communities/{C}/events", params={"limit": 50}).json()
    page2 = owner.get(
        f"communities/{C}/events", params={"limit": 50, "cursor": page1["next_cursor"]}
    ).json()
    ids = [e["id"] for e in page1["items"] + page2["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 100
    joins = owner.get(
        f"communities/{C}/events", params={"kind": "member.joined", "group": "camp-21"}
    ).json()["items"]
    assert joins and {(e["kind"], e["group"]) for e in joins} == {("member.joined", "camp-21")}
    late = owner.get(
        f"communities/{C}/events", params={"since": "2025-03-08T00:00:00+08:00", "limit": 1000}
    ).json()["items"]
    cut = datetime(2025, 3, 7, 16, tzinfo=UTC)
    assert late and all(datetime.fromisoformat(e["occurred_at"]) >= cut for e in late)


def test_metrics_report_and_diagnosis(env: Env) -> None:
    owner = env.as_("owner")
    names = {m["name"] for m in owner.get(f"communities/{C}/metrics").json()}
    assert {"activity", "life_cycle", "retention"} <= names
    life = owner.get(f"communities/{C}/metrics/life_cycle", params={"window_days": 14}).json()
    assert life["params"] == {"window_days": 14} and life["results"][0]["group"] is None
    assert {row["group"] for row in life["results"][0]["rows"]} >= {"main", "camp-21"}
    assert_problem(owner.get(f"communities/{C}/metrics/activity?bogus=1"), 422, "bogus")
    assert_problem(owner.get(f"communities/{C}/metrics/life_cycle?window_days=x"), 422)
    assert_problem(owner.get(f"communities/{C}/metrics/no_such_metric"), 404)
    report = owner.get(f"communities/{C}/report").json()["reports"][0]
    assert report["community"] == C and report["headline"]["members"] > 0
    moves = owner.get(f"communities/{C}/diagnose").json()
    assert all({"group", "move", "playbook"} <= set(m) for m in moves)


# --- writing ------------------------------------------------------------------------------


def test_idempotency_key_replays_the_first_answer(env: Env) -> None:
    manager = env.as_("manager")
    body = {"events": [event("a"), event("b")]}
    key = {"Idempotency-Key": "batch-7"}
    first = manager.post(f"communities/{C}/events", json=body, headers=key)
    with env.store.read() as conn:
        after_first = count_events(conn)
    again = manager.post(f"communities/{C}/events", json=body, headers=key)
    with env.store.read() as conn:
        assert count_events(conn) == after_first  # the second request added nothing
    assert first.json() == again.json() == {"new": 2, "duplicate": 0}
    assert again.headers["Idempotent-Replayed"] == "true"
    other = {"events": [event("c")]}
    assert_problem(
        manager.post(f"communities/{C}/events", json=other, headers=key), 409, "Idempotency-Key"
    )
    # Without a key the events themselves are idempotent by (source, source_ref).
    plain = manager.post(f"communities/{C}/events", json=body).json()
    assert plain == {"new": 0, "duplicate": 2}


def test_source_is_the_token_unless_an_owner_says(env: Env) -> None:
    mine = {"events": [event("s1", source="crm")]}
    assert env.as_("manager").post(f"communities/{C}/events", json=mine).json()["new"] == 1
    assert env.as_("owner").post(f"communities/{C}/events", json=mine).json()["new"] == 1
    keyed = {"events": [{k: v for k, v in event("x").items() if k != "source_ref"}]}
    owner = env.as_("owner")
    assert owner.post(f"communities/{C}/events", json=keyed, headers={"Idempotency-Key": "k9"})
    with env.store.read() as conn:
        rows = conn.execute(
            select(t.events.c.source, t.events.c.source_ref).where(
                t.events.c.actor == "wechat:api_user"
            )
        ).all()
    assert sorted(rows) == sorted(
        [
            (f"api:{env.token_ids['manager']}", "s1"),  # a manager's source is overridden
            ("crm", "s1"),  # an owner's is kept
            (f"api:{env.token_ids['owner']}", "k9:0"),  # no source_ref: from the key
        ]
    )


def test_bad_events_are_422_naming_the_field(env: Env) -> None:
    owner = env.as_("owner")
    bad = owner.post(f"communities/{C}/events", json={"events": [event("b1", kind="nope")]})
    assert_problem(bad, 422, "events[0].kind")
    stray = {"events": [event("b2", community=OTHER)]}
    assert_problem(owner.post(f"communities/{C}/events", json=stray), 422, "events[0].community")
    assert_problem(owner.post(f"communities/{C}/events", json={"events": []}), 422, "body.events")
    assert_problem(owner.post(f"communities/{C}/events", content=b"{"), 422)
    no_ref = {"events": [{k: v for k, v in event("x").items() if k != "source_ref"}]}
    assert_problem(owner.post(f"communities/{C}/events", json=no_ref), 422, "events[0].source_ref")


def test_merge_members(env: Env) -> None:
    owner = env.as_("owner")
    a, b = owner.get(f"communities/{C}/members", params={"group": "main", "limit": 2}).json()[
        "items"
    ]
    merged = owner.post(
        f"communities/{C}/members/merge", json={"keep": a["key"], "absorb": b["key"]}
    )
    assert merged.status_code == 200 and merged.json()["kind"] == "identity.merged"
    again = owner.post(
        f"communities/{C}/members/merge", json={"keep": a["key"], "absorb": b["key"]}
    )
    assert_problem(again, 409)
    shown = owner.get(f"communities/{C}/members/{b['key']}").json()
    assert shown["id"] == a["id"]


def test_import_upload(env: Env) -> None:
    owner = env.as_("owner")
    lines = "\n".join(
        json.dumps({**event(f"u{i}"), "source": "upload", "community": C}) for i in range(3)
    )
    files = {"file": ("chat.jsonl", lines.encode(), "application/octet-stream")}
    first = owner.post(f"communities/{C}/imports", files=files)
    assert first.status_code == 200, first.text
    assert (first.json()["format"], first.json()["new"], first.json()["path"]) == (
        "jsonl",
        3,
        "chat.jsonl",
    )
    again = owner.post(f"communities/{C}/imports", files=files).json()
    assert (again["new"], again["duplicate"]) == (0, 3)
    junk = {"file": ("junk.bin", b"\x00\x01 not an export", "application/octet-stream")}
    assert_problem(owner.post(f"communities/{C}/imports", files=junk), 422)
    bad_tz = owner.post(f"communities/{C}/imports", files=files, data={"tz": "Mars/Base"})
    assert_problem(bad_tz, 422, "tz")


# --- tokens, limits, audit ------------------------------------------------------------------


def _dump(store: Store) -> str:
    """Every value in every table, as text."""
    out = []
    with store.read() as conn:
        for table in t.metadata.sorted_tables:
            out += [repr(tuple(r)) for r in conn.execute(select(table))]
        out.append(repr(conn.execute(text("SELECT * FROM alembic_version")).all()))
    return "\n".join(out)


def test_tokens_are_stored_hashed_and_never_logged(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    owner = env.as_("owner")
    assert owner.get(f"communities/{C}/groups").status_code == 200
    assert owner.post(f"communities/{C}/events", json={"events": [event("h1")]}).status_code == 200
    assert_problem(owner.get(f"communities/{C}/groups/nope"), 404)
    dump = _dump(env.store)
    for secret in env.secrets.values():
        assert secret not in dump
        assert secret[8:] not in caplog.text and secret not in caplog.text
    with env.store.read() as conn:
        prefixes = set(conn.execute(select(t.api_tokens.c.prefix)).scalars())
    assert prefixes == {s[:8] for s in env.secrets.values()}


def test_unknown_missing_and_revoked_tokens_are_401(env: Env) -> None:
    assert_problem(env.client.get(f"{V1}/communities"), 401)
    assert_problem(env.client.as_("shq_not-a-token").get("communities"), 401)
    analyst = env.as_("analyst")
    assert analyst.get("communities").status_code == 200
    revoke_token(env.store, env.token_ids["analyst"])
    r = analyst.get("communities")
    assert_problem(r, 401)
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_rate_limit_is_429_with_retry_after(database_url: str, tmp_path: Path) -> None:
    env = build_env(database_url, tmp_path, ApiSettings(rate_per_minute=6, rate_burst=3))
    try:
        owner, analyst = env.as_("owner"), env.as_("analyst")
        assert [owner.get("communities").status_code for _ in range(3)] == [200] * 3
        limited = owner.get("communities")
        assert_problem(limited, 429)
        assert int(limited.headers["Retry-After"]) >= 1
        assert analyst.get("communities").status_code == 200  # buckets are per token
    finally:
        env.close()


def test_every_write_is_audited_with_its_status(env: Env) -> None:
    env.as_("manager").post(f"communities/{C}/events", json={"events": [event("w1")]})
    env.as_("analyst").post(f"communities/{C}/events", json={"events": [event("w2")]})
    env.client.post(f"{V1}/communities/{C}/events", json={"events": [event("w3")]})
    rows = list_audit(env.store)[:3]
    assert [(r.token_id, r.status) for r in reversed(rows)] == [
        (env.token_ids["manager"], 200),
        (env.token_ids["analyst"], 403),
        (None, 401),
    ]
    assert rows[-1].summary["new"] == 1 and rows[-1].path == f"{V1}/communities/{C}/events"


def test_token_commands(env: Env) -> None:
    import typer

    from shequn.cli.common import state
    from shequn.cli.serve import token_app

    app = typer.Typer()
    app.add_typer(token_app, name="token")
    state.db_url = env.url
    try:
        run = CliRunner().invoke
        made = run(
            app,
            [
                "token",
                "create",
                "--name",
                "bot",
                "--role",
                "manager",
                "--community",
                C,
                "--groups",
                "main,camp-21",
            ],
        )
        assert made.exit_code == 0, made.output
        secret = made.stdout.strip().splitlines()[0]
        assert secret.startswith("shq_")
        listed = json.loads(run(app, ["token", "list", "--json"]).stdout)
        mine = next(x for x in listed if x["name"] == "bot")
        assert mine["groups"] == ["main", "camp-21"] and "secret" not in mine
        assert secret not in run(app, ["token", "list"]).stdout
        assert env.client.as_(secret).get("communities").status_code == 200
        assert run(app, ["token", "revoke", str(mine["id"])]).exit_code == 0
        assert env.client.as_(secret).get("communities").status_code == 401
        bad = run(app, ["token", "create", "--name", "x", "--role", "manager", "--community", C])
        assert bad.exit_code != 0
    finally:
        state.db_url = None


def test_serve_runs_the_app_with_uvicorn(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from fastapi import FastAPI

    from shequn.cli.common import state
    from shequn.cli.serve import serve_command

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: ran.update(app=app, **kw))
    monkeypatch.setattr(state, "db_url", env.url)
    serve_command(host="127.0.0.1", port=8099)
    assert isinstance(ran["app"], FastAPI) and (ran["host"], ran["port"]) == ("127.0.0.1", 8099)
    ran["app"].state.store.close()

"""Bounded work and the refusals around it, tried as an attacker would (issue 13): metric
parameters out of range, analytics past their budget, bodies too large, bad tokens in a loop,
logout, framing, a poster for someone else's campaign.

Each test is a regression test for one finding; it fails on the code before the fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import shequn.web
from shequn.analytics.budget import (
    AnalyticsFailed,
    Budget,
    BudgetExceeded,
    duckdb_errors,
    limited,
)
from shequn.analytics.params import PARAMS
from shequn.analytics.registry import all_metrics
from shequn.api.audit import Refusals
from shequn.api.deps import ApiSettings
from shequn.store import tables as t
from shequn.store.tokens import list_audit
from tests.test_api import UNLIMITED, V1, C, Env, assert_problem, build_env, event
from tests.test_cli import EXAMPLE, Cli
from tests.test_web import Browserless

METRIC = f"communities/{C}/metrics"


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Any:
    e = build_env(database_url, tmp_path)
    yield e
    e.close()


def env_with(database_url: str, tmp_path: Path, **settings: Any) -> Env:
    return build_env(database_url, tmp_path, replace(UNLIMITED, **settings))


# --- 1. metric parameters have ranges, checked before any work ---------------------------


@pytest.mark.parametrize(
    ("metric", "params", "field"),
    [
        ("retention", {"periods": "1000000000"}, "periods"),  # was: [0] * periods, OOM
        ("retention", {"periods": "0"}, "periods"),
        ("noise_vs_value", {"burst_minutes": "-1"}, "burst_minutes"),  # was: SQL in the answer
        ("referral_tree", {"top": "1e9"}, "top"),
        ("activity", {"active_kinds": '["no.such.kind"]'}, "active_kinds"),
        ("funnel", {"retention_days": "[27, 21]"}, "retention_days"),
        ("key_behaviour_leaders", {"weights": '{"bribe": 100}'}, "weights"),
        ("revenue", {"by": "channel"}, "by"),  # funnel has it; revenue does not
        ("churn_backtest", {"at": "0001-01-01"}, "at"),
    ],
)
def test_a_metric_parameter_out_of_range_is_422_naming_it(
    env: Env, metric: str, params: dict[str, str], field: str
) -> None:
    r = env.as_("analyst").get(f"{METRIC}/{metric}", params=params)
    body = assert_problem(r, 422, field)
    assert "SELECT" not in r.text and "LINE 1" not in r.text
    assert body["detail"].startswith(f"{metric}: {field} ")


def test_the_range_is_checked_before_the_replica_is_touched(env: Env, tmp_path: Path) -> None:
    r = env.as_("owner").get(f"{METRIC}/retention", params={"periods": 10**9})
    assert_problem(r, 422, "periods")
    assert not (tmp_path / "analytics.duckdb").exists()  # no sync, no query


def test_every_metric_parameter_has_a_documented_range() -> None:
    missing = [
        f"{m.name}.{p}"
        for m in all_metrics().values()
        for p in m.params
        if p not in m.ranges and p not in PARAMS
    ]
    assert not missing
    for m in all_metrics().values():  # and every default lies in its own range
        assert m.check(m.params).keys() == m.params.keys()


def test_docs_list_every_parameter_range() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text()
    for name, spec in PARAMS.items():
        assert f"| `{name}` | {spec.describe()}" in doc, name
    for m in all_metrics().values():
        for name, spec in m.ranges.items():
            assert f"`{name}` (" in doc and spec.describe() in doc, (m.name, name)


def test_in_range_parameters_still_compute(env: Env) -> None:
    r = env.as_("analyst").get(f"{METRIC}/retention", params={"periods": 3, "period": "month"})
    assert r.status_code == 200, r.text
    assert {len(row["retained"]) for row in r.json()["results"][0]["rows"]} == {3}


def test_the_cli_checks_the_same_ranges(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(database_url, capsys)
    cli.run("blueprint", "load", EXAMPLE / "community.toml")
    code, _, err = cli.run("metrics", "retention", "-p", "periods=1000000000", "--lang", "en")
    assert code == 1
    assert err.strip() == "error: retention: periods must be from 1 to 366, not 1000000000"
    code, _, err = cli.run("metrics", "retention", "-p", "periods=1000000000")  # speaks zh
    assert err.strip() == "错误：retention：periods 须在 1 到 366 之间，而不是 1000000000"


# --- 2. analytics within a time and memory budget ---------------------------------------


def test_a_statement_past_the_time_budget_is_interrupted() -> None:
    import duckdb

    con = duckdb.connect()
    with pytest.raises(BudgetExceeded, match="ran longer than this server allows"):  # noqa: SIM117
        with duckdb_errors("retention"), limited(con, Budget("64MB", seconds=0.05)):
            con.execute("SELECT count(*) FROM range(1000000000000)").fetchall()  # hours of work
    con.close()


def test_a_statement_past_the_memory_budget_is_refused() -> None:
    import duckdb

    con = duckdb.connect()
    with pytest.raises(BudgetExceeded, match="more memory"):  # noqa: SIM117
        with duckdb_errors("funnel"), limited(con, Budget("16MB", seconds=60)):
            con.execute("SELECT list(range) FROM range(100000000)").fetchall()
    con.close()


def test_a_failing_query_says_nothing_about_its_sql(caplog: pytest.LogCaptureFixture) -> None:
    import duckdb

    con = duckdb.connect()
    with pytest.raises(AnalyticsFailed) as failed, duckdb_errors("noise_vs_value"):
        con.execute("SELECT 1 WHERE now() <= INTERVAL -1 MINUTE")
    assert str(failed.value) == "noise_vs_value failed on our side"
    assert failed.value.status == 500
    assert "INTERVAL -1 MINUTE" in caplog.text  # the details are in the server's log
    con.close()


def test_budget_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEQUN_API_ANALYTICS_MEMORY", "256MB")
    monkeypatch.setenv("SHEQUN_API_ANALYTICS_TIMEOUT_S", "5")
    monkeypatch.setenv("SHEQUN_API_MAX_BODY_BYTES", "1000")
    settings = ApiSettings.from_env()
    assert (settings.budget.memory, settings.budget.seconds) == ("256MB", 5.0)
    assert settings.max_body_bytes == 1000
    with pytest.raises(Exception, match="512MB or 2GB"):
        replace(settings, analytics_memory="lots").budget  # noqa: B018


# --- 3. request bodies have a limit on every route ----------------------------------------


def events_body(n: int, padding: int = 0) -> dict[str, Any]:
    return {
        "events": [event(f"big-{i}", data={"length": 1, "pad": "x" * padding}) for i in range(n)]
    }


def test_a_json_body_above_the_limit_is_413_before_it_is_read(env: Env) -> None:
    body = events_body(1000, padding=3000)  # ~3 MB; the JSON limit is 2 MB
    r = env.as_("owner").post(f"communities/{C}/events", json=body)
    assert_problem(r, 413)
    assert "big-0" not in dump_events(env)


def dump_events(env: Env) -> str:
    with env.store.read() as conn:
        return str(conn.execute(select(t.events.c.source_ref)).scalars().all())


def test_a_streamed_body_is_cut_off_at_the_limit(database_url: str, tmp_path: Path) -> None:
    env = env_with(database_url, tmp_path, max_body_bytes=10_000)
    sent = []

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked
        for n in range(1000):
            sent.append(n)
            yield b'{"events": [' if n == 0 else b" " * 1000

    try:
        r = env.as_("owner").post(f"communities/{C}/events", content=chunks())
        assert_problem(r, 413)
        assert len(sent) < 1000  # reading stopped at the limit
    finally:
        env.close()


def test_uploads_keep_their_own_larger_limit(database_url: str, tmp_path: Path) -> None:
    env = env_with(database_url, tmp_path, max_body_bytes=1_000, max_upload_bytes=100_000)
    lines = "\n".join(
        json.dumps({**event(f"up-{i}"), "source": "up", "community": C}) for i in range(30)
    )
    try:
        owner = env.as_("owner")
        files = {"file": ("chat.jsonl", lines.encode(), "text/plain")}
        r = owner.post(f"communities/{C}/imports", files=files, data={"group": "main"})
        assert r.status_code == 200, r.text
        big = {"file": ("chat.jsonl", b"x" * 200_000, "text/plain")}
        assert_problem(owner.post(f"communities/{C}/imports", files=big), 413)
        assert_problem(owner.post(f"communities/{C}/events", json=events_body(30)), 413)
    finally:
        env.close()


def test_one_post_holds_at_most_1000_events(env: Env) -> None:
    r = env.as_("owner").post(f"communities/{C}/events", json=events_body(1001))
    assert_problem(r, 422, "body.events")


# --- 4. who you are comes before what you sent --------------------------------------------


@pytest.mark.parametrize("token", [None, "shq_not-a-token"])
def test_malformed_json_from_a_stranger_is_401_not_422(env: Env, token: str | None) -> None:
    stranger = env.client.as_(token)
    r = stranger.post(
        f"communities/{C}/events",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert_problem(r, 401)
    assert r.headers["WWW-Authenticate"] == "Bearer"


def test_the_openapi_document_needs_no_token(env: Env) -> None:
    assert env.client.get(f"{V1}/openapi.json").status_code == 200


# --- 5. strangers are rate-limited per address; their refusals do not fill the audit log -----


def test_requests_without_a_valid_token_are_limited_per_address(
    database_url: str, tmp_path: Path
) -> None:
    env = env_with(database_url, tmp_path, anonymous_per_minute=6, anonymous_burst=3)
    try:
        guesses = [env.client.as_(f"shq_guess-{n}").get("communities") for n in range(4)]
        assert [r.status_code for r in guesses] == [401, 401, 401, 429]
        assert int(guesses[-1].headers["Retry-After"]) >= 1
        assert_problem(env.client.get(f"{V1}/communities"), 429)  # no token at all: same bucket
        assert env.as_("owner").get("communities").status_code == 200  # a real token still works
    finally:
        env.close()


def test_refused_requests_are_aggregated_in_the_audit_log(env: Env) -> None:
    before = len(list_audit(env.store, limit=10_000))
    for n in range(50):
        env.client.post(f"{V1}/communities/{C}/events", json={"events": [event(f"a{n}")]})
    rows = list_audit(env.store, limit=10_000)[: len(list_audit(env.store, limit=10_000)) - before]
    assert [(r.token_id, r.status, r.summary["outcome"]) for r in rows] == [(None, 401, "refused")]
    assert rows[0].summary["client"] == "127.0.0.1"


def test_the_next_row_counts_the_refusals_left_unwritten() -> None:
    now = [0.0]
    refusals = Refusals(every=60, clock=lambda: now[0])
    assert refusals.admit((None, 401)) == 0  # the first one is written
    assert [refusals.admit((None, 401)) for _ in range(5)] == [None] * 5
    assert refusals.admit((7, 403)) == 0  # each caller and status on its own
    now[0] = 61.0
    assert refusals.admit((None, 401)) == 5


# --- 8. a poster only for a campaign of the token's own groups ------------------------------

MEMBER_OF_MAIN = "wechat:wxid_ess4divu2t011v"


def test_a_poster_for_another_groups_campaign_looks_like_a_missing_one(env: Env) -> None:
    owner, leader = env.as_("owner"), env.as_("group_leader")  # a leader of ``main``
    camp = {"name": "Camp", "groups": ["camp-21"]}
    assert owner.request("PUT", f"communities/{C}/campaigns/c21", json=camp).status_code == 200
    poster = f"communities/{C}/members/{MEMBER_OF_MAIN}/poster"
    with env.store.read() as conn:
        links = len(conn.execute(select(t.links)).all())
    other = assert_problem(leader.post(poster, params={"campaign": "c21"}), 404)
    missing = assert_problem(leader.post(poster, params={"campaign": "nope"}), 404)
    assert other["detail"].replace("c21", "X") == missing["detail"].replace("nope", "X")
    with env.store.read() as conn:
        assert len(conn.execute(select(t.links)).all()) == links  # no link was made


# --- 6 and 7. the dashboard: logout ends the session; headers on every response ------------


@pytest.fixture
def dashboard(env: Env) -> Browserless:
    from shequn.web.mount import mount_dashboard

    mount_dashboard(env.app)
    return Browserless(env.app, env.client.loop)


def test_logout_ends_the_session_on_the_server(env: Env, dashboard: Browserless) -> None:
    assert dashboard.login(env.secrets["owner"]).status_code == 303
    assert dashboard.get(f"/c/{C}").status_code == 200
    stolen = dict(dashboard.http.cookies)  # a copy of the cookie, e.g. from a shared computer
    out = dashboard.post("/logout", data={"csrf": dashboard.csrf(f"/c/{C}/import")})
    assert out.status_code == 303
    replay = Browserless(env.app, env.client.loop)
    replay.http.cookies.update(stolen)
    r = replay.get(f"/c/{C}")
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_failed_logins_are_limited_per_address(database_url: str, tmp_path: Path) -> None:
    from shequn.web.mount import mount_dashboard

    env = env_with(database_url, tmp_path, anonymous_per_minute=6, anonymous_burst=2)
    mount_dashboard(env.app)
    guesser = Browserless(env.app, env.client.loop)
    try:
        tries = [guesser.login(f"shq_guess-{n}").status_code for n in range(3)]
        assert tries == [401, 401, 429]
    finally:
        env.close()


def test_every_response_carries_the_security_headers(env: Env, dashboard: Browserless) -> None:
    dashboard.login(env.secrets["owner"])
    for r in (
        dashboard.get(f"/c/{C}"),
        dashboard.get("/login"),
        env.as_("owner").get("communities"),
        env.client.get(f"{V1}/communities"),  # a refusal too
    ):
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"
        csp = dict(d.strip().split(" ", 1) for d in r.headers["Content-Security-Policy"].split(";"))
        assert csp["frame-ancestors"] == "'none'"
        assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'


def test_dashboard_templates_have_no_inline_scripts() -> None:
    """Under ``script-src 'self'`` an inline script would not run: there must be none (JSON
    data blocks are data, not scripts). ``report.html`` is the standalone file, never served."""
    templates = Path(shequn.web.__file__).parent / "templates"
    for path in templates.glob("*.html"):
        if path.name == "report.html":
            continue
        for tag in re.findall(r"<script\b[^>]*>", path.read_text(encoding="utf-8")):
            assert "src=" in tag or 'type="application/json"' in tag, (path.name, tag)
        assert not re.search(r"\son[a-z]+=", path.read_text(encoding="utf-8")), path.name

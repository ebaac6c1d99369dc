"""The dashboard in a real browser: Debian's Chromium driven by Playwright against uvicorn on
127.0.0.1 (a free port), with the shortened demo community of ``test_web``.

Checks what only a browser can: pages run without console errors, each chart's canvas is
actually drawn, the login form and the htmx promote button work end to end. Screenshots go to
``tests/artifacts/``. Without Chromium (``/usr/bin/chromium``, or ``SHEQUN_CHROMIUM``) the
module skips — unless ``SHEQUN_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shequn.api.app import create_app
from shequn.api.deps import ApiSettings
from shequn.store.db import Store
from shequn.store.queries import tail_events
from tests.test_web import OTHER_GROUP, SCOPED_GROUP, C, build_demo, make_tokens

CHROMIUM = os.environ.get("SHEQUN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
REQUIRED = os.environ.get("SHEQUN_REQUIRE_BROWSER") == "1"
PAGES = [
    "", "/groups", f"/groups/{SCOPED_GROUP}", "/retention", "/members", "/diagnose", "/growth",
    "/import", "/moderation", "/motions", "/qa", "/honours", "/content",
]  # fmt: skip


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"a browser is required (SHEQUN_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """uvicorn serving the API + dashboard in a background thread."""

    def __init__(self, url: str, analytics_path: str) -> None:
        import uvicorn

        from shequn.web.mount import mount_dashboard

        settings = ApiSettings(rate_per_minute=1e9, rate_burst=10**9, analytics_path=analytics_path)
        app = create_app(url, settings=settings)
        mount_dashboard(app)
        self.port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'shequn.db'}"
    store = build_demo(url)
    secrets = make_tokens(store)
    ARTIFACTS.mkdir(exist_ok=True)
    with Server(url, str(tmp / "analytics.duckdb")) as base:
        yield base, store, secrets
    store.close()


def logged_in(browser: Any, base: str, secret: str) -> tuple[Any, Any, list[str]]:
    """A fresh browser context logged in through the form; console errors collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/login")
    page.fill("input[name=secret]", secret)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/c/{C}")
    return context, page, errors


_PIXELS = """(el) => {
  const c = el.querySelector('canvas');
  if (!c) return {painted: 0, colors: 0};
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set(); let painted = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] > 0) { painted++; seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]); }
  }
  return {painted, colors: seen.size};
}"""


def check_charts(page: Any, name: str) -> int:
    """Every chart on the page has a canvas with many painted pixels in several colours;
    each chart's screenshot is saved (and checked with Pillow when it is installed)."""
    charts = page.locator("[data-chart]")
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.locator("canvas").wait_for()
        stats = chart.evaluate(_PIXELS)
        assert stats["painted"] > 1000 and stats["colors"] > 3, (name, i, stats)
        shot = ARTIFACTS / f"{name}-chart{i}.png"
        chart.screenshot(path=str(shot))
        try:
            from PIL import Image
        except ImportError:
            continue
        with Image.open(shot) as img:
            assert len(img.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 3, shot
    return int(charts.count())


def test_every_page_loads_and_draws_its_charts(browser: Any, site: Any) -> None:
    base, _, secrets = site
    context, page, errors = logged_in(browser, base, secrets["owner"])
    drawn = 0
    for path in PAGES:
        response = page.goto(f"{base}/c/{C}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        name = "overview" if not path else path.strip("/").replace("/", "-")
        drawn += check_charts(page, name)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert drawn >= 8  # overview 3, group 3, retention 1, members 1
    assert errors == []
    page.set_viewport_size({"width": 390, "height": 800})  # a phone: still drawn, no errors
    page.goto(f"{base}/c/{C}")
    check_charts(page, "overview-phone")
    assert errors == []
    context.close()


def test_login_and_logout(browser: Any, site: Any) -> None:
    base, _, secrets = site
    context, page, errors = logged_in(browser, base, secrets["analyst"])
    page.click("form.logout button")
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/c/{C}/groups")
    assert page.url == f"{base}/login"  # the session is over
    page.fill("input[name=secret]", "shq_not-a-token")
    page.click("form.login button[type=submit]")
    assert "unknown or revoked" in page.content()
    assert all("401" in e for e in errors)  # only the refused login's own status
    context.close()


def test_a_scoped_manager_cannot_open_another_group(browser: Any, site: Any) -> None:
    base, _, secrets = site
    context, page, _ = logged_in(browser, base, secrets["manager"])
    assert page.goto(f"{base}/c/{C}/groups/{SCOPED_GROUP}").status == 200
    response = page.goto(f"{base}/c/{C}/groups/{OTHER_GROUP}")
    assert response.status == 404
    page.screenshot(path=str(ARTIFACTS / "manager-other-group-404.png"))
    page.goto(f"{base}/c/{C}/groups")
    assert page.locator(f"a[href$='/groups/{OTHER_GROUP}']").count() == 0
    context.close()


def test_promote_button_records_the_role_change(browser: Any, site: Any) -> None:
    base, store, secrets = site
    context, page, errors = logged_in(browser, base, secrets["owner"])
    page.goto(f"{base}/c/{C}/diagnose")
    button = page.locator("button.act").first
    member = button.get_attribute("data-member")
    button.click()
    page.locator(".promoted").wait_for()
    page.screenshot(path=str(ARTIFACTS / "diagnose-promoted.png"), full_page=True)
    with store.read() as conn:
        found = tail_events(conn, limit=5, community=C, kind="role.changed")
    assert any(e.subject == member and e.source.startswith("operator:web:") for _, e in found)
    assert errors == []
    context.close()


def test_undo_a_step_from_the_moderation_page(browser: Any, site: Any) -> None:
    """Adverts enforced by the live rules show on the moderation page with their evidence;
    the owner undoes one with a reason, and the step shows as undone."""
    from tests.test_web_moderation import ADS, enforce_adverts

    base, store, secrets = site
    enforce_adverts(store)
    context, page, errors = logged_in(browser, base, secrets["owner"])
    page.goto(f"{base}/c/{C}/moderation")
    assert page.locator("table.steps tbody tr").count() == 3
    assert ADS[SCOPED_GROUP] in page.content()
    row = page.locator("table.steps tbody tr").first
    step = row.get_attribute("id")
    row.locator("input[name=reason]").fill("误判：这是活动通知")
    row.locator("button").click()
    page.locator(".notice").wait_for()
    page.screenshot(path=str(ARTIFACTS / "moderation-undone.png"), full_page=True)
    assert "已撤销" in page.locator(f"#{step}").inner_text()
    with store.read() as conn:
        ((_, undone),) = tail_events(conn, limit=1, community=C, kind="moderation.reversed")
    assert undone.data["reason"] == "误判：这是活动通知"
    assert undone.source.startswith("operator:web:") and errors == []
    context.close()


def test_search_and_answer_from_the_qa_page(browser: Any, site: Any) -> None:
    """A scoped manager searches the knowledge base from the Q&A page's box and answers their
    group's waiting question in its row; it moves to the answered list."""
    from shequn.engine.engagement import knowledge
    from tests.test_web_qa import ANSWERED, OLD, ask_in_groups

    base, store, secrets = site
    asked = ask_in_groups(store)
    context, page, errors = logged_in(browser, base, secrets["manager"])
    page.goto(f"{base}/c/{C}/qa")
    assert OLD[OTHER_GROUP] not in page.content()  # another group's question
    page.fill("form.search input[name=q]", "训练营 报名")
    page.click("form.search button")
    page.locator("table.found").wait_for()
    assert ANSWERED[1] in page.locator("table.found").inner_text()
    row = page.locator("table.waiting tr", has_text=OLD[SCOPED_GROUP])
    row.locator("input[name=text]").fill("在群文件里")
    row.locator("button").click()
    page.locator(".notice").wait_for()
    page.screenshot(path=str(ARTIFACTS / "qa-answered.png"), full_page=True)
    assert "在群文件里" in page.locator("table.answered").inner_text()
    entry = knowledge.show(store, C, asked[OLD[SCOPED_GROUP]])
    assert (entry.answer, entry.answered_by) == ("在群文件里", "marked") and errors == []
    context.close()


def test_name_a_role_model_from_the_honours_page(browser: Any, site: Any) -> None:
    """A scoped manager reads their group's role models and names one with the form: the
    story shows on the page and waits to be told to the group."""
    from shequn.engine.engagement import honour_stories
    from tests.test_web_honours import STORY, member_of, name_in_groups

    base, store, secrets = site
    name_in_groups(store)
    context, page, errors = logged_in(browser, base, secrets["manager"])
    page.goto(f"{base}/c/{C}/honours")
    assert STORY[SCOPED_GROUP] in page.content() and STORY[OTHER_GROUP] not in page.content()
    form = page.locator("form.nominate")
    form.locator("select[name=group]").select_option(SCOPED_GROUP)
    form.locator("input[name=member]").fill(member_of(store, SCOPED_GROUP, 2))
    form.locator("input[name=title]").fill("优秀分享者")
    form.locator("textarea[name=story]").fill("连续四周在周五分享读书笔记。")
    form.locator("button").click()
    page.locator(".notice").wait_for()
    page.screenshot(path=str(ARTIFACTS / "honours-named.png"), full_page=True)
    assert "连续四周在周五分享读书笔记。" in page.locator(".honours").inner_text()
    named = [h for h in honour_stories.list_honours(store, C) if h.title == "优秀分享者"]
    assert [h.group for h in named] == [SCOPED_GROUP] and errors == []
    context.close()


def test_standalone_report_draws_offline(browser: Any, site: Any, tmp_path: Path) -> None:
    """``shequn report --html``'s file opens from disk and draws every chart with all
    network requests blocked."""
    from shequn.analytics.replica import Replica
    from shequn.analytics.scope import Scope
    from shequn.web.standalone import render_report_html

    _, store, _ = site
    replica = Replica.open(store, str(tmp_path / "standalone.duckdb"))
    try:
        html = render_report_html(replica.con, Scope(C))
    finally:
        replica.close()
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("file:")
            else (requests.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    assert check_charts(page, "standalone") == 3
    page.screenshot(path=str(ARTIFACTS / "standalone.png"), full_page=True)
    assert (requests, errors) == ([], [])
    context.close()

"""A platform's refusal reaches the operator in the community's language (issue 23 item 10).

The worker keeps a connector's reason with its message id and arguments beside its English
(``actions.last_error_said``, as an outbox payload keeps a ``Said``), so ``shequn actions list``
and ``show`` and the worker's log line say why an action failed in Chinese on a Chinese
community and in English with ``--lang en``; ``--json`` keeps the English ``last_error`` for
programs (and a row failed before keeps its English). The platform is a fake WeCom on
127.0.0.1 that refuses the call the way WeCom does (an ``errcode``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shequn.cli.common import err, out
from shequn.store.db import Store
from tests.growth_helpers import group, loaded
from tests.test_cli import Cli
from tests.test_wecom_hooks import bind_chats
from tests.wecom_fake import FakeWeCom, serve_fake, wecom_env
from tests.worker_helpers import queue

TASKS = "/cgi-bin/externalcontact/add_msg_template"


@pytest.fixture
def wecom(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeCom]:
    with serve_fake() as f:
        wecom_env(monkeypatch, SENDER="boss")
        yield f


@pytest.fixture
def shop(
    store: Store,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    for console in (out, err):  # a table's cell and the log's line, each on one line
        monkeypatch.setattr(console, "width", 400)
    loaded(store, group("a"))  # the community speaks Chinese
    bind_chats(store, {"a": "wrA"})
    return Cli(database_url, capsys)


def run_worker(shop: Cli, wecom: FakeWeCom, *lang: str) -> str:
    code, _, log = shop.run(
        "worker", "--once", "--no-ticks", "--connector", "wecom", "--api-url", wecom.url, *lang
    )
    assert code == 0, log
    return log


def test_a_refused_call_reads_in_chinese_and_in_english_with_lang_en(
    shop: Cli, wecom: FakeWeCom
) -> None:
    with Store.open(shop.url) as store:
        queue(store, 1, group="a")
    wecom.fail_next[TASKS] = 48002  # the app may not use the customer-contact API
    log = run_worker(shop, wecom)
    assert "应用没有这个接口的权限" in log and "失败" in log  # the worker's line, in Chinese

    _, listed, _ = shop.run("actions", "list", "--status", "failed")
    assert "应用没有这个接口的权限：请在 客户联系 → 可调用接口的应用 中加入它" in listed
    assert "has no permission" not in listed
    _, listed, _ = shop.run("actions", "list", "--status", "failed", "--lang", "en")
    assert "the app has no permission for this API" in listed and "权限" not in listed

    [row] = shop.json("actions", "list", "--status", "failed")  # type: ignore[misc]
    assert row["last_error"].startswith("the app has no permission for this API")  # English
    assert row["last_error_said"]["msgid"].startswith("the app has no permission")
    _, shown, _ = shop.run("actions", "show", str(row["id"]))
    assert "应用没有这个接口的权限" in shown
    _, shown, _ = shop.run("actions", "show", str(row["id"]), "--lang", "en")
    assert "the app has no permission for this API" in shown


def test_a_retried_call_and_the_platforms_own_words(shop: Cli, wecom: FakeWeCom) -> None:
    """A transient refusal waits for its next try with its reason said; an errcode shequn does
    not know is said around WeCom's own words (data: they stay as WeCom wrote them)."""
    with Store.open(shop.url) as store:
        queue(store, 1, group="a")
    wecom.fail_next[TASKS] = 45009  # the frequency limit: tried again later
    run_worker(shop, wecom)
    _, listed, _ = shop.run("actions", "list")
    assert "已达到企业微信的调用频率上限（errcode 45009）" in listed
    _, listed, _ = shop.run("actions", "list", "--lang", "en")
    assert "WeCom's call frequency limit was reached (errcode 45009)" in listed

    with Store.open(shop.url) as store:
        queue(store, 1, group="a", text="another")
    wecom.fail_next[TASKS] = 40099  # not in shequn's table
    run_worker(shop, wecom, "--lang", "en")
    _, listed, _ = shop.run("actions", "list", "--status", "failed")
    assert "企业微信拒绝了这次调用：injected（errcode 40099）" in listed

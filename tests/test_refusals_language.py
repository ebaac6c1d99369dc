"""Refusals read in the reader's language: the API's and the command line's (issue 23 item 10).

An API error keeps its English ``detail`` (programs and logs read it; it is what it always
was) and adds ``message``, the same sentence for the person in front of the client: in the
language ``Accept-Language`` asks for when it names zh or en, else in the language of the
token's community. A command's error (a metric parameter out of range, an analytics error,
a bad option) reads in the community's language, and in English with ``--lang en``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from shequn.api.errors import accepted_language
from shequn.store.tokens import create_token
from tests.test_api import OTHER, C, Env, assert_problem, build_env
from tests.test_cli import EXAMPLE, Cli


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = build_env(f"sqlite:///{tmp_path / 'shequn.db'}", tmp_path)  # the example speaks zh
    yield e
    e.close()


def test_a_refused_call_on_a_chinese_community_says_why_in_chinese(env: Env) -> None:
    r = env.as_("analyst").post(
        f"communities/{C}/members/merge", json={"keep": "sim:1", "absorb": "sim:2"}
    )
    body = assert_problem(r, 403)
    assert body["detail"] == "a analyst token is read-only"  # stable, for programs
    assert body["message"] == "analyst 令牌只能查看，不能修改"

    body = assert_problem(env.as_("owner").get(f"communities/{C}/metrics/no_such"), 404)
    assert (body["detail"], body["message"]) == ("no metric 'no_such'", "没有指标 'no_such'")


def test_a_metric_parameter_out_of_range_is_named_in_chinese(env: Env) -> None:
    r = env.as_("analyst").get(f"communities/{C}/metrics/retention", params={"periods": 10**9})
    body = assert_problem(r, 422, "periods")
    assert body["detail"] == "retention: periods must be from 1 to 366, not 1000000000"
    assert body["message"] == "retention：periods 须在 1 到 366 之间，而不是 1000000000"


def test_accept_language_wins_over_the_community(env: Env) -> None:
    path = f"communities/{C}/metrics/no_such"
    english = env.as_("owner").get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert assert_problem(english, 404)["message"] == "no metric 'no_such'"
    french_first = env.as_("owner").get(path, headers={"Accept-Language": "fr, zh-CN;q=0.5"})
    assert assert_problem(french_first, 404)["message"] == "没有指标 'no_such'"
    only_french = env.as_("owner").get(path, headers={"Accept-Language": "fr"})
    assert assert_problem(only_french, 404)["message"] == "没有指标 'no_such'"  # the community's
    assert only_french.headers["vary"] == "Accept-Language"  # no cache mixes two readers'


def test_an_english_community_reads_english_unless_asked(env: Env) -> None:
    _, secret = create_token(env.store, name="elsewhere", role="analyst", community=OTHER)
    client = env.client.as_(secret)
    body = assert_problem(client.get(f"communities/{OTHER}/metrics/no_such"), 404)
    assert body["message"] == body["detail"] == "no metric 'no_such'"
    asked = client.get(f"communities/{OTHER}/metrics/no_such", headers={"Accept-Language": "zh"})
    assert assert_problem(asked, 404)["message"] == "没有指标 'no_such'"


def test_a_stranger_is_answered_in_english_whatever_the_path_names(env: Env) -> None:
    """Before a token is known only ``Accept-Language`` counts: the path's community could be
    anyone's, and its language is not a stranger's to learn."""
    body = assert_problem(env.as_(None).get(f"communities/{C}/groups"), 401)
    assert body["message"] == "send an API token: Authorization: Bearer <token>"
    asked = env.as_(None).get(f"communities/{C}/groups", headers={"Accept-Language": "zh"})
    assert assert_problem(asked, 401)["message"] == "请发送 API 令牌：Authorization: Bearer <token>"


def test_an_upload_that_cannot_be_read_keeps_its_file_in_chinese(env: Env) -> None:
    r = env.as_("owner").post(
        f"communities/{C}/imports",
        files={"file": ("chat.txt", io.BytesIO(b"nothing an importer knows\n"), "text/plain")},
    )
    body = assert_problem(r, 422)
    assert body["detail"].startswith("chat.txt: ")
    assert body["message"].startswith("chat.txt：") and body["message"] != body["detail"]


def test_input_that_does_not_validate_is_said_in_chinese(env: Env) -> None:
    """pydantic's sentences have no catalogue: the ones a client meets are message ids over
    the error's type and context (``api/validation_text.py``); ``detail`` keeps pydantic's."""
    r = env.as_("owner").get(f"communities/{C}/members", params={"limit": 100_000})
    body = assert_problem(r, 422, "query.limit")
    assert body["detail"] == "query.limit: Input should be less than or equal to 500"
    assert body["message"] == "query.limit：应小于或等于 500"
    english = env.as_("owner").get(
        f"communities/{C}/members", params={"limit": 100_000}, headers={"Accept-Language": "en"}
    )
    assert assert_problem(english, 422)["message"] == body["detail"]

    r = env.as_("owner").post(
        f"communities/{C}/meetups",
        json={"group": "main", "title": "读书会", "venue": "书店", "at": "1000-01-01T10:00:00"},
    )
    body = assert_problem(r, 422, "body.at")
    assert body["message"] == "body.at：值有误：开始时间须在 2000 年到 2999 年之间"

    body = assert_problem(env.as_("owner").get(f"communities/{C}/no-such-thing"), 404)
    assert (body["detail"], body["message"]) == ("Not Found", "未找到")


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh;q=0.8", "en"),
        ("de, en;q=0.3, zh;q=0.7", "zh"),
        ("zh;q=0, en;q=0.1", "en"),
        ("fr-FR", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_is_read_with_its_weights(header: str | None, lang: str | None) -> None:
    assert accepted_language(header) == lang


# --- the command line --------------------------------------------------------------------


@pytest.fixture
def zh_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = Cli(f"sqlite:///{tmp_path / 'shequn.db'}", capsys)
    code, _, err = cli.run("blueprint", "load", EXAMPLE / "community.toml")  # speaks zh
    assert code == 0, err
    return cli


def test_a_metric_with_a_bad_argument_reads_chinese_and_english_with_lang_en(
    zh_cli: Cli,
) -> None:
    code, _, err = zh_cli.run("metrics", "retention", "-p", "period=fortnight")
    assert code == 1
    assert err.strip() == "错误：retention：period 须为以下之一：day, week, month"
    code, _, err = zh_cli.run("metrics", "retention", "-p", "period=fortnight", "--lang", "en")
    assert err.strip() == "error: retention: period must be one of day, week, month"
    code, _, err = zh_cli.run("metrics", "retention", "-p", "weeks=3")
    assert err.strip().startswith("错误：--param 'weeks=3' 无效：请用 key=value，key 可以是 period")


def test_an_analytics_error_reads_chinese_and_english_with_lang_en(
    zh_cli: Cli, tmp_path: Path
) -> None:
    empty = tmp_path / "no-export"
    empty.mkdir()
    args = ("metrics", "activity", "--engine", "spark", "--parquet", empty, "--community", C)
    code, _, err = zh_cli.run(*args)
    assert code == 1
    assert f"错误：{empty} 中没有 shequn 导出：请先运行 `shequn export parquet {empty}`" in err
    code, _, err = zh_cli.run(*args, "--lang", "en")
    assert f"error: {empty} holds no shequn export: run `shequn export parquet {empty}`" in err


def test_a_bad_option_and_a_bad_rules_file_read_chinese(zh_cli: Cli, tmp_path: Path) -> None:
    code, _, err = zh_cli.run("fraud", "list", "--status", "maybe")
    assert code == 1
    assert err.strip() == "错误：--status 'maybe' 不在 blocked, review, upheld, overturned 之中"
    rules = tmp_path / "rules.toml"
    rules.write_text("diagnosis = 3\n", encoding="utf-8")
    code, _, err = zh_cli.run("diagnose", "--rules", rules)
    assert err.strip() == f"错误：{rules}：[diagnosis] 须为每个规则 id 各写一张表"
    code, _, err = zh_cli.run("diagnose", "--rules", rules, "--lang", "en")
    assert err.strip() == f"error: {rules}: [diagnosis] must hold one table per rule id"

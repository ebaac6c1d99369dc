"""The store's, the engine's and the blueprint's refusals read in the community's language at
the command line (issue 23 item 10), with what identifies the case kept as typed — the
community, the group, the member, the amount — and in English with ``--lang en``.

``tests/test_i18n_raises.py`` checks that each is raised through the catalogue; here a few of
each kind are met the way an operator meets them, on the example community (it speaks zh).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import EXAMPLE, Cli, joined, write_jsonl
from tests.test_cli_language import CHINESE


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = Cli(f"sqlite:///{tmp_path / 'shequn.db'}", capsys)
    assert cli.run("blueprint", "load", EXAMPLE / "community.toml")[0] == 0
    assert cli.run("events", "add", write_jsonl(tmp_path / "u1.jsonl", [joined(1)]))[0] == 0
    return cli


def refused(cli: Cli, *args: object) -> tuple[str, str]:
    """The error line in the community's language, then with ``--lang en``."""
    said = []
    for lang in ((), ("--lang", "en")):
        code, _, err = cli.run(*args, *lang)
        assert code != 0, err
        said.append(err.strip())
    return said[0], said[1]


def test_the_engines_refusals_name_the_case_in_chinese(cli: Cli) -> None:
    zh, en = refused(cli, "commission", "payout", "wechat:u1", "--amount", "1.5")
    assert zh == "错误：应付给 wechat:u1 0 最小货币单位 CNY；不能支付 150"
    assert en == "error: wechat:u1 is owed 0 minor units CNY; cannot pay out 150"
    zh, en = refused(cli, "content", "entry", "footer", "spring-reading")
    assert zh == "错误：社群 'study-circle' 中没有内容条目 'spring-reading'"
    assert en == "error: no content entry 'spring-reading' in 'study-circle'"
    zh, en = refused(
        cli, "content", "entry", "create", "--url", "ftp://x/a", "--title", "读书", "-g", "main"
    )
    assert zh == "错误：内容的 URL 必须以 http:// 或 https:// 开头"
    assert en == "error: the piece's URL must start with http:// or https://"
    grab = ("envelope", "grab", "main", "--member", "wechat:u1", "--at", "2026-03-05T10:00")
    zh, en = refused(cli, *grab, "--envelope", "hb-1")
    assert zh == (
        "错误：2026-03-05 02:00 UTC 之前的 14 天内，群 'main' 没有发出红包 'hb-1'："
        "请先记录它（shequn envelope sent）"
    )
    assert en == (
        "error: no red envelope 'hb-1' sent in 'main' in the 14 days before 2026-03-05 02:00 "
        "UTC: record it first (shequn envelope sent)"
    )
    zh, _ = refused(cli, *grab)  # any envelope: the sentence without a name
    assert "群 'main' 没有发出红包：请先记录它" in zh
    zh, en = refused(
        cli, "calendar", "add", "--at", "2020-01-01T10:00", "--text", "早", "--group", "main"
    )
    assert (zh, en) == (
        "错误：帖子的计划发布时间已经过去",
        "error: a post is planned before its time",
    )
    zh, en = refused(cli, "checkin", "board", "camp-99")
    assert zh == "错误：社群 'study-circle' 中没有群 'camp-99'"
    assert en == "error: no group 'camp-99' in 'study-circle'"


def test_a_motions_rule_change_is_refused_in_the_communitys_language(cli: Cli) -> None:
    move = ("motion", "propose", "main", "wechat:u1", "刷屏太多")
    zh, en = refused(cli, *move, "--rule", "flow.flood_messages=many")
    assert zh == "错误：flow.flood_messages 需要 int 类型的值，而不是 'many'"
    assert en == "error: flow.flood_messages takes a int, not 'many'"
    zh, en = refused(cli, *move, "--rule", "colour=red")
    assert zh.startswith("错误：动议只能修改 advert.threshold, topics.patterns, ")
    assert zh.endswith("之一，不能修改 'colour'")
    assert en.startswith("error: a motion may change one of advert.threshold, ")
    zh, _ = refused(cli, *move, "--rule", "topics.patterns")
    assert (
        zh == "错误：规则变更的写法是 KEY=VALUE、KEY+=ITEM 或 KEY-=ITEM，而不是 'topics.patterns'"
    )


def test_the_stores_refusals_name_the_case_in_chinese(cli: Cli, tmp_path: Path) -> None:
    elsewhere = write_jsonl(tmp_path / "x.jsonl", [{**joined(2), "community": "nowhere"}])
    zh, en = refused(cli, "events", "add", elsewhere)
    assert zh == "错误：未知社群 'nowhere'：请先加载它的蓝图（shequn blueprint load FILE）"
    assert en == (
        "error: unknown community 'nowhere': load its blueprint first (shequn blueprint load FILE)"
    )
    merged = {
        "kind": "identity.merged",
        "occurred_at": "2026-03-03T09:00:00+08:00",
        "community": "study-circle",
        "subject": "wechat:u1",
        "data": {"into": "m-404", "identities": ["wechat:u1"]},
        "source": "test",
        "source_ref": "merge-1",
    }
    zh, en = refused(cli, "events", "add", write_jsonl(tmp_path / "m.jsonl", [merged]))
    assert zh == (
        "错误：社群 'study-circle' 中没有要合并的成员 'm-404'"
        "（请用 `shequn members show` 显示的成员标识）"
    )
    assert en.startswith("error: no member 'm-404' in 'study-circle' to merge (a member key")


def test_a_blueprints_own_checks_are_said_in_its_language(cli: Cli, tmp_path: Path) -> None:
    text = (EXAMPLE / "community.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text + "\n[engagement.calendar]\nposts_per_day = [3, 1]\n"
        "\n[organization.motions]\nmin_level = 9\n",
        encoding="utf-8",
    )
    code, out, err = cli.run("blueprint", "check", bad)
    assert code != 0
    assert (
        "engagement.calendar：posts_per_day 的写法是 [最少, 最多]，且 0 ≤ 最少 ≤ 最多" in out + err
    )
    assert "organization：motions.min_level 9 高于最高等级（实际为 一个表）" in out + err
    code, out, err = cli.run("blueprint", "check", bad, "--lang", "en")
    assert "organization: motions.min_level 9 is above the top level (got a table)" in out + err
    assert not CHINESE.search((out + err).replace(str(bad), ""))


def test_a_training_file_is_refused_at_its_line(cli: Cli, tmp_path: Path) -> None:
    rows = [{"text": "加微信领资料", "label": 1}, {"text": "明天见", "label": "maybe"}]
    labelled = tmp_path / "labels.jsonl"
    labelled.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    zh, en = refused(cli, "rules", "train", labelled)
    assert zh == f"错误：{labelled}:2：标注 'maybe' 既不是 1 也不是 0"
    assert en == f"error: {labelled}:2: label 'maybe' is neither 1 nor 0"

"""The commands that make or show things speak the community's language too (issue 23 item
10): ``simulate`` and ``demo`` (their summaries, the story's chapters, the worker's line),
``templates show|preview`` (the headings and what each variable means). ``--lang en`` gives
the same in English. ``poster`` and ``bot`` are tested with their own fixtures
(tests/test_poster.py, tests/test_telegram_bot.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shequn.cli.plan import DEMO_BLUEPRINT
from tests.test_cli import EXAMPLE, Cli
from tests.test_cli_language import CHINESE, english_left

CONSOLE = re.compile(r"^\[demo-circle[^\n]*\n", re.M)
"""What the console connector sends (the members' messages and the actions' data)."""


def said(cli: Cli, *args: object) -> tuple[int, str]:
    code, out, err = cli.run(*args)
    return code, out + err


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(f"sqlite:///{tmp_path / 'shequn.db'}", capsys)


def test_simulate_says_its_summary_in_the_blueprints_language(cli: Cli) -> None:
    args = ("simulate", DEMO_BLUEPRINT, "--days", "10", "--scale", "0.1")
    code, text = said(cli, *args)
    assert code == 0, text
    line = re.fullmatch(
        r"demo-circle（sim:1）：(\d+) 个事件（新增 (\d+) 个，已存在 0 个），6 个群共 (\d+) 位成员，"
        r"2025-01-0\d … 2025-01-\d\d（UTC）",
        text.strip(),
    )
    assert line and line[1] == line[2] and int(line[3]) > 0, text
    code, text = said(cli, *args, "--lang", "en")  # again: nothing new, said in English
    assert code == 0 and text.startswith(f"demo-circle (sim:1): {line[1]} events (0 new, ")
    assert f"{line[1]} already stored), " in text and not CHINESE.search(text)


def test_demo_tells_its_story_in_the_demo_communitys_language(cli: Cli, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    code, text = said(cli, "demo", "--days", "30", "--db", db)
    assert code == 0, text
    story = CONSOLE.sub("", text)
    assert not english_left(story), sorted(english_left(story))
    assert re.search(r"demo-circle（sim:7）：\d+ 个事件（新增 \d+ 个", story)
    assert "增长：64 位新人通过裂变活动 'invite3' 和活码 'demo-bookshop' 而来" in story
    assert "demo-circle — 健康报告，截至" in story
    assert "日常运营 (shequn session plan, shequn checkin board):" in story
    assert "  群内预告\n" in story and "打卡营 camp-21 排行榜" in story
    board = story.split("排行榜")[1].split("\n\n")[0]
    assert "连续" in board and "sim:" not in board  # people by their names (item 11)
    assert "shequn 现在发出的消息 (shequn worker --once --connector console):" in story
    code, text = said(cli, "demo", "--days", "30", "--db", db, "--lang", "en")
    assert code == 0, text
    story = CONSOLE.sub("", text)
    assert re.search(r"demo-circle \(sim:7\): \d+ events \(0 new, \d+ already stored\)", story)
    assert "demo-circle — health report as of" in story and "健康报告" not in story
    assert "Routines (shequn session plan" in story and "announced in the group" in story
    assert "days in a row" in story and "What shequn sends now" in story
    assert not {"日常运营", "群内预告", "连续", "排行榜"} & set(CHINESE.findall(story))


def test_templates_show_and_preview_speak_the_community_language(cli: Cli) -> None:
    assert said(cli, "blueprint", "load", EXAMPLE / "community.toml")[0] == 0  # speaks zh
    code, text = said(cli, "templates", "show", "reward")
    assert code == 0, text
    assert text.startswith("reward — 邀请人达成裂变活动的一个奖励档位\n"), text
    assert "\n中文（default.reward.zh）：\n" in text and "\n英文（default.reward.en）：\n" in text
    assert re.search(r"│ campaign_name +│ 活动名称 +│", text)
    assert re.search(r"│ group +│ 群名称（消息与具体群无关时为 ''，如奖励） +│", text)
    assert "变量" in text and "meaning" not in text and "the campaign's name" not in text
    code, english = said(cli, "templates", "show", "reward", "--lang", "en")
    assert english.startswith("reward — an inviter reached a reward tier")
    assert "\nChinese (default.reward.zh):\n" in english and "the campaign's name" in english
    code, text = said(cli, "templates", "show", "rewrd")
    assert code == 1 and text.startswith("错误：没有消息模板 'rewrd'（已有：welcome, "), text
    code, text = said(cli, "templates", "preview", "reward", "--member", "x", "--blueprint", "y")
    assert code == 1 and text == "错误：--member 读取数据库；请去掉 --blueprint\n", text
    code, text = said(cli, "templates", "preview", "welcome")
    assert (code, text) == (0, "欢迎 lin、wang、zhao 加入读书会 1 群！\n")
    code, text = said(cli, "templates", "preview", "welcome", "--lang", "en")
    assert (code, text) == (0, "Welcome to 读书会 1 群, lin, wang, zhao!\n")

"""``shequn session …`` end to end: plan twice, move, ask, list, then the console worker
carries out what is due (a session planned for soon: announcement and collection at once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.test_cli import EXAMPLE, Cli, cli  # noqa: F401 (the fixture)


def test_session_commands_and_the_console_worker(cli: Cli) -> None:  # noqa: F811
    assert cli.json("blueprint", "load", EXAMPLE / "community.toml")["new"] == 4
    tz = ZoneInfo("Asia/Shanghai")
    soon = (datetime.now(UTC) + timedelta(days=1)).astimezone(tz).replace(second=0, microsecond=0)
    at = f"{soon:%Y-%m-%dT%H:%M}"
    first = cli.json("session", "plan", "main", "--title", "如何读完一本书", "--at", at)
    again = cli.json("session", "plan", "main", "--title", "如何读完一本书", "--at", at)
    assert first == again and first["status"] == "planned"
    sid = first["session"]
    assert cli.json("session", "ask", sid, "--member", "wechat:lin", "怎么坚持？")["collected"]
    [listed] = cli.json("session", "list")
    assert (listed["session"], listed["questions"]) == (sid, 1)
    code, out, err = cli.run("worker", "--once", "--connector", "console")
    assert code == 0, err
    assert "如何读完一本书" in out and out.count("分享预告") == 1
    code, out, _ = cli.run("worker", "--once", "--connector", "console")
    assert "分享预告" not in out  # ticking twice sends nothing twice
    later = f"{soon + timedelta(days=1):%Y-%m-%dT%H:%M}"
    moved = cli.json("session", "move", sid, "--at", later)
    assert moved["starts_at"] != first["starts_at"]
    code, out, _ = cli.run("worker", "--once", "--connector", "console")
    assert "改期" in out and "分享预告" not in out
    assert cli.json("session", "cancel", sid, "--reason", "讲者生病")["status"] == "cancelled"


def test_qa_commands_ask_answer_search_and_the_repeat(cli: Cli) -> None:  # noqa: F811
    cli.json("blueprint", "load", EXAMPLE / "community.toml")
    asked = cli.json("qa", "ask", "--member", "wechat:lin", "--group", "main", "怎么报名读书会？")
    assert asked["status"] == "open"
    [waiting] = cli.json("qa", "list", "--status", "open")
    assert waiting["text"] == "怎么报名读书会？"
    done = cli.json("qa", "answer", asked["question"], "--text", "点群公告里的报名链接")
    assert (done["status"], done["answered_by"]) == ("answered", "marked")
    [found] = cli.json("qa", "search", "读书会 报名")
    assert found["answer"] == "点群公告里的报名链接" and found["score"] > 0
    again = cli.json("qa", "ask", "--member", "wechat:amy", "请问怎么报名读书会")
    assert (again["status"], again["same_as"]) == ("repeated", asked["question"])
    code, out, err = cli.run("worker", "--once", "--connector", "console")
    assert code == 0, err
    assert "这个问题之前有人问过" in out and "点群公告里的报名链接" in out
    code, out, _ = cli.run("qa", "export")
    assert "### 怎么报名读书会？\n\n答：点群公告里的报名链接" in out


def test_envelope_commands_ask_record_and_list(cli: Cli) -> None:  # noqa: F811
    cli.json("blueprint", "load", EXAMPLE / "community.toml")
    assert cli.json("envelope", "test", "main")["requested"]
    assert not cli.json("envelope", "test", "main")["requested"]  # once a day
    sent = cli.json("envelope", "sent", "main", "--shares", "5", "--member", "wechat:lin",
                    "--envelope", "t1")  # fmt: skip
    assert sent == {"envelope": "t1", "new": True}
    [test] = cli.json("envelope", "tests")
    assert (test["envelope"], test["shares"], test["verdict"]) == ("t1", 5, None)

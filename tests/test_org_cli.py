"""``shequn levels|orgtask|motion`` end to end on the example community: grant, lock, tag,
evaluate, candidates; a task given and ticked; a motion moved, seconded and voted on, and the
console worker telling the group."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import EXAMPLE, Cli, cli, joined, write_jsonl  # noqa: F401 (the fixture)


def test_levels_tasks_and_motions_through_the_cli(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    assert cli.json("blueprint", "load", EXAMPLE / "community.toml")["new"] == 4
    cli.json("events", "add", write_jsonl(tmp_path / "j.jsonl", [joined(n) for n in range(3)]))
    a, b, c = (f"wechat:u{n}" for n in range(3))
    granted = cli.json("levels", "grant", a, "2", "--reason", "班长")
    assert [e["kind"] for e in granted] == ["level.granted", "level.locked"]
    assert cli.json("levels", "tag", a, "partner")[0]["data"]["tag"] == "partner"
    code, _, err = cli.run("levels", "tag", a, "king")
    assert code == 1 and err.startswith("错误：未知标签 'king'")  # the community speaks Chinese
    code, _, err = cli.run("levels", "tag", a, "king", "--lang", "en")
    assert code == 1 and err.startswith("error: unknown tag")
    [row] = cli.json("levels", "show")
    assert (row["member"], row["level"], row["locked"], row["tags"]) == (a, 2, True, ["partner"])
    assert cli.json("levels", "evaluate", "--dry-run") == []  # locked; nobody else qualifies
    assert isinstance(cli.json("levels", "candidates"), list)
    task = cli.json("orgtask", "give", b, "欢迎三位新人")["task"]
    assert cli.json("orgtask", "done", task)[0]["kind"] == "orgtask.done"
    assert cli.json("orgtask", "list")[0]["done_at"] is not None
    motion = cli.json("motion", "propose", "main", a, "每周六晚八点固定读书分享")["motion"]
    assert cli.run("motion", "second", motion, b)[0] == 0
    assert cli.run("motion", "vote", motion, c, "yes")[1] == "已投票\n"  # the example speaks zh
    assert "first vote stands" in cli.run("motion", "vote", motion, c, "no", "--lang", "en")[1]
    [listed] = cli.json("motion", "list")
    assert (listed["yes"], listed["no"], listed["result"]) == (1, 0, None)
    assert cli.json("roles", "set", a, "manager")["data"]["role"] == "manager"
    roles = [(r["member"], r["role"], r["group"]) for r in cli.json("roles", "list")]
    assert roles == [(a, "manager", None)]
    election = cli.json("election", "open", "main")["election"]
    assert cli.run("election", "nominate", election, b, b)[0] == 0
    assert cli.run("election", "vote", election, c, b)[0] == 1  # nominations still open
    [el] = cli.json("election", "list")
    assert (el["candidates"], el["ballots"], el["winners"]) == ([b], 0, None)
    assert cli.json("election", "audit", election) == []
    code, out, err = cli.run("worker", "--once", "--connector", "console")
    assert code == 0, err
    assert "每周六晚八点固定读书分享" in out and "/vote" in out and "不记名投票" in out


def test_a_motion_with_a_role_change_through_the_cli(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    cli.json("blueprint", "load", EXAMPLE / "community.toml")
    cli.json("events", "add", write_jsonl(tmp_path / "j.jsonl", [joined(n) for n in range(2)]))
    a, b = "wechat:u0", "wechat:u1"
    moved = cli.json(
        "motion", "propose", "main", a, "请 u1 担任组长", "--change", f"{b}=group_leader"
    )
    assert moved["group"] == "main"
    code, _, err = cli.run("motion", "propose", "main", a, "x", "--change", "group_leader")
    assert code == 2 and "MEMBER=ROLE" in err
    code, _, err = cli.run(
        "motion", "propose", "main", a, "x", "--change", f"{b}=owner", "--lang", "en"
    )
    assert code == 1 and "group_leader, member" in err

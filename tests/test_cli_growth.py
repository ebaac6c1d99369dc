"""The growth commands as an operator types them: links, the door, judges, intake, campaigns,
fraud cases (docs/entry.md, docs/fission.md). One SQLite file per test, through ``shequn``."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.growth_helpers import HEAD, group
from tests.test_cli import Cli, write_jsonl


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(f"sqlite:///{tmp_path / 'shequn.db'}", capsys)


def load(cli: Cli, tmp_path: Path, *groups: str, extra: str = "") -> None:
    path = tmp_path / "community.toml"
    path.write_text(HEAD + extra + "\n" + "\n".join(groups), encoding="utf-8")
    code, _, err = cli.run("blueprint", "load", path)
    assert code == 0, err


def event(kind: str, actor: str, ref: str, seconds: float, **extra: object) -> dict[str, object]:
    """An event ``seconds`` from now: the CLI decides at the wall clock."""
    return {
        "kind": kind,
        "occurred_at": (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(),
        "community": "readers",
        "actor": actor,
        "source": "bot",
        "source_ref": ref,
        **extra,
    }


def status(cli: Cli, *args: object) -> list[tuple[str | None, str]]:
    return [(e["group"], e["status"]) for e in cli.json(*args)]  # type: ignore[index,union-attr]


def test_a_live_code_fills_two_groups_then_waitlists(cli: Cli, tmp_path: Path):
    load(
        cli,
        tmp_path,
        group("g1", capacity=1),
        group("g2", capacity=1),
        extra='[fission]\nlink_url = "https://x.example/j?c={code}"\n',
    )
    link = cli.json("link", "create", "-g", "g1", "-g", "g2", "--channel", "salon")
    code = link["code"]  # type: ignore[index]
    assert len(code) == 12 and link["url"] == f"https://x.example/j?c={code}"  # type: ignore[index]
    assert status(cli, "entry", "request", "wechat:p1", "--link", code) == [("g1", "admitted")]
    assert status(cli, "entry", "request", "wechat:p2", "--link", code) == [("g2", "admitted")]
    assert status(cli, "entry", "request", "wechat:p3", "--link", code) == [(None, "waitlisted")]
    # a second scan by someone already placed changes nothing
    assert status(cli, "entry", "request", "wechat:p1", "--link", code) == [("g1", "admitted")]
    [listed] = cli.json("link", "list")  # type: ignore[misc]
    assert (listed["uses"], listed["channel"]) == (2, "salon")
    waiting = cli.json("entry", "list", "--status", "waitlisted")
    assert [e["identity"] for e in waiting] == ["wechat:p3"]  # type: ignore[index,union-attr]
    code_, _, err = cli.run("entry", "request", "wechat:p4", "--link", "nope", "--lang", "en")
    assert code_ == 1 and "no link 'nope' in 'readers'" in err


def test_two_of_three_judges_admit_and_rejections_give_reasons(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, group("club", gates=["application"], judges=3, approvals=2))
    first = cli.json("entry", "request", "wechat:amy", "--group", "club", "--answer", "why=读书")
    assert first[0]["status"] == "pending"  # type: ignore[index]
    cli.json("entry", "request", "wechat:bob", "--group", "club")
    assert len(cli.json("applications", "list")) == 2  # type: ignore[arg-type]
    review = ("applications", "review", "--group", "club")
    cli.json(*review, "wechat:amy", "--judge", "wechat:j1", "--approve")
    [amy] = cli.json(*review, "wechat:amy", "--judge", "wechat:j2", "--approve")  # type: ignore[misc]
    assert (amy["status"], amy["approvals"]) == ("admitted", 2)
    cli.json(*review, "wechat:bob", "--judge", "wechat:j1", "--reject", "--reason", "广告号")
    [bob] = cli.json(*review, "wechat:bob", "--judge", "wechat:j3", "--reject")  # type: ignore[misc]
    assert bob["status"] == "rejected" and "广告号" in bob["reason"]
    assert cli.json("applications", "list") == []
    code, _, err = cli.run(
        *review, "wechat:bob", "--judge", "wechat:j2", "--approve", "--lang", "en"
    )
    assert code == 1 and "no pending application" in err


def test_a_bad_answer_pair_is_one_line(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, group("club", gates=["application"]))
    code, out, err = cli.run("entry", "request", "wechat:amy", "--group", "club", "--answer", "why")
    assert (code, out, err.strip()) == (1, "", "错误：--answer 'why' 不是 KEY=VALUE 的形式")
    argv = ("entry", "request", "wechat:amy", "--group", "club", "--answer", "why", "--lang", "en")
    code, out, err = cli.run(*argv)
    assert (code, out, err.strip()) == (1, "", "error: --answer 'why' is not KEY=VALUE")
    code, _, err = cli.run("entry", "request", "wechat:amy")
    assert code == 1 and "请给出一个链接（代码）或要进入的群" in err  # the community speaks zh
    code, _, err = cli.run("entry", "request", "wechat:amy", "--lang", "en")
    assert code == 1 and "give a link (code) or a group" in err


def test_intake_rules_classify_and_a_manager_overrides(cli: Cli, tmp_path: Path):
    rules = '[[intake.rules]]\nfield = "card.company"\ncontains = "培训"\ncare = "ignore"\n'
    rules += 'stake = "competitor"\n'
    load(cli, tmp_path, group("main"), extra=rules)
    p = cli.json(
        "intake", "record", "wechat:eve", "--card", "company=某培训学校", "--survey", "x=1"
    )
    assert (p["care"], p["stake"], p["classified_by"]) == ("ignore", "competitor", "rule")  # type: ignore[index]
    p = cli.json("intake", "classify", "wechat:eve", "--care", "deep", "--stake", "partner")
    assert (p["care"], p["stake"], p["classified_by"]) == ("deep", "partner", "manager")  # type: ignore[index]
    p = cli.json("intake", "record", "wechat:eve", "--card", "company=另一家培训")
    assert (p["care"], p["stake"]) == ("deep", "partner")  # type: ignore[index]  # rules stay out
    code, _, err = cli.run(
        "intake", "classify", "wechat:eve", "--care", "warm", "--stake", "payer", "--lang", "en"
    )
    assert code == 1 and "care must be one of deep, cool, ignore" in err
    code, _, err = cli.run("intake", "record", "wechat:eve", "--card", "city", "--lang", "en")
    assert code == 1 and "--card 'city' is not KEY=VALUE" in err


def test_campaign_from_options_and_from_a_file(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, group("main"), group("city"))
    made = cli.json("campaign", "create", "invite3", "-g", "main", "--tier", "3=黑卡", "--tier",
                    "5=一对一", "--stay-days", "2")  # fmt: skip
    assert made["changed"] and made["campaign"]["tiers"][1] == {"invites": 5, "reward": "一对一"}  # type: ignore[index]
    again = cli.json("campaign", "create", "invite3", "-g", "main", "--tier", "3=黑卡", "--tier",
                     "5=一对一", "--stay-days", "2")  # fmt: skip
    assert again["changed"] is False  # type: ignore[index]
    spring = tmp_path / "spring.toml"
    spring.write_text(
        'name = "春季共读"\ngroups = ["city"]\nqualifying_task = "intro"\n'
        'starts_at = 2026-05-01T00:00:00+08:00\n[[tiers]]\ninvites = 1\nreward = "书签"\n',
        encoding="utf-8",
    )
    made = cli.json("campaign", "create", "spring", "--file", spring)
    assert made["campaign"]["groups"] == ["city"]  # type: ignore[index]
    assert made["campaign"]["qualifying_task"] == "intro"  # type: ignore[index]
    assert [c["slug"] for c in cli.json("campaign", "list")] == ["invite3", "spring"]  # type: ignore[index,union-attr]
    code, _, err = cli.run("campaign", "create", "bad", "--tier", "3")
    assert code == 1 and "--tier '3' 不是 N=奖励 的形式，例如 3=黑卡" in err
    code, _, err = cli.run("campaign", "create", "bad", "--tier", "3", "--lang", "en")
    assert code == 1 and "--tier '3' is not N=REWARD" in err


def test_a_bad_campaign_file_is_one_line_naming_the_key(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, group("main"))
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ngroups = ["main"]\nstay_days = -1\n', encoding="utf-8")
    code, out, err = cli.run("campaign", "create", "bad", "--file", bad)
    assert (code, out) == (1, "")
    [line] = err.strip().splitlines()
    assert line.startswith(f"error: {bad}:") and "stay_days" in line
    bad.write_text('name = "x"\ngroupz = ["main"]\n', encoding="utf-8")
    code, _, err = cli.run("campaign", "create", "bad", "--file", bad)
    assert code == 1 and "groupz" in err and len(err.strip().splitlines()) == 1
    bad.write_text('name = "x"\ngroups = ["nope"]\n', encoding="utf-8")
    code, _, err = cli.run("campaign", "create", "bad", "--file", bad)
    assert code == 1 and "中没有群 'nope'" in err  # the community speaks zh
    code, _, err = cli.run("campaign", "create", "bad", "--file", bad, "--lang", "en")
    assert code == 1 and "no group 'nope'" in err
    assert cli.json("campaign", "list") == []


def test_a_campaign_file_that_is_not_toml_is_one_line(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, group("main"))
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x\n', encoding="utf-8")
    code, _, err = cli.run("campaign", "create", "bad", "--file", bad)
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_campaign_show_and_a_fraud_case_reviewed(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, group("main"))
    ann, bo, cai = "wechat:ann", "wechat:bo", "wechat:cai"
    cli.json("events", "add", write_jsonl(tmp_path / "a.jsonl", [
        event("member.joined", ann, "j-ann", -3600, group="main")]))  # fmt: skip
    cli.json("campaign", "create", "invite3", "--tier", "2=黑卡")
    link = cli.json("link", "create", "--purpose", "referral", "--owner", ann, "--campaign",
                    "invite3")  # fmt: skip
    assert link["owner"] == ann and link["purpose"] == "referral"  # type: ignore[index]
    for who in (bo, cai):
        cli.json("entry", "request", who, "--link", link["code"])  # type: ignore[index]
    # the platform reports the joins; bo's "friend" cai then invites ann back: a ring
    ring = event("member.invited", cai, "ring", 0.4, group="main", subject=ann,
                 data={"campaign": "invite3"})  # fmt: skip
    joins = [event("member.joined", who, f"j-{who}", 0.2, group="main") for who in (bo, cai)]
    time.sleep(0.5)  # counted once they have joined, by the wall clock
    cli.json("events", "add", write_jsonl(tmp_path / "j.jsonl", [*joins, ring]))
    board = cli.json("campaign", "show", "invite3")
    assert board[0] == {  # type: ignore[index]
        "inviter": ann,
        "inviter_name": None,  # ann has no display name: --json keeps the key, adds the name
        "counted": [bo, cai],
        "waiting": [],
        "uncounted": {},
        "count": 2,
    }
    [case] = cli.json("fraud", "list", "--status", "review")  # type: ignore[misc]
    assert (case["inviter"], case["invitee"], case["score"]) == (cai, ann, 100)
    assert set(case["reasons"]) == {"already_member", "ring"}
    assert cli.json("fraud", "review", case["case"], "--uphold", "--reason", "互刷")["status"] == (  # type: ignore[index]
        "upheld"
    )
    code, _, err = cli.run("fraud", "review", case["case"], "--uphold", "--lang", "en")
    assert code == 1 and "is already upheld" in err
    code, _, err = cli.run("fraud", "review", "case:nope", "--overturn", "--lang", "en")
    assert code == 1 and "no fraud case 'case:nope'" in err
    mine = cli.json("campaign", "show", "invite3", "--member", ann)
    assert mine[0]["count"] == 2  # type: ignore[index]
    code, _, err = cli.run("campaign", "show", "nope", "--lang", "en")
    assert code == 1 and "no campaign 'nope'" in err


def test_a_bot_reads_the_outbox_and_reports_back(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, group("g1", capacity=1), group("g2", capacity=1))
    code = cli.json("link", "create", "-g", "g1", "--code", "SALON1")["code"]  # type: ignore[index]
    cli.json("entry", "request", "wechat:p1", "--link", code)
    assert status(cli, "entry", "request", "wechat:p2", "--link", code) == [(None, "waitlisted")]
    admits = cli.json("actions", "list", "--kind", "member.admit")
    assert [a["payload"] for a in admits] == [
        {"identity": "wechat:p1", "link": "SALON1", "channel": "live_code"}
    ]  # type: ignore[index]
    (ask,) = cli.json("actions", "list", "--kind", "group.create")  # type: ignore[misc]
    assert ask["payload"]["suggested_slug"] == "g1-2"
    done = cli.json("actions", "done", str(admits[0]["id"]), "--result", '{"chat": 42}')  # type: ignore[index]
    assert (done["status"], done["result"]) == ("done", {"chat": 42})  # type: ignore[index]
    code_, _, err = cli.run("actions", "done", str(admits[0]["id"]), "--lang", "en")  # type: ignore[index]
    assert code_ == 1 and "done already" in err
    # the operator opened g2: the live code takes it in and the waitlisted newcomer gets a seat
    cli.json("link", "update", "SALON1", "-g", "g1", "-g", "g2")
    assert status(cli, "entry", "request", "wechat:p2", "--link", "SALON1") == [("g2", "admitted")]

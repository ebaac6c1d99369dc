"""The CLI as a user drives it: the example community, re-imports, bad files, --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequn.cli.app import main
from shequn.cli.common import state

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "study-group"
HEAD = sorted(
    p.stem.split("_")[0] for p in (ROOT / "src/shequn/store/migrations/versions").glob("0*.py")
)[-1]


class Cli:
    """Runs ``shequn`` in-process against one database and returns (code, stdout, stderr)."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url, self.capsys = url, capsys

    def run(self, *args: object) -> tuple[int, str, str]:
        self.capsys.readouterr()
        state.debug = False
        code = main(["--db", self.url, *map(str, args)])
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *args: object) -> object:
        code, out, err = self.run(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(database_url, capsys)


@pytest.fixture
def loaded(cli: Cli) -> Cli:
    assert cli.json("blueprint", "load", EXAMPLE / "community.toml")["new"] == 4
    return cli


def write_jsonl(path: Path, lines: list[dict[str, object] | str]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def joined(n: int) -> dict[str, object]:
    return {
        "kind": "member.joined",
        "occurred_at": f"2026-03-02T09:{n % 60:02d}:00+08:00",
        "community": "study-circle",
        "group": "main",
        "actor": f"wechat:u{n}",
        "source": "test",
        "source_ref": f"j{n}",
        "data": {"actor_name": f"user {n}"},
    }


def test_example_week_loads_and_reimport_adds_nothing(loaded: Cli):
    first = loaded.json("events", "add", EXAMPLE / "events.jsonl")
    again = loaded.json("events", "add", EXAMPLE / "events.jsonl")
    assert first["new"] > 100 and first["duplicate"] == 0
    assert (again["new"], again["duplicate"]) == (0, first["new"])
    groups = {g["slug"]: g for g in loaded.json("groups", "list")}
    assert set(groups) >= {"main", "camp-21", "senior"}
    assert groups["main"]["active_members"] > 10
    members = loaded.json("members", "list", "--limit", "1000")
    assert len(members) == len({m["key"] for m in members}) > 20
    code, out, _ = loaded.run("members", "list")  # the example community speaks Chinese
    assert code == 0 and "位成员" in out
    code, out, _ = loaded.run("members", "list", "--lang", "en")
    assert code == 0 and "members" in out


def test_truncated_line_names_file_and_line_and_adds_nothing(loaded: Cli, tmp_path: Path):
    lines: list[dict[str, object] | str] = [joined(n) for n in range(36)]
    lines.append(json.dumps(joined(36))[:40])  # line 37, cut short
    lines += [joined(n) for n in range(37, 50)]
    path = write_jsonl(tmp_path / "week.jsonl", lines)
    code, out, err = loaded.run("events", "add", path, "--lang", "en")
    assert code == 1 and out == ""
    [line] = err.strip().splitlines()
    assert line.startswith(f"error: {path}:37: not valid JSON")
    assert line.endswith("(is the line cut short?)")
    assert loaded.json("events", "tail", "-n", "100")[-1]["kind"] == "group.configured"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"kind": "member.flew"}, "unknown event kind 'member.flew'"),
        ({"occurred_at": "2026-03-02 09:00"}, "has no time zone"),
        ({"occurred_at": "soon"}, "is not an ISO 8601 time"),
    ],
)
def test_bad_lines_are_named(loaded: Cli, tmp_path: Path, bad: dict[str, object], message: str):
    path = write_jsonl(tmp_path / "x.jsonl", [joined(1), joined(2), {**joined(3), **bad}])
    code, _, err = loaded.run("events", "add", path, "--lang", "en")
    assert code == 1
    assert f"{path}:3: " in err and message in err


def test_events_check_lists_every_bad_line(cli: Cli, tmp_path: Path):
    path = write_jsonl(tmp_path / "x.jsonl", [joined(1), "{", joined(2), {"kind": "nope"}])
    code, out, _ = cli.run("events", "check", path, "--lang", "en")
    assert code == 1
    assert f"{path}:2:" in out and f"{path}:4:" in out and "2 valid events, 2 bad lines" in out


def test_unknown_community_is_one_clear_line(cli: Cli, tmp_path: Path):
    code, _, err = cli.run("events", "add", write_jsonl(tmp_path / "x.jsonl", [joined(1)]))
    assert code == 1
    assert "unknown community 'study-circle': load its blueprint first" in err


def test_missing_file(cli: Cli, tmp_path: Path):
    code, _, err = cli.run("events", "add", tmp_path / "nope.jsonl", "--lang", "en")
    assert (code, err.strip()) == (1, f"error: {tmp_path / 'nope.jsonl'}: no such file")


def test_merge_through_the_cli(loaded: Cli, tmp_path: Path):
    path = write_jsonl(tmp_path / "x.jsonl", [joined(1), {**joined(2), "actor": "qq:12345"}])
    loaded.run("events", "add", path)
    merged = loaded.json("members", "merge", "wechat:u1", "qq:12345")
    assert merged["kind"] == "identity.merged"
    shown = loaded.json("members", "show", "qq:12345")
    assert shown["key"] == "wechat:u1" and len(shown["identities"]) == 2
    assert loaded.json("members", "unmerge", "qq:12345")["kind"] == "identity.unmerged"
    code, _, err = loaded.run("members", "unmerge", "qq:12345", "--lang", "en")
    assert code == 1 and "is not merged into anyone" in err


def test_rebuild_and_db_upgrade(loaded: Cli):
    loaded.run("events", "add", EXAMPLE / "events.jsonl")
    before = loaded.json("members", "list", "--limit", "1000")
    n = loaded.json("rebuild")["replayed"]
    assert n == len(loaded.json("events", "tail", "-n", "100000"))
    assert loaded.json("members", "list", "--limit", "1000") == before
    code, out, _ = loaded.run("db", "upgrade", "--lang", "en")
    assert code == 0 and f"revision {HEAD}" in out


def test_debug_shows_the_traceback(cli: Cli, tmp_path: Path):
    from shequn.errors import InputFormatError

    with pytest.raises(InputFormatError):
        main(["--db", cli.url, "--debug", "events", "add", str(tmp_path / "nope.jsonl")])


def test_report_on_the_example_week(loaded: Cli):
    code, out, _ = loaded.run("report")  # the example community speaks Chinese
    assert code == 0 and "还没有事件" in out
    code, out, _ = loaded.run("report", "--lang", "en")
    assert code == 0 and "no events yet" in out
    loaded.run("events", "add", EXAMPLE / "events.jsonl")
    report = loaded.json("report")
    assert report["as_of"] == "2025-03-09"
    assert report["headline"]["dau"] > 0
    assert {g["group"] for g in report["groups"]} == {"main", "camp-21", "senior"}
    (cohort,) = report["sections"]["k_factor"]  # the AARRR referral step: one March cohort
    assert cohort["size"] > 0 and cohort["k"] is not None
    code, out, _ = loaded.run("report")
    assert code == 0 and "健康报告，截至 2025-03-09" in out and "K 因子" in out
    code, out, _ = loaded.run("report", "--lang", "en")
    assert code == 0 and "health report as of 2025-03-09" in out and "K-factor" in out


def test_metrics_listing_and_one_metric(loaded: Cli):
    names = {m["name"] for m in loaded.json("metrics")}
    assert {"activity", "life_cycle"} <= names
    loaded.run("events", "add", EXAMPLE / "events.jsonl")
    rows = loaded.json("metrics", "activity", "--group", "camp-21")
    assert rows[-1]["day"] == "2025-03-09"
    code, _, err = loaded.run("metrics", "activity", "-p", "nope=1", "--lang", "en")
    assert code == 1 and "bad --param 'nope=1'" in err


def test_a_parameter_a_metric_refuses_is_one_line(loaded: Cli):
    loaded.run("events", "add", EXAMPLE / "events.jsonl")
    code, _, err = loaded.run("metrics", "noise_vs_value", "-p", "period=year", "--lang", "en")
    assert code == 1 and err.strip().startswith("error: noise_vs_value: period must be one of")

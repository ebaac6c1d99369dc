"""`shequn import` on a fresh database: the export founds a community; a blueprint comes later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequn.cli.app import main
from shequn.model.blueprint import Blueprint
from shequn.store.db import Store
from tests.import_helpers import BLUEPRINT

DATA = Path(__file__).parent / "data"
QQ = DATA / "qq" / "读书会.txt"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_import_on_a_fresh_database_creates_the_community(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", f"sqlite:///{tmp_path}/x.db"]
    export = tmp_path / "Reading Club.txt"
    export.write_bytes(QQ.read_bytes())
    first = run(capsys, *db, "import", str(export), "--tz", "Asia/Shanghai", "--json")
    assert first["community_created"] is True
    assert any("created community 'reading-club'" in n and "Asia/Shanghai" in n
               for n in first["notes"])  # fmt: skip
    assert first["new"] == first["events"]  # the founding events are not counted as imported
    again = run(capsys, *db, "import", str(export), "--json")
    assert (again["new"], again["community_created"]) == (0, False)

    with Store.open(f"sqlite:///{tmp_path}/x.db").read() as conn:
        from shequn.store.growth_queries import get_blueprint
        from shequn.store.queries import get_community, list_groups

        assert get_community(conn, "reading-club").timezone == "Asia/Shanghai"
        bp = get_blueprint(conn, "reading-club")  # a valid blueprint, its placeholders marked
        assert isinstance(bp, Blueprint) and bp.platforms == ["qq"]
        assert bp.purpose.pain_point.startswith("(not set")
        groups = {g.slug: g for g in list_groups(conn)}
    assert groups["qq-d007a9ee86"].platform == "qq"  # item 7: imported groups show a platform

    capsys.readouterr()
    assert main([*db, "groups", "list"]) == 0
    assert "qq" in capsys.readouterr().out


def test_a_blueprint_loaded_later_takes_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", f"sqlite:///{tmp_path}/x.db"]
    slug = "study-circle"  # the example blueprint's community
    run(capsys, *db, "import", str(QQ), "--community", slug, "--tz", "UTC", "--json")
    assert main([*db, "blueprint", "load", str(BLUEPRINT)]) == 0
    with Store.open(f"sqlite:///{tmp_path}/x.db").read() as conn:
        from shequn.store.growth_queries import get_blueprint

        assert not get_blueprint(conn, slug).purpose.pain_point.startswith("(not set")


def test_the_summary_speaks_the_community_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 23 item 10: the summary and its notes in the new community's language — the
    blueprint's default (zh), or ``--lang``, which the community made from the export keeps."""
    export = tmp_path / "Reading Club.txt"
    export.write_bytes(QQ.read_bytes())
    zh = ["--db", f"sqlite:///{tmp_path}/zh.db"]
    assert main([*zh, "import", str(export), "--tz", "Asia/Shanghai"]) == 0
    first = capsys.readouterr().out
    assert "新增" in first and "说明：新数据库：已根据此导出创建社群 'reading-club'" in first
    assert " new, " not in first and "note:" not in first
    assert main([*zh, "import", str(export)]) == 0  # the community now speaks Chinese
    again = capsys.readouterr().out
    assert "新增 0，已存在" in again, again
    assert main([*zh, "import", str(export), "--lang", "en"]) == 0  # this once in English
    assert ": 0 new, " in capsys.readouterr().out

    en = ["--db", f"sqlite:///{tmp_path}/en.db"]
    assert main([*en, "import", str(export), "--tz", "UTC", "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "new, 0 already stored" in text and "note: a fresh database" in text
    assert main([*en, "import", str(export)]) == 0  # the community made from it is English
    assert ": 0 new, " in capsys.readouterr().out

"""The community blueprint (P-POS-1..7): schema, defaults, problems, template and CLI."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from shequn.cli.blueprint import blueprint_app, init_command
from shequn.errors import BlueprintError, Conflict, NotFound
from shequn.model.blueprint import (
    DEFAULT_LADDER,
    PLATFORM_CAPACITY,
    Blueprint,
    check_blueprint,
    load_blueprint,
)
from shequn.model.blueprint_template import render_blueprint

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "study-group" / "community.toml"

MINIMAL = """
platforms = ["wechat", "telegram", "dingtalk"]

[community]
slug = "readers"
name = "Readers"
start_date = 2025-03-01

[purpose]
focus = "acquire"
value = ["information"]
pain_point = "reading alone, nobody to talk to"

[people]
founder = "Lin"

[realization]
model = "membership"

[[groups]]
slug = "main"
name = "Main"
platform = "wechat"

[[groups]]
slug = "tg"
name = "Telegram"
platform = "telegram"

[[groups]]
slug = "ding"
name = "DingTalk"
platform = "dingtalk"
"""


def write(tmp_path: Path, text: str, name: str = "community.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def cli() -> typer.Typer:
    """The two commands mounted the way the main app mounts them (each with its --lang)."""
    from shequn.cli.common import SpeakingGroup

    app = typer.Typer(cls=SpeakingGroup)
    app.add_typer(blueprint_app, name="blueprint")
    app.command("init")(init_command)
    return app


runner = CliRunner()


# --- the schema -------------------------------------------------------------------------


def test_example_study_group_loads() -> None:
    bp = load_blueprint(EXAMPLE)
    assert bp.community.slug == "study-circle"
    assert (bp.community.language, bp.community.timezone) == ("zh", "Asia/Shanghai")
    assert [g.slug for g in bp.groups] == ["main", "camp-21", "senior"]
    assert bp.group("main").capacity == PLATFORM_CAPACITY["wechat"]
    assert bp.group("camp-21").capacity == 200
    assert {c.kind for c in bp.channels} >= {"content", "offline"}


def test_defaults_come_from_the_seeds(tmp_path: Path) -> None:
    bp = load_blueprint(write(tmp_path, MINIMAL))
    assert bp.community.planned_life_months == 24  # a community lives about 2 years
    assert bp.community.planned_end == date(2027, 3, 1)
    assert (bp.community.language, bp.community.timezone) == ("zh", "Asia/Shanghai")
    assert bp.culture.banned_topics == ["politics", "religion"]
    assert [g.capacity for g in bp.groups] == [500, 200_000, 1000]
    assert {g.stage for g in bp.groups} == {"fan"}
    assert bp.realization.ladder == list(DEFAULT_LADDER)
    assert [s.price for s in bp.realization.ladder] == [0, 9.9, None, None, None]


def test_an_omitted_price_is_zero_only_on_the_free_step(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'model = "membership"',
        'model = "membership"\nladder = [{name = "live", tier = "free"},'
        ' {name = "course", tier = "mid"}]',
    )
    ladder = load_blueprint(write(tmp_path, text)).realization.ladder
    assert [(s.tier, s.price, s.currency) for s in ladder] == [
        ("free", 0, "CNY"),
        ("mid", None, "CNY"),
    ]


def test_to_dict_is_json_and_loads_back(tmp_path: Path) -> None:
    bp = load_blueprint(EXAMPLE)
    data = json.loads(json.dumps(bp.to_dict()))
    assert data["community"]["start_date"] == "2025-03-01"
    assert Blueprint.model_validate(data) == bp


def test_group_lookup_names_what_is_missing() -> None:
    bp = load_blueprint(EXAMPLE)
    with pytest.raises(NotFound, match="no group 'nope' in blueprint 'study-circle'"):
        bp.group("nope")


# --- problems: every one, with its key path ----------------------------------------------


def test_every_mistake_is_reported_with_its_key_path(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace(
            "start_date = 2025-03-01", 'start_date = 2025-03-01\ntimezone = "Asia/Shangai"'
        )
        .replace('focus = "acquire"', 'focus = ["acquire", "convert"]')
        .replace('slug = "tg"', 'slug = "main"')
        .replace('platform = "dingtalk"', 'platform = "qq"\ncapactiy = 300')
    )
    problems = dict(check_blueprint(write(tmp_path, text)))
    assert problems == {
        "community.timezone": "unknown time zone 'Asia/Shangai' (did you mean 'Asia/Shanghai'?)",
        "purpose.focus": (
            "pick one main focus (P-POS-1) of acquire, convert, retain, brand; "
            "got ['acquire', 'convert']"
        ),
        "groups[1].slug": "'main' is already used by groups[0]",
        "groups[2].capactiy": "unknown key 'capactiy' (did you mean 'capacity'?)",
        "groups[2].platform": "'qq' is not in platforms (wechat, telegram, dingtalk); add it there",
    }
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(tmp_path / "community.toml")
    assert len(caught.value.problems) == 5


def test_human_messages_for_choices_numbers_and_sections(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace('model = "membership"', 'model = "courses"')
        .replace('value = ["information"]', "value = []")
        .replace('platform = "telegram"', 'platform = "telegram"\ncapacity = 0')
        .replace("[people]", 'platforms = ["qq"]\n[people]')
    )
    problems = check_blueprint(write(tmp_path, text))
    assert problems == [
        ("purpose.value", "needs at least one entry"),
        (
            "purpose.platforms",
            "unknown key 'platforms': top-level keys go before the first [table] header",
        ),
        (
            "realization.model",
            "must be one of product, membership, ecommerce, traffic (got 'courses')",
        ),
        ("groups[1].capacity", "must be greater than 0 (got 0)"),
    ]


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[community]\nslug = "readers"\nname = \n')
    assert check_blueprint(path) == [("<toml>", "line 3, column 8: Invalid value")]


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert check_blueprint(missing) == [("<file>", "no such file")]
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(missing)
    assert caught.value.problems == [("<file>", "no such file")]
    assert str(missing) in str(caught.value)


# --- the template ----------------------------------------------------------------------


def test_rendered_template_round_trips(tmp_path: Path) -> None:
    text = render_blueprint(
        slug="quotes",
        name='The "Readers" \\ club',
        founder="林老师",
        pain_point='nobody to talk to\nabout "books"',
        start_date=date(2025, 3, 1),
        platforms=["telegram", "wechat"],
        groups=[("main", "主群"), ("camp", "打卡营")],
        language="en",
    )
    bp = load_blueprint(write(tmp_path, text))
    assert bp.community.name == 'The "Readers" \\ club'
    assert bp.purpose.pain_point == 'nobody to talk to\nabout "books"'
    assert [(g.slug, g.platform, g.capacity) for g in bp.groups] == [
        ("main", "telegram", 200_000),
        ("camp", "telegram", 200_000),
    ]
    assert "P-POS-1" in text and "P-POS-7" in text and "9.9" in text


def test_template_numbers_groups_in_the_community_language() -> None:
    text = render_blueprint(
        slug="s", name="读书会", founder="f", pain_point="p", start_date="2025-03-01", groups=2
    )
    assert '"读书会1群"' in text and '"读书会2群"' in text


# --- the CLI ---------------------------------------------------------------------------


def test_check_ok(cli: typer.Typer) -> None:
    result = runner.invoke(cli, ["blueprint", "check", str(EXAMPLE), "--lang", "en"])
    assert result.exit_code == 0
    assert result.output == "ok: study-circle — 3 groups\n"


def test_check_prints_every_problem_and_fails(cli: typer.Typer, tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace('founder = "Lin"', 'founder = "Lin"\nfunder = 1'))
    result = runner.invoke(cli, ["blueprint", "check", str(path), "--lang", "en"])
    assert result.exit_code == 1
    assert result.output == "people.funder: unknown key 'funder' (did you mean 'founder'?)\n"

    as_json = runner.invoke(cli, ["blueprint", "check", str(path), "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {
        "ok": False,
        "problems": [
            {"key": "people.funder", "message": "unknown key 'funder' (did you mean 'founder'?)"}
        ],
    }


def test_init_with_every_flag_writes_a_valid_blueprint(cli: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "c" / "community.toml"
    args = ["init", str(path), "--yes", "--slug", "study-circle", "--name", "读书会"]
    args += ["--founder", "林老师", "--focus", "retain", "--pain-point", "坚持不下来"]
    args += ["--timezone", "Asia/Shanghai", "--language", "zh", "--start-date", "2025-03-01"]
    args += ["-p", "wechat", "-p", "qq", "--groups", "main:主群,camp:打卡营", "--lang", "en"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "fill in" not in result.output
    assert check_blueprint(path) == []
    bp = load_blueprint(path)
    assert (bp.purpose.focus, bp.platforms) == ("retain", ["wechat", "qq"])
    assert [(g.slug, g.name) for g in bp.groups] == [("main", "主群"), ("camp", "打卡营")]
    checked = runner.invoke(cli, ["blueprint", "check", str(path), "--lang", "en"])
    assert checked.output == "ok: study-circle — 2 groups\n"


def test_init_yes_uses_defaults_and_says_what_to_fill_in(cli: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "community.toml"
    result = runner.invoke(cli, ["init", str(path), "-y", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "fill in: founder, pain_point" in result.output
    bp = load_blueprint(path)
    assert (bp.community.slug, bp.community.start_date) == ("my-community", date.today())
    assert len(bp.groups) == 1


def test_init_refuses_to_overwrite(cli: typer.Typer, tmp_path: Path) -> None:
    path = write(tmp_path, "# mine\n")
    result = runner.invoke(cli, ["init", str(path), "-y"])
    assert isinstance(result.exception, Conflict)
    assert "already exists; pass --force" in str(result.exception)
    assert path.read_text(encoding="utf-8") == "# mine\n"

    forced = runner.invoke(cli, ["init", str(path), "-y", "--force"])
    assert forced.exit_code == 0
    assert check_blueprint(path) == []


def test_init_with_a_bad_answer_writes_nothing(cli: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "community.toml"
    result = runner.invoke(cli, ["init", str(path), "-y", "--focus", "growth"])
    assert isinstance(result.exception, BlueprintError)
    assert result.exception.problems == [
        ("purpose.focus", "must be one of acquire, convert, retain, brand (got 'growth')")
    ]
    assert not path.exists()


def test_init_asks_and_re_asks_until_the_answer_is_valid(cli: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "community.toml"
    answers = [
        "Study Circle",  # name
        "",  # slug: accept the one derived from the name
        "林老师",  # founder
        "growth",  # focus: not a choice, asked again
        "retain",
        "想读书却坚持不下来",  # pain point
        "",  # language: default zh
        "Asia/Shangai",  # time zone: typo, asked again
        "Asia/Shanghai",
        "2025-03-01",  # start date
        "wechat,knowledge_planet",  # platforms
        "Main Group:x",  # groups: not a slug, asked again
        "3",
    ]
    result = runner.invoke(cli, ["init", str(path)], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "Error: must be one of acquire, convert, retain, brand" in result.output
    assert "did you mean 'Asia/Shanghai'?" in result.output
    assert "'Main Group' is not a slug" in result.output
    bp = load_blueprint(path)
    assert (bp.community.slug, bp.community.name) == ("study-circle", "Study Circle")
    assert (bp.purpose.focus, bp.community.start_date) == ("retain", date(2025, 3, 1))
    assert [g.slug for g in bp.groups] == ["group-1", "group-2", "group-3"]
    assert bp.platforms == ["wechat", "knowledge_planet"]


def test_init_re_asks_in_english_beside_a_chinese_community(tmp_path: Path, monkeypatch) -> None:
    """The store already holds a zh community (not the one being written): init's questions
    are English, and so are their re-asks — they do not borrow that community's language."""
    from shequn.cli.app import app

    monkeypatch.setenv("SHEQUN_DATABASE_URL", f"sqlite:///{tmp_path / 'shequn.db'}")
    loaded = runner.invoke(app, ["blueprint", "load", str(EXAMPLE)])
    assert loaded.exit_code == 0, loaded.output
    answers = ["Circle", "", "Ann", "growth", "retain", "pain", "en", "UTC", "2025-03-01",
               "telegram", "1"]  # fmt: skip
    result = runner.invoke(app, ["init", str(tmp_path / "c.toml")], input="\n".join(answers))
    assert result.exit_code == 0, result.output
    assert "Error: must be one of acquire, convert, retain, brand" in result.output
    assert "wrote " in result.output  # the new community speaks English


# --- the docs --------------------------------------------------------------------------


def test_reference_documents_every_key() -> None:
    doc = (ROOT / "docs" / "blueprint.md").read_text(encoding="utf-8")
    missing = []
    for section, field in Blueprint.model_fields.items():
        model = field.annotation
        inner = getattr(model, "__args__", (model,))[0]
        keys = list(getattr(inner, "model_fields", {}))
        missing += [f"{section}.{k}" for k in keys if f"`{k}`" not in doc]
        missing += [section] if f"`{section}`" not in doc else []
    assert missing == []


def test_minimal_example_in_the_docs_loads(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "blueprint.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    bp = load_blueprint(write(tmp_path, example))
    assert (bp.community.slug, bp.group("main").capacity) == ("readers", 500)

"""Message templates (issue 14): every text the engine sends is named, worded by the blueprint
in the community's language, rendered in a sandbox, and checked with key paths (docs/templates.md).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, meta

from shequn.engine.entry import Request, enter
from shequn.engine.entry_rules import DoorView, Knock, decide_entry
from shequn.engine.fission import Progress, decide_rewards, progress_message
from shequn.engine.rules.damping import decide_damping
from shequn.engine.rules.ladder import Offence, decide_step
from shequn.engine.rules.reverse import decide_reversal
from shequn.engine.rules.verdict import Verdict
from shequn.engine.seats import decide_expiry
from shequn.engine.waves import decide_wave
from shequn.errors import BlueprintError, NotFound
from shequn.model.actions import Action
from shequn.model.blueprint import check_blueprint, parse_blueprint
from shequn.model.blueprint_growth import Campaign, RewardTier
from shequn.model.blueprint_rules import Damping, Ladder
from shequn.model.entities import EntryState, Link
from shequn.model.i18n import catalogue
from shequn.model.talk import Said
from shequn.model.templates import SAID_SUFFIX, render_payload, render_text
from shequn.model.templates_table import COMMON, LANGS, TEMPLATES
from shequn.store.seat_queries import Seats
from tests.engagement_helpers import engagement_messages
from tests.growth_helpers import COMMUNITY, HEAD, T0, at, blueprint, group, loaded, wx
from tests.money_helpers import money_blueprint, money_messages
from tests.org_helpers import org_messages
from tests.test_cli import Cli

EN = HEAD.replace('name = "读书会"', 'name = "Readers"\nlanguage = "en"')
PARSER = Environment(autoescape=True)  # only parses: which variables a default names
WAVE = {"template": "welcome", "group": "main", "names": ["lin", "wang"], "count": 2, "wave": 1}


def _bp(head: str = HEAD, *groups: str, extra: str = "") -> Any:
    return parse_blueprint(head + extra + "\n" + "\n".join(groups or (group("main"),)))


# -- rendering ------------------------------------------------------------------------------


def test_the_community_language_picks_the_text_and_the_list_separator():
    assert render_payload(_bp(), WAVE) == "欢迎 lin、wang 加入main！"
    assert render_payload(_bp(EN), WAVE) == "Welcome to main, lin, wang!"


def test_a_community_override_replaces_only_the_language_it_names():
    extra = '[templates.welcome]\nen = "Hi {{ names }} ({{ count }}), from {{ community }}"\n'
    assert render_payload(_bp(EN, extra=extra), WAVE) == "Hi lin, wang (2), from Readers"
    assert render_payload(_bp(HEAD, extra=extra), WAVE) == "欢迎 lin、wang 加入main！"


def test_a_group_overrides_the_community_and_old_entry_texts_still_work():
    community = '[templates.welcome]\nzh = "社区欢迎 {{ names }}"\n'
    legacy = group("main", welcome="老式欢迎 {names}，第 {wave} 批")
    assert render_payload(_bp(HEAD, legacy, extra=community), WAVE) == "老式欢迎 lin、wang，第 1 批"
    own = group("main") + '[groups.templates.welcome]\nzh = "本群欢迎 {{ names }}"\n'
    assert render_payload(_bp(HEAD, own, extra=community), WAVE) == "本群欢迎 lin、wang"
    other = {**WAVE, "group": "other"}  # a group without texts gets the community's
    two = _bp(HEAD, own, group("other"), extra=community)
    assert render_payload(two, other) == "社区欢迎 lin、wang"
    old = group("main", rejection="抱歉：{reason}")
    said = {"template": "rejection", "group": "main", "reason": "已满"}
    assert render_payload(_bp(HEAD, old), said) == "抱歉：已满"


def test_plain_text_passes_through_and_an_unknown_template_is_not_found():
    assert render_payload(_bp(), {"text": "{{ not rendered }}"}) == "{{ not rendered }}"
    with pytest.raises(NotFound, match="rewrd"):
        render_payload(_bp(), {"template": "rewrd"})


def test_every_default_renders_with_its_example_values_in_both_languages():
    for spec in TEMPLATES.values():
        assert set(spec.example) == set(spec.variables), spec.name
        for lang in LANGS:
            text = render_text(spec.default(lang), {**COMMON_VALUES, **spec.example}, spec.name)
            assert "{" not in text and text.strip(), (spec.name, lang, text)


def test_the_shipped_texts_are_the_catalogues_english_and_chinese():
    """Issue 23 item 10: a default's English is its message id and its Chinese the catalogue's
    translation (no Chinese in Python tables); a step of the ladder is said in pieces."""
    zh = catalogue("zh")
    welcome = TEMPLATES["welcome"]
    assert welcome.text == welcome.en == "Welcome to {{ group }}, {{ names }}!"
    assert welcome.zh == zh[welcome.text] == "欢迎 {{ names }} 加入{{ group }}！"
    assert welcome.when_zh == "一批新人入群：整批一条欢迎语，发在群里"
    warning = TEMPLATES["moderation_warning"]
    assert isinstance(warning.text, tuple) and all(part in zh for part in warning.text)
    assert warning.zh.startswith("{{ name }}，警告：{% if rule == 'advert' %}发广告请先")
    assert warning.zh.endswith("（{{ evidence }}）。再犯将被禁言。如有异议可发送 /appeal 申诉。")
    assert warning.when_zh == "成员违反群规，处理步骤为警告：发在群里"
    for spec in TEMPLATES.values():
        parts = (spec.text,) if isinstance(spec.text, str) else spec.text
        assert all(part in zh for part in parts), spec.name
        assert getattr(spec.when, "msgid", spec.when) in zh, spec.name


COMMON_VALUES = {name: "x" for name in COMMON}


# -- the sandbox ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{{ ''.__class__ }}",
        "{{ names.__class__.__mro__ }}",
        "{{ reason['__class__'] }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ names.format }}",
        '{{ "{0.__class__}".format(names) }}',
    ],
)
def test_the_sandbox_refuses_attribute_tricks(text: str):
    with pytest.raises(BlueprintError) as refused:
        render_text(text, {"names": "a", "reason": "r"}, "templates.rejection.zh")
    assert refused.value.problems[0][0] == "templates.rejection.zh"
    assert "refused by the sandbox" in refused.value.problems[0][1]  # no value, no leak


def test_a_missing_variable_is_an_error_not_an_empty_hole():
    with pytest.raises(BlueprintError, match=r"templates\.reward\.en: cannot render"):
        render_text("you got {{ reward }}", {}, "templates.reward.en")


# -- blueprint check ------------------------------------------------------------------------


def test_check_names_the_key_path_of_every_bad_text(tmp_path: Path):
    extra = (
        '[templates.reward]\nzh = "恭喜获得 {{ rewrd }}"\nen = "{% if %}"\n'
        '[templates.rewad]\nen = "x"\n'
        "[templates.task]\nen = \"{{ ''.__class__ }}\"\n"
    )
    bad = group("main", welcome="欢迎 {nmes}") + '[groups.templates.greet]\nen = "{{ x }"\n'
    path = tmp_path / "community.toml"
    path.write_text(HEAD + extra + "\n" + bad, encoding="utf-8")
    problems = dict(check_blueprint(path))
    assert "unknown variable 'nmes'" in problems["groups[0].entry.welcome"]
    assert "does not compile" in problems["groups[0].templates.greet.en"]
    assert problems["templates.reward.zh"].startswith("unknown variable 'rewrd'")
    assert "did you mean 'reward'" in problems["templates.reward.zh"]
    assert "does not compile" in problems["templates.reward.en"]
    assert "unknown template (did you mean 'reward'?)" in problems["templates.rewad"]
    assert "attribute '__class__': templates see values" in problems["templates.task.en"]
    with pytest.raises(BlueprintError, match=r"templates\.reward\.zh: unknown variable 'rewrd'"):
        parse_blueprint(path.read_text(encoding="utf-8"))


def test_a_good_override_and_an_old_style_text_pass_the_check(tmp_path: Path):
    extra = '[templates.progress]\nzh = "{{ member }}：还差 {{ left }} 人得「{{ reward }}」"\n'
    path = tmp_path / "community.toml"
    path.write_text(HEAD + extra + "\n" + group("main", rejection="不行：{reason}"), "utf-8")
    assert check_blueprint(path) == []


# -- the engine emits names, the table knows their variables -------------------------------


def _engine_messages() -> list[Action]:
    """Every kind of message the engine decides, from its pure rules."""
    bp = blueprint(group("main", gates=["task", "payment"], task="poster", fee=9.9))
    seats = {"main": Seats("main", 500, 0)}
    actions: list[Action] = []
    knock = Knock(identity=wx("new"), at=T0, ref="k1", group="main")
    actions += decide_entry(knock, DoorView(bp, seats)).actions  # task, payment
    coded = blueprint(group("main", gates=["code"]))
    actions += decide_entry(knock, DoorView(coded, seats)).actions  # rejection
    full = {"main": Seats("main", 1, 1)}
    actions += decide_entry(knock, DoorView(bp, full)).actions  # waitlisted
    newcomers = [EntryState(COMMUNITY, "main", wx("a"), "queued")]
    actions += decide_wave(bp, "main", 2, newcomers, [wx("old")], T0).actions  # welcome, greet
    held = EntryState(COMMUNITY, "main", wx("g"), "admitted", decided_at=T0)
    actions += decide_expiry(bp, [held], T0 + timedelta(days=3)).actions  # seat_expired
    campaign = Campaign(
        slug="c", name="邀请有礼", groups=["main"], tiers=[RewardTier(invites=1, reward="书")]
    )
    none = Progress("c", wx("ann"), (), (), {wx("b"): "left_quickly"})
    one = Progress("c", wx("ann"), (wx("b"),), (), {})
    actions += decide_rewards(one, campaign, {}, COMMUNITY, T0).actions  # reward
    actions += decide_rewards(none, campaign, {1: "granted"}, COMMUNITY, T0).actions  # revoked
    told = progress_message(none, campaign, COMMUNITY, T0)  # progress
    assert told is not None
    history: list[datetime] = []
    for step in range(4):  # moderation_reminder .. moderation_removal
        offence = Offence(
            COMMUNITY, "main", wx("spam"), "bot", f"m{step}", T0 + timedelta(days=step)
        )
        step_decision = decide_step(offence, Verdict("advert", True, 1.0), history, Ladder())
        actions += step_decision.actions
        history.append(offence.at)
    undone = decide_reversal(step_decision.events[1], T0, by=None, reason="", source="cli")
    actions += undone.actions  # moderation_reversed
    buried = [Said(T0, wx("lin"), 30, link=True, source="bot", ref="v1", text="x")]
    buried += [Said(T0 + timedelta(seconds=k), wx(f"c{k % 3}"), 2) for k in range(1, 25)]
    for damped in decide_damping(buried, Damping(), community=COMMUNITY, group="main", now=T0):
        actions += damped.actions  # damping_repost, damping_reminder
    actions += engagement_messages(bp)  # join_welcome, session_*
    actions += money_messages(money_blueprint())  # membership_*
    actions += org_messages(bp)  # level_up, task_*, motion_*
    return [a for a in [*actions, told] if "template" in a.payload and a.kind != "group.create"]


def test_every_template_the_engine_emits_is_in_the_table_with_the_variables_it_carries():
    messages = _engine_messages()
    assert {a.payload["template"] for a in messages} == set(TEMPLATES)  # the table is complete
    for action in messages:
        spec = TEMPLATES[action.payload["template"]]
        assert action.kind == spec.action
        carried = {k for k in action.payload if not k.endswith(SAID_SUFFIX)}
        carried -= {"template", "to", "group"}  # X_said: X in the reader's language
        assert carried <= set(spec.variables), (spec.name, carried - set(spec.variables))
        for lang in LANGS:
            used = meta.find_undeclared_variables(PARSER.parse(spec.default(lang)))
            assert used - set(COMMON) <= carried, (spec.name, lang)
        for head in (HEAD, EN):
            assert render_payload(_bp(head), action.payload).strip()


# -- the CLI ------------------------------------------------------------------------------


@pytest.fixture
def cli(database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(database_url, capsys)


def test_templates_list_show_and_preview(cli: Cli, tmp_path: Path):
    names = [row["name"] for row in cli.json("templates", "list")]  # no community: defaults
    assert names == list(TEMPLATES)
    path = tmp_path / "community.toml"
    path.write_text(EN + '[templates.reward]\nen = "Got {{ reward }}!"\n' + group("main"), "utf-8")
    shown = cli.json("templates", "show", "reward", "--blueprint", path)
    assert shown["texts"]["en"] == {"text": "Got {{ reward }}!", "from": "templates.reward.en"}
    assert shown["texts"]["zh"]["from"] == "default.reward.zh" and "reward" in shown["variables"]
    code, out, _ = cli.run("templates", "preview", "reward", "--blueprint", path)
    assert (code, out) == (0, "Got unlock!\n")
    zh = cli.json("templates", "preview", "welcome", "--blueprint", path, "--lang", "zh")
    assert zh["text"] == "欢迎 lin、wang、zhao 加入读书会 1 群！"
    code, _, err = cli.run("templates", "show", "rewrd")
    assert code == 1 and "no message template 'rewrd'" in err


def test_preview_with_a_member_uses_their_real_values(cli: Cli, store: Any):
    bp = loaded(store, group("paid", gates=["payment"], fee=19.9, currency="USD"))
    enter(store, COMMUNITY, Request(wx("cat"), group="paid", at=at(0)))
    shown = cli.json("templates", "preview", "payment", "--member", wx("cat"), "--lang", "en")
    told = "Joining costs 19.9 USD; an organiser will contact you to collect it"
    assert shown["text"] == told and shown["variables"]["group"] == "paid"
    assert shown["variables"]["member"] == "cat"
    assert bp.community.language == "zh"  # --lang chose English, the community speaks Chinese
    code, _, err = cli.run("templates", "preview", "payment", "--member", wx("nobody"))
    assert code == 1 and "nobody" in err


def test_check_reports_template_problems_through_the_cli(cli: Cli, tmp_path: Path):
    path = tmp_path / "community.toml"
    path.write_text(HEAD + '[templates.reward]\nzh = "{{ rewrd }}"\n' + group("main"), "utf-8")
    code, out, _ = cli.run("blueprint", "check", path, "--json")
    found = json.loads(out)["problems"]
    assert code == 1 and found[0]["key"] == "templates.reward.zh"
    assert found[0]["message"].startswith("unknown variable 'rewrd'")


def test_links_in_rejections_read_in_the_community_language():
    link = Link("C1", COMMUNITY, "code", ("main",), expires_at=T0 - timedelta(seconds=1))
    bp = blueprint(group("main", gates=["code"]))
    knock = Knock(identity=wx("new"), at=T0, ref="k1", link=link)
    sent = decide_entry(knock, DoorView(bp, {"main": Seats("main", 500, 0)})).actions[0]
    assert render_payload(bp, sent.payload).startswith(
        "抱歉，这次未能通过入群审核：链接已于 2026-05-01 01:59（UTC）过期"
    )  # the reason too, not only the template around it


def test_the_docs_show_every_template_its_variables_and_both_defaults():
    doc = (Path(__file__).parent.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    for spec in TEMPLATES.values():
        section = doc.split(f"### `{spec.name}`\n", 1)[1].split("\n### ", 1)[0]
        assert f"zh: {spec.zh}\n" in section and f"en: {spec.en}\n" in section, spec.name
        assert all(f"| `{v}` |" in section for v in spec.variables), spec.name
    assert all(f"| `{v}` |" in doc for v in COMMON)


def test_init_mentions_templates_and_its_hint_loads_when_uncommented():
    from datetime import date

    from shequn.model.blueprint_template import render_blueprint

    text = render_blueprint(
        slug="quotes",
        name="Quotes",
        founder="林老师",
        pain_point="nobody to talk to",
        start_date=date(2025, 3, 1),
        platforms=["wechat"],
        groups=[("main", "主群")],
        language="en",
    )
    hint = text.split("# [templates.welcome]", 1)[1]
    uncommented = text.replace("# [templates.welcome]", "[templates.welcome]")
    uncommented = uncommented.replace(
        hint, hint.replace("# zh =", "zh =").replace("# en =", "en =")
    )
    bp = parse_blueprint(uncommented)
    assert render_payload(bp, WAVE) == "Welcome to 主群, lin, wang!"

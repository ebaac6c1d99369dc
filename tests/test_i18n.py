"""One message catalogue: every sentence the code says has its Chinese, and a ``Said`` value
is English to the machine and each reader's language to a person (issue 23 item 10)."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
import pickle
import sys
from pathlib import Path
from types import ModuleType

from shequn.analytics.lifecycle import _stage
from shequn.model.i18n import C_, Said, catalogue, pick, tr, translator

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    """scripts/i18n.py by path: scripts/ is not a package and not on sys.path."""
    spec = importlib.util.spec_from_file_location("shequn_i18n_script", ROOT / "scripts/i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_message_the_code_says_has_its_chinese() -> None:
    """``python scripts/i18n.py --write`` adds new ids; translate them in the .po file."""
    missing = _script().untranslated("zh")
    assert not missing, "\n".join(f"src/shequn/{f}:{n}: {m!r}" for m, f, n in missing)


def test_the_catalogue_translates_what_the_report_says() -> None:
    zh = catalogue("zh")
    assert zh["dead"] == "死群" and zh["7-day rule failed"] == "7 天法则未达成"
    assert catalogue("en") == {} and catalogue("fr") == {}


def test_said_is_english_for_the_machine_and_chinese_for_a_reader() -> None:
    why = Said("no meaningful activity for {days} days", days=12)
    assert why == "no meaningful activity for 12 days"
    assert json.dumps({"reason": why}) == '{"reason": "no meaningful activity for 12 days"}'
    assert tr("zh", why) == "12 天没有有效活动"
    assert tr("en", why) == str(why)
    finding = Said("{stage}: {why}", stage=Said("dead"), why=why)
    assert tr("zh", finding) == "死群：12 天没有有效活动"
    assert tr("en", finding) == "dead: no meaningful activity for 12 days"


def test_arguments_are_data_unless_they_are_said() -> None:
    """A group called ``dead`` keeps its name; only a ``Said`` argument is translated."""
    said = Said("{stage}: {why}", stage="dead", why="dead")
    assert tr("zh", said) == "dead：dead"


@dataclasses.dataclass
class Row:
    reason: str


def test_said_survives_copies_and_pickles() -> None:
    """Metrics return dataclasses; asdict() deep-copies them and caches may pickle them."""
    row = Row(Said("{days} days old", days=3))
    for copied in (
        dataclasses.asdict(row)["reason"],
        copy.deepcopy(row).reason,
        pickle.loads(pickle.dumps(row)).reason,  # noqa: S301  # our own bytes
    ):
        assert isinstance(copied, Said) and tr("zh", copied) == "建群 3 天"


def test_life_cycle_reasons_are_said() -> None:
    p = {"dead_after_days": 30, "germination_days": 7, "rapid_growth_rate": 0.5}
    stage, why = _stage(p, {"days_silent": 45}, 200, None)
    assert (stage, why) == ("dead", "no meaningful activity for 45 days")
    assert tr("zh", why) == "45 天没有有效活动"


def test_plain_text_is_looked_up_whole_and_unknown_text_passes_through() -> None:
    _ = translator("zh")
    assert _("health report as of {day}") == "健康报告，截至 {day}"
    assert _("book-club") == "book-club"
    assert _(42) == "42"
    assert pick("zh") == "zh" and pick("fr") == "en" and pick(None) == "en"


def test_translations_keep_the_arguments_of_their_message() -> None:
    """A translation that drops or renames ``{days}`` would fail at render time."""
    import string

    for msgid, msgstr in catalogue("zh").items():
        fields = {f for _, f, _, _ in string.Formatter().parse(msgid) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(msgstr) if f}, msgid


def test_said_goes_through_an_outbox_payload_and_comes_back() -> None:
    """A reason queued in a JSON payload is said in the reader's language at send time."""
    from shequn.model.i18n import said_from, said_payload

    why = Said("{why}: {words}", why=Said("this group needs an invitation code"), words="x")
    data = json.loads(json.dumps(said_payload(why)))
    back = said_from(data)
    assert back == why and tr("zh", back) == "这个群需要邀请码：x"
    assert said_payload("plain text") is None


def test_a_bots_reply_comes_from_the_catalogue_in_the_communitys_language() -> None:
    """The bot's replies are English message ids with their Chinese in the catalogue (no
    per-language tables in the code): ``/rules`` and ``/help`` answered in each language."""
    from shequn.engine.bot_commands import HELP, RULES, BotCommand, decide_command
    from shequn.engine.engagement.bot import _SAY
    from shequn.model.blueprint import parse_blueprint
    from tests.growth_helpers import HEAD, T0, group

    zh_bp = parse_blueprint(HEAD + group("main"))  # the community speaks zh by default
    en_bp = parse_blueprint(
        HEAD.replace("[community]\n", '[community]\nlanguage = "en"\n') + group("main")
    )
    command = BotCommand("wechat:lin", "help", "", "u1", T0)
    said = {
        bp.community.language: decide_command(bp, command)[0].actions[0].payload["text"]
        for bp in (zh_bp, en_bp)
    }
    assert said["en"].startswith("Commands:\n/start CODE — join through an invite link")
    assert said["zh"].startswith("可用命令：\n/start 代码 — 通过邀请链接或活码入群")
    assert said["zh"] == HELP["zh"] and said["en"] == "\n".join(HELP.ids)
    assert "/checkin [群] — 打卡" in said["zh"] and "/poster [活动] — 我的邀请海报" in said["zh"]
    assert RULES["zh"] == {"values": "我们的价值观", "banned": "请勿讨论"}
    assert _SAY["en"]["stopped"].startswith("Done: no more private care messages")
    assert _SAY["zh"]["stopped"] == catalogue("zh")[_SAY.ids["stopped"]]


def test_one_word_for_one_thing_and_no_doubled_state() -> None:
    """Issue 23 item 10: a group's leader is 群主管 wherever a person reads it (the CLI's role,
    the platform's admin title, the coverage alerts, the election templates), and a state is
    never said twice (已是已维持, 状态为完成)."""
    zh = catalogue("zh")
    assert tr("zh", "group leader") == tr("zh", "group_leader") == "群主管"
    assert not [msgid for msgid, text in zh.items() if "组长" in text]
    refused = Said("case {case} is already {verdict}", case="'c1'", verdict=Said("upheld"))
    assert tr("zh", refused) == "案例 'c1' 的结论已经是“已维持”"
    assert tr("zh", Said("action {action_id} is {status}: cannot cancel", action_id=3,
                         status=Said("done"))) == "动作 3 当前为“已完成”，不能取消"  # fmt: skip
    assert not [text for text in zh.values() if "已是已" in text or "状态为" in text]


def test_clicks_sentences_are_read_back_into_message_ids() -> None:
    """cli/usage: Click's English is matched against its message ids, the fields kept."""
    from shequn.cli.usage import said

    bad = said("Invalid value for '--lang': 'fr': say zh or en")
    assert tr("zh", bad) == "'--lang' 的值无效：'fr'：请用 zh 或 en"
    assert str(bad) == "Invalid value for '--lang': 'fr': say zh or en"
    near = said("No such option: --lmit (Possible options: --limit, --lang)")
    assert tr("zh", near) == "没有选项：--lmit（可用的选项：--limit, --lang）"
    assert said("something Click never said") == "something Click never said"


def test_a_word_two_things_share_is_told_apart_by_its_context() -> None:
    """An action that failed is not a seven-day rule that failed; a dead action is no dead
    group: the same English word, two Chinese ones (gettext's message context)."""
    from shequn.model.actions import said_status

    assert tr("zh", Said("failed")) == "未达成" and tr("zh", said_status("failed")) == "失败"
    assert tr("zh", Said("dead")) == "死群" and tr("zh", said_status("dead")) != "死群"
    assert str(said_status("dead")) == "dead" == tr("en", said_status("dead"))  # English: the word
    assert tr("zh", Said("{n} actions ({status})", n=2, status=said_status("failed"))) == (
        "2 个动作（失败）"
    )
    assert str(C_("nowhere", "unknown word")) == "unknown word" == tr("zh", C_("x", "unknown word"))

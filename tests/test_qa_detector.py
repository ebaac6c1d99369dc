"""The question detector (``model.text.is_question``, P-ENG-3) on what chat really looks like.

Its precision and recall on real messages labelled by hand are measured by
``python benchmarks/qa_detector.py`` (it reads the shared data set, which a clean clone does not
have — so the measurement is a benchmark, not a test that would skip in CI)."""

from __future__ import annotations

from shequn.model.text import is_question


def test_a_question_asked_mid_message_or_without_a_question_mark_is_found():
    assert is_question("what r u up 2? give me a call in an hour")
    assert is_question("Did u fix the teeth?if not do it asap.ok take care.")
    assert is_question("Hey chief, can you give me a bell when you get this.")
    assert is_question("Aight do you still want to get money")
    assert is_question("u know how to change permissions for a drive in mac")
    assert is_question("@lin 你咋了") and is_question("直接信用卡可不可以")
    assert is_question("之前发的用药图还有兄弟有吗。我好像找不到了")


def test_pitches_statements_and_any_are_not_questions():
    assert not is_question("想赚钱？缺项目联系 https://t.me/xyz 供需发布:@xiongmao2023")
    assert not is_question("Fancy a chat? Call 09058097189 now")
    assert not is_question("什么料都接，卡足，大车队值得信赖")  # 什么…都: "any"
    assert not is_question("R u sure they'll understand that! Wine * good idea")
    assert not is_question("I am in bus on the way to calicut")
    assert not is_question("今天的分享很精彩，谢谢大家")


def test_the_first_and_last_character_prechecks_miss_no_question():
    """``is_question`` runs its start and end regexes only on a text whose first / last
    character is in ``_STARTS`` / ``_ENDS``: every character those regexes can begin / end a
    match with (in a stripped text) must be in the sets."""
    from shequn.model import text as t

    everything = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    # IGNORECASE relates cased characters only; others match themselves (all in the pattern)
    cased = [c for c in everything if c.lower() != c or c.upper() != c or c.casefold() != c]
    candidates = set(cased) | set(t._QUESTION_START.pattern) | set(t._QUESTION_END.pattern)
    words = ["how", "what", "why", "when", "where", "who", "which", "can", "could", "does"]
    words += ["should", "anyone", "请问", "怎么", "为什么", "如何", "有没有", "谁", "哪", "什么"]
    words += ["是否"]
    starts = {c for c in candidates for w in words if t._QUESTION_START.match(c + w[1:])}
    assert {c for c in starts if not c.isspace()} == t._STARTS
    ends = {c for c in candidates if any(t._QUESTION_END.search(p + c) for p in ("", "没", "？"))}
    assert {c for c in ends if not c.isspace()} == t._ENDS


def test_questions_the_prechecks_must_let_through():
    assert is_question("行吗 ！") and is_question("没有~") and is_question("a?")
    assert is_question("   what time is it   ") and is_question("有没有人去")
    assert is_question("ſhould we go")  # re.IGNORECASE folds ſ to s
    assert not is_question("好的。") and not is_question("done!")

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

"""The advert rules' shortcuts find exactly what the plain patterns find: a word list written
as a trie matches like the flat longest-first alternation, and a pattern skipped because its
gates (a digit, a dot, an @, a contact word) are absent could not have matched, and a
pattern whose look-behind comes after its first character matches like one before it; and
the detector, which asks the model only when the rules have not already said advert, gives
the same verdicts."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from shequn.engine.rules.advert import _alternation, _compiled, signals
from shequn.engine.rules.advert_terms import EN_WORDS, PATTERNS, ZH_WORDS
from shequn.engine.rules.detector import detect_advert
from shequn.engine.rules.linear import train
from shequn.engine.rules.normalize import fold


def _flat(words: dict[str, float]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _pieces(words: dict[str, float]) -> st.SearchStrategy[str]:
    """Texts made of the vocabulary's words, their prefixes and separators."""
    vocab = sorted(words)
    piece = st.one_of(
        st.sampled_from(vocab),
        st.sampled_from(vocab).map(lambda w: w[: max(1, len(w) - 1)]),
        st.sampled_from([" ", "-", "&", "x", "1", "。", "s"]),
    )
    return st.lists(piece, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(_pieces(ZH_WORDS), _pieces(EN_WORDS))
def test_a_trie_of_words_matches_like_the_flat_alternation(zh: str, en: str) -> None:
    c = _compiled()
    flat_en = re.compile(rf"(?<![\w&])(?:{_flat(EN_WORDS)})(?![\w&])")
    assert [m.group() for m in c.zh.finditer(zh)] == re.findall(_flat(ZH_WORDS), zh)
    assert [m.group() for m in c.en.finditer(en)] == [m.group() for m in flat_en.finditer(en)]
    assert _alternation({"lo": 1, "long": 1, "longest": 1}) == "lo(?:ng(?:est)?)?"


CONTACTS = st.lists(
    st.one_of(
        st.sampled_from(["http://", "https://", "www.", "t.me/", ".com", "@", "+44", "tel:",
                         "call ", "txt ", " to ", "£", "p/", "vx", "加v", "微信", "qq", "电话",
                         "wechat", "weixin", "44", "07", "看我名", "出", "私", "ab"]),
        st.text(alphabet="0123456789١٣.@/:+ -_abkmnoprstvwx薇名", max_size=6),
    ),
    max_size=10,
).map("".join)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(CONTACTS)
def test_a_pattern_matches_only_where_its_gates_open(text: str) -> None:
    for _signal, _view, pattern, _weight, gates in PATTERNS:
        if re.search(pattern, text):
            for gate in gates:
                assert re.search(gate, text), (pattern, gate, text)


PLAIN = {
    # the patterns as first written, a look-behind first: ``re`` then tries every position
    r"@(?<![a-z0-9_.]@)[a-z][a-z0-9_]{3,}\d[a-z0-9_]*":
        r"(?<![a-z0-9_.])@[a-z][a-z0-9_]{3,}\d[a-z0-9_]*",
    r"@(?<![a-z0-9_.]@)[a-z][a-z0-9_]{4,}": r"(?<![a-z0-9_.])@[a-z][a-z0-9_]{4,}",
    r"1(?<!\d1)[3-9]\d{9}(?!\d)": r"(?<!\d)1[3-9]\d{9}(?!\d)",
    r"(?:\+(?<![\w£$]\+)44|4(?<![\w£$]4)4|0(?<![\w£$]0))\s?[1-9]\d{2,4}\s?\d{3}\s?\d{3,4}(?!\d)":
        r"(?<![\w£$])(?:\+?44|0)\s?[1-9]\d{2,4}\s?\d{3}\s?\d{3,4}(?!\d)",
}  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(CONTACTS)
def test_a_look_behind_after_the_first_character_matches_like_one_before_it(text: str) -> None:
    shipped = {pattern for _signal, _view, pattern, _weight, _gates in PATTERNS}
    assert set(PLAIN) <= shipped
    for fast, plain in PLAIN.items():
        spans = [m.span() for m in re.finditer(fast, text)]
        assert spans == [m.span() for m in re.finditer(plain, text)], (fast, text)
    assert [m.group() for m in re.finditer(next(iter(PLAIN)), "稳赚@qhuhu12 a@bcde12")] == [
        "@qhuhu12"
    ]


def test_the_model_weighs_the_rules_signals_it_is_handed() -> None:
    """The detector runs the rules once and hands their signals to the model: the same
    probability as when the model finds them itself."""
    examples = [
        (fold(t), y) for t, y in (("加微信abc12345领红包", True), ("今天一起去吃饭吧", False))
    ]
    model = train(examples * 20)
    folded = fold("加微信 xyz98765 领取红包")
    p, evidence = model.probability(folded, signals(folded))
    assert (p, evidence) == model.probability(folded)
    assert p >= model.threshold and [e.signal for e in evidence].count("model") >= 1


_MODEL = train(
    [(fold(f"加微信abc{i}领红包 cheap pills"), True) for i in range(20)]
    + [(fold(f"今天一起去吃饭吧 see you {i}"), False) for i in range(20)]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_pieces(ZH_WORDS), _pieces(EN_WORDS), CONTACTS))
def test_skipping_the_model_when_the_rules_hit_changes_no_verdict(text: str) -> None:
    """The detector asks the model only when the rules have not already said advert: the
    same hit as asking it every time (rules or model)."""
    folded = fold(text)
    rules = sum(e.weight for e in signals(folded)) >= 0.8
    p, _ = _MODEL.probability(folded)
    assert detect_advert(text, model=_MODEL).hit == (rules or p >= _MODEL.threshold)

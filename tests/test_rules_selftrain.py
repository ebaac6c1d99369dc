"""A community's advert model taught by the rules on its own unlabelled chat: the adverts the
rules catch teach the model the words this community's spam shares, and the model then finds
the adverts that say nothing the rules know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequn.engine.rules.advert import rule_verdict
from shequn.engine.rules.detector import detect_advert
from shequn.engine.rules.linear import LinearModel
from shequn.engine.rules.normalize import fold
from shequn.engine.rules.selftrain import (
    PRIOR_HITS,
    SHARES,
    pseudo_labels,
    rules_precision,
    self_trained,
)
from tests.test_cli import Cli, write_jsonl
from tests.test_rules_cli import load, said

CAUGHT = [f"加微信 abc{i}8888 葡京娱乐城 首充送彩金" for i in range(30)]  # contact + casino words
MISSED = [f"葡京娱乐城 新人注册 第{i}期" for i in range(6)]  # the rules see (almost) nothing
CHAT = [f"今天读完了第{i}章，明天继续" for i in range(40)] + [
    f"周末的读书会大家几点到？{i}" for i in range(40)
]


def test_the_rules_teach_only_what_they_are_sure_of() -> None:
    taught = dict((f.text, y) for f, y in pseudo_labels([fold(t) for t in CAUGHT + CHAT]))
    assert all(taught[fold(t).text] for t in CAUGHT)
    assert not any(taught[fold(t).text] for t in CHAT)
    unsure = fold("限时特价")  # two light promotion words: neither advert nor clean
    assert 0.3 <= rule_verdict("限时特价").score < 0.8 and pseudo_labels([unsure]) == []


def test_a_model_taught_on_the_chat_finds_the_adverts_the_rules_miss() -> None:
    assert not any(rule_verdict(t).hit for t in MISSED)  # the rules alone miss them
    chat = [fold(t) for t in CAUGHT + MISSED + CHAT]
    model = self_trained(chat, trained_on={"community": "book-club"})
    found = [detect_advert(t, model=model) for t in ("葡京娱乐城 新人注册", *MISSED)]
    assert all(v.hit for v in found)
    assert any(e.signal == "model" for e in found[0].evidence)  # the model says why
    assert not any(detect_advert(t, model=model).hit for t in [*CHAT, "读书会改到周日"])
    taught = model.trained_on["self_training"]
    assert taught["messages"] == len(chat) and taught["taught_advert"] >= len(CAUGHT)
    assert model.trained_on["community"] == "book-club"
    again = LinearModel.from_json(model.to_json())  # an ordinary model file
    assert detect_advert(MISSED[0], model=again).hit
    # taught by the rules, it learns words, not the rules' signals back
    assert not again.rule_features and not any(k.startswith("\x00") for k in again.weights)


def test_labelled_examples_are_not_taught_again() -> None:
    labelled = [(fold(CAUGHT[0]), False)]  # a manager said this one is fine
    model = self_trained([fold(t) for t in CAUGHT + CHAT], labelled)
    assert model.trained_on["self_training"]["messages"] == len(CAUGHT) - 1 + len(CHAT)


def test_another_communitys_labels_do_not_outvote_the_chat() -> None:
    """Elsewhere "读书会" came with adverts (a reading-club scam); here it is everyday talk.
    In full (``share=1``) those labels teach the model that the chat's own messages are
    adverts. By default the share is chosen among ``SHARES`` by how well the model predicts
    the chat's own taught messages out of fold: here the smallest, and they teach only where
    the chat is silent."""
    elsewhere = [(fold(f"读书会 {i}"), True) for i in range(200)]
    elsewhere += [(fold(f"天气不错 {i}"), False) for i in range(200)]
    chat = [fold(t) for t in CAUGHT + CHAT]
    ours = fold("读书会几点开始")  # the chat says 周末的读书会大家几点到？ forty times
    full = self_trained(chat, elsewhere, share=1.0)
    assert full.trained_on["self_training"]["labelled_weight"] == round(len(chat) / 400, 4)
    chosen = self_trained(chat, elsewhere)
    taught = chosen.trained_on["self_training"]
    tried = [round(s * len(chat) / len(elsewhere), 4) for s in SHARES]
    assert taught["labelled_weights_tried"] == tried
    assert taught["labelled_weight"] == min(tried)  # the chat's own meaning kept best
    assert full.probability(ours)[0] > 0.5 > chosen.probability(ours)[0]
    assert detect_advert(ours.text, model=full).hit
    assert not detect_advert(ours.text, model=chosen).hit
    assert detect_advert(MISSED[0], model=chosen).hit  # what the chat teaches still counts
    # a community's own decisions are not another's: they weigh in full, nothing is tried
    here = self_trained(chat, elsewhere[:3], labelled_here=True)
    assert here.trained_on["self_training"]["labelled_weight"] == 1.0
    assert here.trained_on["self_training"]["labelled_weights_tried"] == [1.0]


def test_the_rules_own_errors_are_counted_as_often_as_the_labels_show_them() -> None:
    """A taught advert (the rules hit it) is counted right as often as the rules are right on
    the labelled examples at hand, after twenty hits assumed right; with none, always."""
    wrong = [(fold("加微信 abc8888 一起去读书会"), False)] * 5  # the rules flag it; not an advert
    right = [(fold(t), True) for t in CAUGHT[:15]]
    assert rules_precision([]) == 1.0
    assert rules_precision(right + wrong) == (15 + PRIOR_HITS) / (20 + PRIOR_HITS)
    assert rules_precision([(fold(t), False) for t in CHAT]) == 1.0  # no rule hit: no say
    chat = [fold(t) for t in CAUGHT + MISSED + CHAT]
    assert self_trained(chat).trained_on["threshold"]["rules_precision"] == 1.0
    counted = self_trained(chat, right + wrong).trained_on["threshold"]["rules_precision"]
    assert counted == rules_precision(right + wrong)


@pytest.fixture
def cli(database_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(database_url, capsys)


def test_rules_train_chat_learns_from_the_stored_messages(cli: Cli, tmp_path: Path):
    load(cli, tmp_path, "")
    texts = CAUGHT + MISSED + CHAT
    posted = [said(f"m{i % 9}", f"c{i}", -1000 + i, t) for i, t in enumerate(texts)]
    cli.json("events", "add", write_jsonl(tmp_path / "chat.jsonl", posted))
    model = tmp_path / "advert.model"
    made = cli.json("rules", "train", "--chat", "--out", model)  # no labels at all
    assert made["chat"] == f"readers: {len(texts)} messages"  # type: ignore[index]
    assert made["taught_advert"] >= len(CAUGHT) and made["examples"] == 0  # type: ignore[index]
    assert detect_advert(MISSED[0], model=LinearModel.load(model)).hit
    few = cli.json("rules", "train", "--chat", "--chat-limit", "100", "--out", model)
    assert few["chat"] == "readers: 100 messages"  # type: ignore[index]
    code, _, err = cli.run("rules", "train", "--out", model)  # no labels, no chat
    assert code != 0 and err
    assert json.loads(model.read_text())["trained_on"]["chat"] == "readers: 100 messages"

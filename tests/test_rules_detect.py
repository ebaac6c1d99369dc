"""The advert detector, its folding of evasions, and the learned model — plain values."""

from __future__ import annotations

import pytest

from shequn.engine.rules.advert import rule_verdict
from shequn.engine.rules.detector import detect_advert
from shequn.engine.rules.linear import LinearModel, train
from shequn.engine.rules.normalize import fold
from shequn.errors import InputFormatError


@pytest.mark.parametrize(
    ("raw", "text", "compact", "digits"),
    [
        ("加 Ｖ：ｗｘ１２３", "加 v:wx123", "加vwx123", "加vwx123"),
        ("賺錢 微-信", "赚钱 微-信", "赚钱微信", "赚钱微信"),
        (
            "＋ѵ 一三八一二三四五六七八",
            "+v 一三八一二三四五六七八",
            "+v一三八一二三四五六七八",
            "+v13812345678",
        ),
        ("飞͟机͟实͟力͟", "飞机实力", "飞机实力", "飞机实力"),
        ("①③⑧⑤⑥⑦", "138567", "138567", "138567"),
        ("大量岀徦Ｕ 私硪", "大量出假u 私我", "大量出假u私我", "大量出假u私我"),
        ("大家一起来", "大家一起来", "大家一起来", "大家一起来"),
    ],
)
def test_fold_undoes_the_usual_evasions(raw: str, text: str, compact: str, digits: str) -> None:
    f = fold(raw)
    assert (f.text, f.compact, f.digits) == (text, compact, digits)


@pytest.mark.parametrize(
    ("raw", "signal"),
    [
        ("需要的加 微 信 ： abc12345", "wechat"),
        ("＋ѵ了解", "wechat"),
        ("电话 一三八 一二三四 五六七八 随时联系", "phone"),
        ("扣扣①②③④⑤⑥⑦", "qq"),
        ("招代理 详情看 t.me/some_channel", "url"),
        ("Txt WIN to 80085 now", "shortcode"),
        ("LWO看我名看我名看我名LRN", "tagged"),
        ("n2招代理出货懂的来n2", "tagged"),
        ("好项目 联系 @quickcash", "handle"),
        ("低门槛项目 靠谱的来微Tiktok66", "wechat"),
        ("每日撸五百认准简单粗暴稳赚@qhuhu12", "handle"),
        ("先款后U，洗白私", "contact"),
        ("出直播粉", "trade"),
        ("TG群发软件TG群发软件TG群发软件TG群发软件", "repeated"),
    ],
)
def test_contact_signals_survive_evasion(raw: str, signal: str) -> None:
    verdict = rule_verdict(raw)
    assert signal in {e.signal for e in verdict.evidence}, verdict


@pytest.mark.parametrize(
    "raw",
    [
        "日賺500，招代理，加薇 abc8888 詳情私聊",
        "限时优惠！全场特价，详情请致电 13812345678",
        "WINNER!! You have won a £900 prize. To claim call 09061701461",
        "Check out my channel and subscribe! http://youtube.com/mychannel",
        "LWO看我名看我名看我名看我名LRN",
        "找代收-代付车队，诚意来谈，空放勿扰",
        "CHECK OUT MY CHANNEL",
        "工商银行 户名：张家平，把房租打到这个卡上",
        "收一类四大行，高价买断，有需私",
        "代開ｔｇ會員",
        "可做佰度关键詞俳名，详谈",
    ],
)
def test_adverts_are_caught_with_evidence(raw: str) -> None:
    verdict = rule_verdict(raw)
    assert verdict.hit and verdict.score >= 0.8
    assert verdict.evidence and verdict.explain()


@pytest.mark.parametrize(
    "raw",
    [
        "大家晚上好，明天的分享会几点开始？",
        "我觉得这个方案不错，周末一起讨论一下",
        "Are you coming to the meetup tomorrow?",
        "thanks, that answer helped a lot",
        "@alice see you at 7",
        "@alice_w 周末见",
        "OK我到了OK",
        "lol笑死我了lol",
        "哈哈哈哈哈哈哈哈",
        "CCTV1套、2套、1套、2套、1套、2套",
        "出去吃饭吗？收到了",
        "我的邮箱 bob2024@example.com，有事发邮件",
    ],
)
def test_ordinary_talk_is_not_an_advert(raw: str) -> None:
    assert not rule_verdict(raw).hit


def _examples() -> list[tuple[str, bool]]:
    ads = [f"cheap pills buy now deal {i}" for i in range(20)] + [
        f"低价出售账号 量大优惠 {i}" for i in range(20)
    ]
    ok = [f"see you at the meetup {i}" for i in range(20)] + [
        f"今天的分享很有收获 {i}" for i in range(20)
    ]
    return [(t, True) for t in ads] + [(t, False) for t in ok]


def test_the_model_learns_and_round_trips() -> None:
    model = train(((fold(t), y) for t, y in _examples()), trained_on={"source": "test"})
    again = LinearModel.from_json(model.to_json())
    for m in (model, again):
        assert detect_advert("cheap pills, buy", model=m).hit
        assert not detect_advert("see you at the meetup", model=m).hit
    verdict = detect_advert("出售账号", model=again)  # the rules alone: 0.45 < 0.8
    assert verdict.hit and ("model", "售账") in [(e.signal, e.match) for e in verdict.evidence]
    # the rules flag this one already: the model is not asked, the rules explain it
    verdict = detect_advert("低价出售 量大优惠", model=again)
    assert verdict.hit and {e.signal for e in verdict.evidence} == {"promotion"}
    assert again.trained_on["source"] == "test" and again.trained_on["examples"] == 80


def test_training_is_deterministic() -> None:
    a = train(((fold(t), y) for t, y in _examples()))
    b = train(((fold(t), y) for t, y in _examples()))
    assert a.to_json() == b.to_json()


def test_a_bad_model_file_names_itself() -> None:
    with pytest.raises(InputFormatError, match=r"m\.json"):
        LinearModel.from_json('{"format": "other"}', path="m.json")


def test_a_model_of_the_retired_format_says_to_retrain() -> None:
    old = '{"format": "shequn-advert-linear/1", "bits": 18, "bias": 0, "weights": {"7": 1}}'
    with pytest.raises(InputFormatError, match="retrain it with `shequn rules train`"):
        LinearModel.from_json(old, path="advert.model")

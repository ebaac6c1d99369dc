"""WeCom callback crypto against the official vectors of WeCom's documentation (加解密方案说明:
corp id wx5823bf96d3bd56c7, token QDG6eK), and the ways a callback must be refused."""

from __future__ import annotations

import base64

import pytest

from shequn.connectors.wecom.crypto import CallbackCrypto, CallbackRejected, aes_key, signature

CORP = "wx5823bf96d3bd56c7"
TOKEN = "QDG6eK"
KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

# URL verification (GET) of the documentation
VERIFY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO"
    "+FZXvnaqQ==",
}
# a received message (POST) of the documentation
POST_SIG, POST_TS, POST_NONCE = (
    "477715d11cdb4164915debcba66cb864d751f3e6",
    "1409659813",
    "1372623149",
)
POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
    "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
    "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
    "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
    "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
POST_BODY = f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{POST_ENCRYPT}]]></Encrypt></xml>".encode()  # noqa: E501


@pytest.fixture
def crypto() -> CallbackCrypto:
    return CallbackCrypto(TOKEN, KEY, CORP)


def test_the_documented_url_verification(crypto: CallbackCrypto) -> None:
    v = VERIFY
    assert signature(TOKEN, v["timestamp"], v["nonce"], v["echostr"]) == v["msg_signature"]
    echo = crypto.open(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"])
    assert echo == b"1616140317555161061"


def test_the_documented_message(crypto: CallbackCrypto) -> None:
    message = crypto.open_xml(POST_SIG, POST_TS, POST_NONCE, POST_BODY).decode()
    assert message.startswith(f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>")
    assert "<Content><![CDATA[hello]]></Content>" in message
    assert "<AgentID>218</AgentID>" in message


def test_round_trip_pads_to_32_byte_blocks(crypto: CallbackCrypto) -> None:
    for size in (0, 1, 11, 12, 13, 44, 100):  # 16 + 4 + size + 18 crosses 32-byte edges
        message = "变".encode() * size
        ciphertext, sig = crypto.seal(message, "1", "2")
        assert len(base64.b64decode(ciphertext)) % 32 == 0
        assert crypto.open(sig, "1", "2", ciphertext) == message


def test_the_receive_id_must_be_the_corp_id() -> None:
    other = CallbackCrypto(TOKEN, KEY, "wwanothercorp0000")
    ciphertext, sig = other.seal(b"<xml/>", "1", "2")
    with pytest.raises(CallbackRejected, match="receive id"):
        CallbackCrypto(TOKEN, KEY, CORP).open(sig, "1", "2", ciphertext)


@pytest.mark.parametrize(
    "change",
    ["signature", "timestamp", "nonce", "ciphertext"],
)
def test_a_tampered_callback_is_refused(crypto: CallbackCrypto, change: str) -> None:
    args = dict(sig=POST_SIG, ts=POST_TS, nonce=POST_NONCE, ct=POST_ENCRYPT)
    if change == "signature":
        args["sig"] = "0" * 40
    elif change == "timestamp":
        args["ts"] = "1409659814"
    elif change == "nonce":
        args["nonce"] = "1"
    else:
        args["ct"] = "A" + POST_ENCRYPT[1:]
    with pytest.raises(CallbackRejected, match="msg_signature"):
        crypto.open(args["sig"], args["ts"], args["nonce"], args["ct"])


def test_a_wrong_key_is_refused_even_with_a_valid_signature() -> None:
    other_key = "A" * 42 + "A"
    ciphertext, sig = CallbackCrypto(TOKEN, other_key, CORP).seal(b"<xml/>", "1", "2")
    with pytest.raises(CallbackRejected):
        CallbackCrypto(TOKEN, KEY, CORP).open(sig, "1", "2", ciphertext)


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b"<xml><ToUserName>x</ToUserName></xml>",
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>',
    ],
)
def test_bodies_that_are_not_safe_callback_xml(crypto: CallbackCrypto, body: bytes) -> None:
    with pytest.raises(CallbackRejected):
        crypto.open_xml(POST_SIG, POST_TS, POST_NONCE, body)


def test_the_key_is_checked_and_never_shown() -> None:
    with pytest.raises(ValueError, match="43"):
        aes_key("short")
    assert KEY not in repr(CallbackCrypto(TOKEN, KEY, CORP))
    assert TOKEN not in repr(CallbackCrypto(TOKEN, KEY, CORP))

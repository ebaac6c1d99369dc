"""A fake WeCom on 127.0.0.1: exactly the endpoints shequn calls, with WeCom's JSON shapes and
errcodes (token expiry included), plus a sender of callbacks encrypted for real."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from shequn.connectors.wecom.crypto import CallbackCrypto

CORP = "wwfakecorp0000001"
TOKEN = "cbtoken123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SECRET = "app-secret-must-never-leak-42"


@dataclass
class FakeWeCom:
    secret: str = SECRET
    tokens: set[str] = field(default_factory=set)
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)
    join_ways: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    sent_by: dict[str, str] = field(default_factory=dict)
    """msgid → the sender of the message task."""
    confirmed: set[str] = field(default_factory=set)
    """msgids whose sender confirmed the task in the client."""
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    """msgid → the task as added."""
    outcomes: dict[str, int] = field(default_factory=dict)
    """recipient → the send status WeCom reports once the task is confirmed (default 1)."""
    dispatching: set[str] = field(default_factory=set)
    """msgids WeCom is still dispatching: asked about once, it answers 41063."""
    messages: dict[tuple[str, int], int] = field(default_factory=dict)
    """(owner, day_begin_time) → messages WeCom counted in the owner's groups that day."""
    full: set[str] = field(default_factory=set)
    """Chats WeCom counts as full: a scan goes to the next one."""
    page: int = 1000
    """The most items a statistics page holds (small in a test of paging)."""
    app_messages: list[dict[str, Any]] = field(default_factory=list)
    """What the self-built app sent members (``message/send``), as posted."""
    app_users: set[str] = field(default_factory=set)
    """The userids in the app's visible range (empty: everyone)."""
    agent_id: int = 1000002
    fail_next: dict[str, int] = field(default_factory=dict)
    """path → errcode to answer once."""
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    url: str = ""

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def add_member(self, chat: str, userid: str, *, state: str | None, at: int) -> None:
        member: dict[str, Any] = {"userid": userid, "type": 2, "join_time": at, "join_scene": 3}
        if state:
            member["state"] = state
        self.chats[chat]["member_list"].append(member)

    # --- the endpoints ----------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        self.calls.append(path)
        if path == "/cgi-bin/gettoken":
            if query.get("corpid") != CORP or query.get("corpsecret") != self.secret:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            token = f"tok{next(self.counter)}"
            self.tokens.add(token)
            return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        if query.get("access_token") not in self.tokens:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if path in self.fail_next:
            return {"errcode": self.fail_next.pop(path), "errmsg": "injected"}
        name = path.removeprefix("/cgi-bin/externalcontact/").removeprefix("/cgi-bin/")
        handler = getattr(self, "h_" + name.replace("/", "_"), None)
        if handler is None or method != "POST":
            return {"errcode": 40058, "errmsg": f"no such api {path}"}
        return {"errcode": 0, "errmsg": "ok", **handler(body)}

    def h_message_send(self, body: dict[str, Any]) -> dict[str, Any]:
        """发送应用消息: a text to ``touser`` (``a|b``) from the app; those outside its visible
        range come back in ``invaliduser`` (all of them: errcode 81013)."""
        if body.get("agentid") != self.agent_id:
            raise Refuse(40056, "invalid agentid")
        if body.get("msgtype") != "text" or not (body.get("text") or {}).get("content"):
            raise Refuse(41003, "content required")
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        invalid = [u for u in users if self.app_users and u not in self.app_users]
        if users and len(invalid) == len(users):
            raise Refuse(81013, "user & party & tag all invalid")
        self.app_messages.append(body)
        return {"invaliduser": "|".join(invalid), "msgid": f"app{next(self.counter)}"}

    def h_groupchat_get(self, body: dict[str, Any]) -> dict[str, Any]:
        chat = self.chats.get(body.get("chat_id", ""))
        if chat is None:
            raise Refuse(90501, "chat is not external group chat")
        return {"group_chat": chat}

    def _check_way(self, body: dict[str, Any]) -> None:
        chats = body.get("chat_id_list") or []
        if body.get("scene") not in (1, 2) or not 1 <= len(chats) <= 5:
            raise Refuse(40058, "invalid scene or chat_id_list")
        if len(body.get("state", "")) > 30:
            raise Refuse(40058, "state too long")
        if body.get("auto_create_room", 1) not in (0, 1):
            raise Refuse(40058, "auto_create_room must be 0 or 1")
        if len(body.get("room_base_name", "")) > 40 or int(body.get("room_base_id", 1)) < 0:
            raise Refuse(40058, "invalid room_base_name or room_base_id")

    def scan(self, config_id: str, userid: str, *, at: int) -> str | None:
        """``userid`` scans the live code: WeCom puts them in its first listed chat that is
        not ``full``; all full and ``auto_create_room`` (WeCom's default: 1), it opens a new
        chat named ``room_base_name`` + the next number from ``room_base_id``, owned by the
        first chat's owner, adds it to the code's list and puts them there. The chat, or
        ``None`` when nobody has room."""
        way = self.join_ways[config_id]
        chat = next((c for c in way["chat_id_list"] if c not in self.full), None)
        if chat is None and way.get("auto_create_room", 1) == 1:
            made = way.setdefault("rooms_made", 0)
            chat = f"wrAuto{next(self.counter)}"
            name = f"{way.get('room_base_name', '')}{int(way.get('room_base_id', 1)) + made}"
            owner = self.chats[way["chat_id_list"][0]]["owner"]
            self.chats[chat] = {"chat_id": chat, "name": name, "owner": owner, "member_list": []}
            way["rooms_made"] = made + 1
            way["chat_id_list"].append(chat)
        if chat is not None:
            self.add_member(chat, userid, state=way.get("state"), at=at)
        return chat

    def h_groupchat_add_join_way(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_way(body)
        config_id = f"cfg{next(self.counter)}"
        self.join_ways[config_id] = {
            **body,
            "config_id": config_id,
            "qr_code": f"https://wx/{config_id}",
        }
        return {"config_id": config_id}

    def h_groupchat_update_join_way(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("config_id") not in self.join_ways:
            raise Refuse(41044, "invalid config_id")
        self._check_way(body)
        self.join_ways[body["config_id"]].update(body)
        return {}

    def h_groupchat_get_join_way(self, body: dict[str, Any]) -> dict[str, Any]:
        way = self.join_ways.get(body.get("config_id", ""))
        if way is None:
            raise Refuse(41044, "invalid config_id")
        return {"join_way": way}

    def h_groupchat_del_join_way(self, body: dict[str, Any]) -> dict[str, Any]:
        self.join_ways.pop(body.get("config_id", ""), None)
        return {}

    def h_groupchat_statistic(self, body: dict[str, Any]) -> dict[str, Any]:
        """One day's counts per owner asked for (WeCom: 按群主聚合), a page at a time."""
        begin = int(body["day_begin_time"])
        owners = list((body.get("owner_filter") or {}).get("userid_list") or ())
        if not owners or len(owners) > 100:
            raise Refuse(40058, "owner_filter.userid_list must hold 1 to 100 userids")
        items = []
        for owner in owners:
            chats = [c for c in self.chats.values() if c.get("owner") == owner]
            if not chats:
                continue
            members = [m for c in chats for m in c["member_list"]]
            data = {
                "chat_total": len(chats),
                "member_total": len(members),
                "new_member_cnt": sum(begin <= m["join_time"] < begin + 86_400 for m in members),
                "msg_total": self.messages.get((owner, begin), 0),
            }
            items.append({"owner": owner, "data": data})
        offset, limit = int(body.get("offset", 0)), min(int(body.get("limit", 500)), self.page)
        page = items[offset : offset + limit]
        return {"total": len(items), "next_offset": offset + len(page), "items": page}

    def _task(self, body: dict[str, Any]) -> dict[str, Any]:
        """The task ``msgid`` names, refusing as WeCom does: a bad page size, a task still
        being dispatched (41063, once), a msgid it never gave out."""
        if not 1 <= int(body.get("limit", 1000)) <= 1000:
            raise Refuse(40058, "limit must be 1 to 1000")
        msgid = str(body.get("msgid", ""))
        if msgid in self.dispatching:
            self.dispatching.discard(msgid)
            raise Refuse(41063, "group msg is being dispatched, try later")
        if msgid not in self.bodies:
            raise Refuse(40058, "invalid msgid")
        return self.bodies[msgid]

    def _page(self, items: list[Any], body: dict[str, Any], key: str) -> dict[str, Any]:
        start = int(body.get("cursor") or 0)
        end = start + min(int(body.get("limit", 1000)), self.page)
        return {key: items[start:end], "next_cursor": str(end) if end < len(items) else ""}

    def h_get_groupmsg_task(self, body: dict[str, Any]) -> dict[str, Any]:
        """The task's senders: status 2 once they confirmed it in the client, else 0."""
        self._task(body)
        msgid = body["msgid"]
        status = 2 if msgid in self.confirmed else 0
        return self._page([{"userid": self.sent_by[msgid], "status": status}], body, "task_list")

    def h_get_groupmsg_send_result(self, body: dict[str, Any]) -> dict[str, Any]:
        """Each recipient of the sender's part of the task: 0 unsent until the sender confirms,
        then 1 sent, or the failure in ``outcomes`` (2 not a contact, 3 had another task)."""
        task = self._task(body)
        if not body.get("userid"):
            raise Refuse(40058, "userid required")
        msgid = body["msgid"]
        if self.sent_by[msgid] != body["userid"]:
            return self._page([], body, "send_list")
        key = "external_userid" if task.get("chat_type") == "single" else "chat_id"
        items = []
        for who in task.get("external_userid") or task.get("chat_id_list") or ():
            status = self.outcomes.get(who, 1) if msgid in self.confirmed else 0
            item = {key: who, "userid": body["userid"], "status": status}
            if status == 1:
                item["send_time"] = 1777000000
            items.append(item)
        return self._page(items, body, "send_list")

    def h_add_msg_template(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("chat_type") == "group" and not body.get("sender"):
            raise Refuse(40058, "sender required for group")
        msgid = f"msg{next(self.counter)}"
        self.tasks.append(body)
        self.bodies[msgid] = body
        self.sent_by[msgid] = str(body.get("sender", ""))
        return {"fail_list": [], "msgid": msgid}

    def h_group_welcome_template_add(self, body: dict[str, Any]) -> dict[str, Any]:
        template_id = f"tpl{next(self.counter)}"
        self.templates[template_id] = body
        return {"template_id": template_id}

    def h_group_welcome_template_edit(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("template_id") not in self.templates:
            raise Refuse(41044, "invalid template_id")
        self.templates[body["template_id"]] = body
        return {}


class Refuse(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        self.errcode, self.errmsg = errcode, errmsg


def wecom_env(monkeypatch: pytest.MonkeyPatch, **more: str) -> None:
    """Configure shequn's WeCom settings (``SHEQUN_WECOM_*``) for the fake's corp, callback token,
    EncodingAESKey and secret; ``more`` adds or overrides settings by name (``SENDER="boss"``,
    ``API_URL=fake.url``)."""
    settings = {"CORP_ID": CORP, "TOKEN": TOKEN, "AES_KEY": AES_KEY, "SECRET": SECRET, **more}
    for key, value in settings.items():
        monkeypatch.setenv(f"SHEQUN_WECOM_{key}", value)


@contextmanager
def serve_fake() -> Iterator[FakeWeCom]:
    fake = FakeWeCom()

    class Handler(BaseHTTPRequestHandler):
        def _go(self, method: str) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            try:
                answer = fake.answer(method, url.path, query, body)
            except Refuse as e:
                answer = {"errcode": e.errcode, "errmsg": e.errmsg}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._go("GET")

        def do_POST(self) -> None:
            self._go("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def callback_xml(fields: dict[str, str], members: list[str] | None = None) -> bytes:
    """A decrypted callback as WeCom writes it."""
    parts = [
        f"<ToUserName><![CDATA[{CORP}]]></ToUserName>",
        "<FromUserName><![CDATA[sys]]></FromUserName>",
    ]
    parts += [f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()]
    if members:
        parts.append(
            "<MemChangeList>"
            + "".join(f"<Item><![CDATA[{m}]]></Item>" for m in members)
            + "</MemChangeList>"
        )
    return ("<xml>" + "".join(parts) + "</xml>").encode()


def app_text(sender: str, content: str, msg_id: str, *, at: int, agent: int = 1000002) -> bytes:
    """A member's text message to the self-built app, decrypted, as WeCom writes it (接收消息)."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName><CreateTime>{at}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId><AgentID>{agent}</AgentID></xml>"
    ).encode()


def sealed(
    xml: bytes,
    *,
    timestamp: str = "1777000000",
    nonce: str = "42",
    crypto: CallbackCrypto | None = None,
) -> tuple[dict[str, str], bytes]:
    """Query parameters and body of a POSTed callback, encrypted and signed for real."""
    c = crypto or CallbackCrypto(TOKEN, AES_KEY, CORP)
    ciphertext, sig = c.seal(xml, timestamp, nonce)
    body = (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>"
        f"<Encrypt><![CDATA[{ciphertext}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
    )
    return {"msg_signature": sig, "timestamp": timestamp, "nonce": nonce}, body.encode()

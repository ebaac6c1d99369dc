"""A fake Telegram Bot API on 127.0.0.1: a real HTTP server in a thread speaking the
documented JSON protocol (core.telegram.org/bots/api) for exactly the methods shequn uses.

``/bot<token>/<method>`` with JSON, form, multipart (file uploads: ``sendPhoto``) or query
parameters; answers ``{"ok": true,
"result": …}`` or ``{"ok": false, "error_code", "description", "parameters"}``. Tests queue
updates (:meth:`FakeBotApi.push`), script failures (:meth:`fail`) and read the calls made.
"""

from __future__ import annotations

import json
import struct
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

TOKEN = "123456789:AAFakeTokenForTestsOnly-dont-use-0123456789"
BOT_ID = 123456789


class Refused(Exception):
    """A method's documented error answer."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


@dataclass
class FakeBotApi:
    token: str = TOKEN
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: dict[str, list[tuple[int, str, dict[str, Any]]]] = field(default_factory=dict)
    admins: dict[int, dict[str, Any]] = field(default_factory=dict)
    privacy: bool = False
    webhook: str = ""
    next_message: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)
    confirmed: int = 0
    requests: set[tuple[int, int]] = field(default_factory=set)
    photos: list[bytes] = field(default_factory=list)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    promoted: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)

    # -- test controls -----------------------------------------------------------------
    def push(self, *updates: dict[str, Any]) -> None:
        with self.lock:
            self.updates.extend(updates)
            for u in updates:  # a join request waits to be approved or declined
                if "chat_join_request" in u:
                    r = u["chat_join_request"]
                    self.requests.add((r["chat"]["id"], r["from"]["id"]))

    def fail(self, method: str, code: int, description: str, **parameters: Any) -> None:
        """The next call of ``method`` answers this error."""
        self.failures.setdefault(method, []).append((code, description, parameters))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m == method]

    # -- the protocol ------------------------------------------------------------------
    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.calls.append((method, params))
            queued = self.failures.get(method)
            if queued:
                code, description, parameters = queued.pop(0)
                body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
                if parameters:
                    body["parameters"] = parameters
                return code, body
        handler = getattr(self, "m_" + method, None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except Refused as e:
            return e.code, {"ok": False, "error_code": e.code, "description": e.description}

    def m_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Shequn Test",
            "username": "shequn_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy,
            "supports_inline_queries": False,
        }

    def m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), 2.0)
        while True:
            with self.lock:
                if offset:
                    self.confirmed = max(self.confirmed, offset - 1)
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                ready = self.updates[: int(p.get("limit") or 100)]
            if ready or time.monotonic() >= deadline:
                return ready
            time.sleep(0.02)

    def _message(self, chat: Any, text: str) -> dict[str, Any]:
        self.next_message += 1
        kind = "private" if int(chat) > 0 else "supergroup"
        return {
            "message_id": self.next_message,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": int(chat), "type": kind},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Shequn Test"},
        }

    def m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._message(p["chat_id"], p["text"])

    def m_sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:
        """A photo uploaded as a multipart file (or a file_id/URL string, refused here: the
        fake keeps no files); Telegram answers the message with the sizes it made."""
        photo = p.get("photo")
        if photo is None:
            raise Refused(400, "Bad Request: there is no photo in the request")
        if not isinstance(photo, Upload):
            raise Refused(400, "Bad Request: wrong file identifier/HTTP URL specified")
        size = image_size(photo.data)
        if size is None:
            raise Refused(400, "Bad Request: IMAGE_PROCESS_FAILED")
        if len(photo.data) > PHOTO_MAX_BYTES:
            raise Refused(400, "Bad Request: file is too big")
        caption = str(p.get("caption") or "")
        if len(caption) > 1024:
            raise Refused(400, "Bad Request: message caption is too long")
        message = self._message(p["chat_id"], "")
        del message["text"]
        if caption:
            message["caption"] = caption
        self.photos.append(photo.data)
        unique = f"fake{len(self.photos)}"
        width, height = size
        message["photo"] = [
            {"file_id": f"{unique}-{w}", "file_unique_id": f"{unique}-{w}", "width": w,
             "height": round(height * w / width), "file_size": len(photo.data)}
            for w in sorted({min(width, 320), width})
        ]  # fmt: skip
        return message

    def m_createChatInviteLink(self, p: dict[str, Any]) -> dict[str, Any]:
        link = {
            "invite_link": f"https://t.me/+fake{len(self.calls)}",
            "creates_join_request": False,
            "is_primary": False,
            "is_revoked": False,
            "creator": {"id": BOT_ID, "is_bot": True, "first_name": "Shequn Test"},
        }
        self.links[link["invite_link"]] = link
        return self._set(link, p)

    def _set(self, link: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
        """``name`` (0-32 characters), ``member_limit`` (1-99999), ``expire_date``."""
        if len(str(p.get("name") or "")) > 32:
            raise Refused(400, "Bad Request: invite link name is too long")
        limit = p.get("member_limit")
        if limit is not None and not 1 <= int(limit) <= 99_999:
            raise Refused(400, "Bad Request: USAGE_LIMIT_INVALID")
        for key in ("name", "member_limit", "expire_date"):
            if key in p:
                link[key] = p[key]
        return dict(link)

    def _live(self, p: dict[str, Any]) -> dict[str, Any]:
        link = self.links.get(str(p.get("invite_link")))
        if link is None or link["is_revoked"]:
            raise Refused(400, "Bad Request: INVITE_HASH_EXPIRED")
        return link

    def m_editChatInviteLink(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._set(self._live(p), p)

    def m_revokeChatInviteLink(self, p: dict[str, Any]) -> dict[str, Any]:
        link = self._live(p)
        link["is_revoked"] = True
        return dict(link)

    def _true(self, _: dict[str, Any]) -> bool:
        return True

    def m_approveChatJoinRequest(self, p: dict[str, Any]) -> bool:
        """Only a pending request can be answered (Telegram: HIDE_REQUESTER_MISSING)."""
        key = (int(p["chat_id"]), int(p["user_id"]))
        if key not in self.requests:
            raise Refused(400, "Bad Request: HIDE_REQUESTER_MISSING")
        self.requests.discard(key)
        return True

    m_declineChatJoinRequest = m_approveChatJoinRequest
    m_restrictChatMember = m_banChatMember = m_unbanChatMember = m_deleteMessage = _true
    m_pinChatMessage = _true
    m_unpinChatMessage = _true

    def m_promoteChatMember(self, p: dict[str, Any]) -> bool:
        """Needs the bot's *add new admins* right where its rights are known; every right
        false demotes (the user is then a plain member again)."""
        chat, user = int(p["chat_id"]), int(p["user_id"])
        rights = self.admins.get(chat)
        if rights is not None and not rights.get("can_promote_members"):
            raise Refused(400, "Bad Request: not enough rights")
        given = {k: v for k, v in p.items() if k.startswith("can_") and v}
        if given:
            self.promoted[(chat, user)] = {**given, "custom_title": None}
        else:
            self.promoted.pop((chat, user), None)
        return True

    def m_setChatAdministratorCustomTitle(self, p: dict[str, Any]) -> bool:
        """Only for an admin this bot promoted (Telegram's rule), at most 16 characters."""
        key = (int(p["chat_id"]), int(p["user_id"]))
        if key not in self.promoted:
            raise Refused(400, "Bad Request: not enough rights to change custom title of the user")
        if len(str(p["custom_title"])) > 16:
            raise Refused(400, "Bad Request: ADMIN_RANK_INVALID")
        self.promoted[key]["custom_title"] = p["custom_title"]
        return True

    m_deleteWebhook = _true

    def m_setWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook = str(p["url"])
        return True

    def m_getWebhookInfo(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook, "has_custom_certificate": False, "pending_update_count": 0}

    def m_getChatMember(self, p: dict[str, Any]) -> dict[str, Any]:
        user = {"id": int(p["user_id"]), "is_bot": True, "first_name": "Shequn Test"}
        rights = self.admins.get(int(p["chat_id"]))
        if rights is None:
            return {"status": "member", "user": user}
        return {"status": "administrator", "user": user, **rights}


PHOTO_MAX_BYTES = 10 * 1024 * 1024
"""Telegram: a photo uploaded with sendPhoto is at most 10 MB."""


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request (``photo``)."""

    filename: str
    data: bytes


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG (from its IHDR chunk) or a JPEG (SOF marker); else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


def _multipart(kind: str, raw: bytes) -> dict[str, Any]:
    """The fields of a multipart/form-data body: text values (JSON-decoded when they are
    JSON, as PTB sends complex values) and file parts as :class:`Upload`."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + raw)
    out: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        body = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            out[str(name)] = Upload(filename, body)
            continue
        try:
            out[str(name)] = json.loads(body)
        except ValueError:
            out[str(name)] = body.decode()
    return out


def _params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    query = {k: v[0] for k, v in parse_qs(urlparse(handler.path).query).items()}
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    kind = handler.headers.get("Content-Type", "")
    if "json" in kind and raw:
        return {**query, **json.loads(raw)}
    if kind.startswith("multipart/form-data"):
        return {**query, **_multipart(kind, raw)}
    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    out: dict[str, Any] = {**query}
    for k, v in form.items():  # PTB sends complex values JSON-encoded inside the form
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def serve(api: FakeBotApi) -> tuple[ThreadingHTTPServer, str]:
    """Start the fake; returns the server and the ``--api-url`` (``http://127.0.0.1:N/bot``)."""

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            path = urlparse(self.path).path
            prefix = f"/bot{api.token}/"
            if not path.startswith(prefix):
                code, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            else:
                code, body = api.answer(path[len(prefix) :], _params(self))
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

        def log_message(self, *_: Any) -> None:  # quiet: and the URL holds the token
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/bot"

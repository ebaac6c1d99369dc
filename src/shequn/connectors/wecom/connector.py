"""The WeCom connector: the outbox's actions as calls to WeCom's customer-contact API.

What it does, and how (docs/wecom.md has the set-up and the limits):

``message.send`` to a group, template ``welcome`` or ``join_welcome``
    becomes the group's welcome template (``group_welcome_template/add``, then ``edit``),
    the batch's names replaced by ``%NICKNAME%``: WeCom sends it itself to whoever joins a
    group that uses it, so no message task is spent.
``message.send`` to a group or to members (``to``)
    a customer-group message task (``add_msg_template``, ``chat_type`` group with the chat, or
    single with the members' external user ids). WeCom does not send it yet: the ``sender``
    (a staff member) confirms it in the client. Not idempotent: a lost answer is ``Uncertain``.
``message.send`` replying to a member's command (``command``, ``to``)
    an app message (``message/send``, ``touser``) through the self-built app the member wrote
    to (``SHEQUN_WECOM_AGENT_ID``): WeCom delivers it at once, no staff member confirms it,
    and it is not a message task, so neither the daily pacing nor the monthly cap counts it.
``message.readback``
    a day after a message task: who confirmed it and who received it (``readback.py``).
``livecode.sync``
    keeps a group live code (群活码, ``groupchat/*_join_way``) pointing at the groups that
    have seats: ``add_join_way`` the first time (the ``config_id`` is its platform ref),
    ``update_join_way`` after; the QR code URL comes from ``get_join_way``; ``delete``
    (an expired link) is ``del_join_way``.

What WeCom's API cannot do — remove a member from a customer group, send a red envelope,
create a group — is not in :attr:`WeComConnector.kinds`, so the worker turns it into an
operator task. The limits are WeCom's caps (see :data:`WECOM_LIMITS`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from shequn.connectors.base import Call, Limits, Performed, Permanent, Rate, Transient
from shequn.connectors.wecom.client import WeComClient
from shequn.connectors.wecom.config import WeComConfig
from shequn.connectors.wecom.readback import read_back
from shequn.model.i18n import Said
from shequn.model.livecodes import WELCOME_TEMPLATES

DAY = 86_400.0
WELCOMES = WELCOME_TEMPLATES
"""A wave's and a join's welcome: both become the group welcome template, which WeCom sends
to each newcomer itself — a message task per burst of joins would spend the cap of four a
month."""
WECOM_LIMITS = Limits(
    per_target=Rate(1, DAY),
    overall=Rate(10, 1.0),
    per_target_kinds=frozenset({"message.send"}),
    unpaced_templates=WELCOMES,
    unpaced_keys=frozenset({"command"}),
)
"""A customer or a group gets at most one message task a day from shequn (WeCom: one a day
from one staff member, four a calendar month from the corp); a live code's and the welcome
template's edits are not capped per target. WeCom's API allows a corp about 10,000 calls a
minute — ten a second keeps far below it. A reply to a member's command is an app message,
not a task: unpaced per member."""
APP_SEND = "/cgi-bin/message/send"
"""The self-built app's "send a message" API (发送应用消息)."""
APP_PER_MEMBER = Rate(30, 60.0)
"""WeCom: an app sends one member at most 30 messages a minute; more are silently dropped, so
the 31st reply waits for the minute to pass instead (a member typing commands that fast)."""
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
"""WeCom's statistics days are China days."""
MAX_CHATS = 5
"""A group live code lists at most five groups."""

NICKNAME = "%NICKNAME%"
"""WeCom puts the newcomer's nickname where a welcome template says this."""

MONTHLY_TASKS = 4
"""WeCom: a customer (or customer group) receives at most four message tasks a calendar month
from the corp; more are silently not delivered."""

ChatOf = Callable[[str, str], str | None]
"""(community, group slug) → WeCom chat id, supplied by whoever builds the connector."""
OwnersOf = Callable[[str], Mapping[str, str | None]]
"""community → its WeCom groups → each one's owner (``None``: not recorded yet)."""
OWNERS_PER_CALL = 100
"""WeCom's ``owner_filter`` takes at most 100 userids."""
SentSince = Callable[[str, datetime], int]
"""(target, since) → message tasks already carried out for the target since then (the CLI
counts them in the outbox, so a restarted worker still knows)."""


class WeComConnector:
    name = "wecom"
    kinds = frozenset({"message.send", "livecode.sync", "stats.pull", "message.readback"})
    can_check = False

    def __init__(
        self,
        *,
        config: WeComConfig | None = None,
        client: WeComClient | None = None,
        api_url: str | None = None,
        sender: str | None = None,
        chat_of: ChatOf | None = None,
        welcome_templates: Mapping[str, str] | None = None,
        sent_since: SentSince | None = None,
        owners_of: OwnersOf | None = None,
        clock: Callable[[], datetime] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.config = config or WeComConfig.from_env()
        self.client = client or WeComClient(
            self.config.corp_id, self.config.secret, api_url=api_url or self.config.api_url
        )
        self.sender = sender or self.config.sender
        self.chat_of = chat_of or (lambda _c, _g: None)
        given = limits or Limits()
        self.limits = given if given.per_target or given.overall else WECOM_LIMITS
        self.welcome_templates = dict(welcome_templates or {})
        """``community/group`` → its welcome template made earlier (the CLI reads them from
        the outbox): one per group, since each group's owner picks its own in the client."""
        self.sent_since = sent_since
        self.owners_of = owners_of or (lambda _c: {})
        self.clock = clock or (lambda: datetime.now(CHINA))
        self._app_sent: dict[str, deque[datetime]] = {}
        """userid → when the app last messaged them, within :data:`APP_PER_MEMBER`'s window."""

    def perform(self, call: Call) -> Performed:
        if call.kind == "livecode.sync":
            return self._sync_live_code(call)
        if call.kind == "stats.pull":
            return self._statistics(call)
        if call.kind == "message.readback":
            return self._readback(call)
        if call.kind == "message.send":
            if call.payload.get("template") in WELCOMES and not call.payload.get("to"):
                return self._welcome(call)
            if call.payload.get("command") and call.payload.get("to"):
                return self._app_message(call)
            return self._message(call)
        raise Permanent(Said("the wecom connector cannot do {kind}", kind=call.kind))

    def check(self, call: Call) -> Performed | None:
        return None  # WeCom has no lookup by our idempotency key: uncertain sends go to review

    def close(self) -> None:
        self.client.close()

    # --- messages ----------------------------------------------------------------------------

    def _text(self, call: Call) -> str:
        if not call.text:
            raise Permanent(Said("the message has no text to send"))
        return call.text[:4000]  # WeCom's text limit

    def _message(self, call: Call) -> Performed:
        body: dict[str, Any] = {"text": {"content": self._text(call)}}
        sender = call.payload.get("sender") or self.sender
        if sender:
            body["sender"] = sender
        to = call.payload.get("to")
        if to:
            people = [to] if isinstance(to, str) else list(to)
            body |= {"chat_type": "single", "external_userid": [_userid(p) for p in people]}
        else:
            chat = call.payload.get("chat_id") or (
                self.chat_of(call.community, call.group) if call.group else None
            )
            if not chat:
                raise Permanent(
                    Said(
                        "group {group} has no WeCom chat id (set its chat_id)",
                        group=repr(call.group),
                    )
                )
            body |= {"chat_type": "group", "chat_id_list": [chat]}
            if not sender:
                raise Permanent(
                    Said("a group message task needs a sender (the group owner's userid)")
                )
        self._within_the_month(call)
        answer = self.client.post("add_msg_template", body, idempotent=False)
        failed = answer.get("fail_list") or []
        return Performed(str(answer.get("msgid", "")) or None, {"fail_list": failed})

    def _app_message(self, call: Call) -> Performed:
        """A reply to a member's command, from the app they wrote to (``message/send``). Not
        idempotent (WeCom's duplicate check would also drop a second, equal answer to a second
        command): a lost answer is ``Uncertain``. Recipients WeCom names ``invaliduser`` (not
        in the app's visible range, left the corp) did not get it: all of them → ``Permanent``."""
        agent = self.config.agent_id
        if not agent or not agent.isdigit():
            raise Permanent(
                Said("replies to members' commands need the app: set SHEQUN_WECOM_AGENT_ID")
            )
        to = call.payload["to"]
        people = [_userid(p) for p in ([to] if isinstance(to, str) else to)]
        body = {
            "touser": "|".join(people),
            "msgtype": "text",
            "agentid": int(agent),
            "text": {"content": self._text(call)},
        }
        self._app_window(people)
        answer = self.client.post(APP_SEND, body, idempotent=False)
        invalid = [u for u in str(answer.get("invaliduser") or "").split("|") if u]
        if invalid and set(people) <= set(invalid):
            raise Permanent(Said("WeCom did not deliver to {people}: not in the app's visible "
                                 "range (应用可见范围) or not in the corp",
                                 people=", ".join(invalid)))  # fmt: skip
        return Performed(str(answer.get("msgid", "")) or None, {"invaliduser": invalid})

    def _app_window(self, people: list[str]) -> None:
        """Count the message against each recipient's minute (:data:`APP_PER_MEMBER`), or
        ``Transient`` until the oldest in a full window is a minute old."""
        now, per = self.clock(), timedelta(seconds=APP_PER_MEMBER.per)
        windows = [self._app_sent.setdefault(p, deque()) for p in people]
        for sent in windows:
            while sent and now - sent[0] >= per:
                sent.popleft()
        full = [sent[0] for sent in windows if len(sent) >= APP_PER_MEMBER.count]
        if full:
            wait = (min(full) + per - now).total_seconds()
            raise Transient(
                Said("WeCom's app may message a member {n} times a minute", n=APP_PER_MEMBER.count),
                retry_after=wait,
            )
        for sent in windows:
            sent.append(now)

    def _within_the_month(self, call: Call) -> None:
        """WeCom's cap of :data:`MONTHLY_TASKS` a calendar (China) month per target: past it
        the task would silently not arrive, so it waits for the next month instead."""
        if self.sent_since is None or not call.target:
            return
        now = self.clock().astimezone(CHINA)
        month = datetime(now.year, now.month, 1, tzinfo=CHINA)
        if self.sent_since(call.target, month) < MONTHLY_TASKS:
            return
        following = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=CHINA)
        raise Transient(
            Said(
                "{target} has had its {n} WeCom message tasks this month",
                target=call.target,
                n=MONTHLY_TASKS,
            ),
            retry_after=(following - now).total_seconds(),
        )

    def _welcome(self, call: Call) -> Performed:
        """The group's welcome template, created once and edited after (idempotent)."""
        body = {"text": {"content": _nickname(self._text(call), call.payload)}, "notify": 0}
        key = f"{call.community}/{call.group}"
        template = self.welcome_templates.get(key)
        if template is None:
            answer = self.client.post("group_welcome_template/add", body, idempotent=False)
            template = self.welcome_templates[key] = str(answer["template_id"])
        else:
            self.client.post("group_welcome_template/edit", {"template_id": template, **body})
        return Performed(template, {"template_id": template})

    # --- statistics ----------------------------------------------------------------------------

    def _statistics(self, call: Call) -> Performed:
        """``groupchat/statistic`` (WeCom's counts per owner) for one China day and every owner
        of the community's WeCom groups (a group whose owner is unknown counts as the sender's).
        The result keeps each owner's counts, their sum, and which group was whose, so the
        report compares each owner's groups with the log."""
        day = str(call.payload.get("day", ""))
        groups = {g: o or self.sender for g, o in self.owners_of(call.community).items()}
        owned = {g: o for g, o in groups.items() if o}
        owners = list(call.payload.get("owners") or sorted(set(owned.values())))
        if not owners and self.sender:
            owners = [self.sender]
        if not owners:
            raise Permanent(Said("statistics need the groups' owners: set SHEQUN_WECOM_SENDER"))
        try:
            begin = int(datetime.combine(date.fromisoformat(day), time(), CHINA).timestamp())
        except ValueError:
            raise Permanent(Said("{day} is not a day (YYYY-MM-DD)", day=repr(day))) from None
        by_owner: dict[str, dict[str, int]] = {}
        for i in range(0, len(owners), OWNERS_PER_CALL):
            by_owner |= self._owner_stats(begin, owners[i : i + OWNERS_PER_CALL])
        totals: dict[str, int] = {}
        for data in by_owner.values():
            for key, value in data.items():
                totals[key] = totals.get(key, 0) + value
        result = {"day": day, "owners": owners, "data": totals, "by_owner": by_owner}
        return Performed(None, result | {"groups": owned})

    def _owner_stats(self, begin: int, owners: list[str]) -> dict[str, dict[str, int]]:
        """One day's counts of up to 100 owners, page by page (``offset``/``next_offset``)."""
        found: dict[str, dict[str, int]] = {}
        offset = 0
        while True:
            body = {
                "day_begin_time": begin,
                "day_end_time": begin,
                "owner_filter": {"userid_list": owners},
                "offset": offset,
                "limit": 1000,
            }
            answer = self.client.post("groupchat/statistic", body)
            items = answer.get("items") or []
            for item in items:
                data = item.get("data") or {}
                found[str(item.get("owner"))] = {k: int(v) for k, v in data.items()}
            offset = int(answer.get("next_offset") or 0)
            if not items or not offset or offset >= int(answer.get("total") or 0):
                return found

    def _readback(self, call: Call) -> Performed:
        """``get_groupmsg_task`` and ``get_groupmsg_send_result``: who confirmed the task and
        who received it (``readback.py``); waits while recipients are unsent until ``until``."""
        until = call.payload.get("until")
        return read_back(
            self.client,
            str(call.payload.get("msgid", "")),
            self.clock(),
            datetime.fromisoformat(str(until)) if until else None,
        )

    # --- group live codes --------------------------------------------------------------------

    def _sync_live_code(self, call: Call) -> Performed:
        p = call.payload
        if p.get("delete"):
            if p.get("config_id"):  # deleting what is gone already is done too
                self.client.post("groupchat/del_join_way", {"config_id": p["config_id"]})
            return Performed(p.get("config_id"), {"deleted": True, "chat_ids": []})
        chats = [str(c) for c in p.get("chat_ids") or ()][:MAX_CHATS]
        if not chats:
            raise Permanent(Said("a group live code needs at least one group with seats"))
        way: dict[str, Any] = {
            "scene": 2,  # a QR code
            "remark": str(p.get("link", ""))[:30],
            **(p.get("rooms") or {"auto_create_room": 0}),
            "chat_id_list": chats,
            "state": str(p.get("state") or p.get("link", ""))[:30],
        }
        config_id = p.get("config_id")
        if config_id:
            self.client.post("groupchat/update_join_way", {"config_id": config_id, **way})
        else:
            answer = self.client.post("groupchat/add_join_way", way, idempotent=False)
            config_id = str(answer["config_id"])
        got = self.client.post("groupchat/get_join_way", {"config_id": config_id})
        join_way = got.get("join_way") or {}
        return Performed(
            str(config_id),
            {"config_id": config_id, "qr_code": join_way.get("qr_code"), "chat_ids": chats},
        )


def _nickname(text: str, payload: dict[str, Any]) -> str:
    """The rendered welcome with the names of the batch it was written for replaced by
    ``%NICKNAME%``: the template greets every later newcomer, each by their own name."""
    names = [str(n) for n in payload.get("names") or () if n]
    if not names:
        return text
    start, end = text.find(names[0]), text.rfind(names[-1])
    if start < 0 or end < start:
        return text
    return text[:start] + NICKNAME + text[end + len(names[-1]) :]


def _userid(identity: str) -> str:
    """``wecom:<external userid>`` → the external user id."""
    platform, _, userid = identity.partition(":")
    if platform != "wecom" or not userid:
        raise Permanent(
            Said("{key} is not a WeCom customer (wecom:<external userid>)", key=repr(identity))
        )
    return userid

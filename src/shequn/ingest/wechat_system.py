"""What WeChat's system lines (``Type`` 10000/10002) say, and who the names in them are.

System lines name people by display name, not wxid; the wordings follow the wechaty puppets'
regexes and bots that parse them (see :mod:`shequn.ingest.wechat`). Pure functions on strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from shequn.model.events import identity_key

_SENDID = re.compile(r"sendid=(\d+)")


@dataclass
class Names:
    """Display name → wxid, to read system lines, which name people, not ids. A name maps to a
    wxid only when exactly one wxid was seen with it; "你" is the exporting account."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    me: str | None = None
    by_name_used: bool = False

    def add(self, name: str, wxid: str) -> None:
        if name.strip() and wxid:
            self.ids.setdefault(name.strip(), set()).add(wxid)

    def key(self, name: str) -> str | None:
        """The identity key of a uniquely known name (mentions: unknown ones are dropped)."""
        found = self.ids.get(name.strip(), set())
        return identity_key("wechat", next(iter(found))) if len(found) == 1 else None

    def person(self, name: str | None) -> str | None:
        """A name from a system line as an identity: ``None`` stands for "你" (the exporter,
        ``None`` again when unknown); unresolved names get a clearly marked name key."""
        if name is None:
            return identity_key("wechat", self.me) if self.me else None
        key = self.key(name)
        if key is None:
            self.by_name_used = True
            key = identity_key("wechat", f"name:{name.strip()}")
        return key


@dataclass(slots=True)
class SystemLine:
    """What a system line says: kind, who did it, to whom, and a name (new title, envelope)."""

    kind: str
    actor: str | None = None
    actor_name: str | None = None
    subjects: list[tuple[str, str | None]] = field(default_factory=list)
    channel: str | None = None
    name: str | None = None


_Q = r'["“]([^"”]+?)["”]'  # a quoted display name
_WHO = rf"(?:你|{_Q})"  # "你" (the exporter; the group is then None) or a quoted name
_Read = Callable[[tuple[Any, ...]], tuple[Any, list[Any], str | None]]
# kind, pattern, and how to read its groups: (actor, subjects, extra) where a None name is
# "你", an actor "" is nobody named, and extra is the channel or the group's new name.
_PATTERNS: list[tuple[str, str, _Read]] = [
    ("renamed", rf"^{_WHO}修改群名为[“\"](.+)[”\"]$", lambda g: (g[0], [], g[1])),
    ("joined", rf"^{_WHO}通过扫描{_WHO}分享的二维码加入群聊", lambda g: (g[1], [g[0]], "qr")),
    ("joined", rf"^{_WHO}通过{_WHO}的邀请二维码加入群聊", lambda g: (g[1], [g[0]], "qr")),
    ("joined", rf"^{_WHO}邀请(.+?)加入了群聊", lambda g: (g[0], _quoted(g[1]), "invite")),
    ("joined", rf"^{_Q}加入了群聊", lambda g: ("", [g[0]], None)),
    ("removed", rf"^{_WHO}将(.+?)移出了群聊", lambda g: (g[0], _quoted(g[1]), None)),
    ("removed", rf"^你被{_Q}移出群聊", lambda g: (g[0], [None], None)),
    ("removed", rf"^{_Q}被移出群聊", lambda g: ("", [g[0]], None)),
    ("left", rf"^{_Q}退出了群聊", lambda g: ("", [g[0]], None)),
    ("grabbed", r"^你领取了自己发的红包", lambda g: (None, [None], None)),
    ("grabbed", r"^你领取了(.+?)的红包", lambda g: (g[0], [None], None)),
    ("grabbed", r"^(.+?)领取了你的红包", lambda g: (None, [g[0]], None)),
]  # fmt: skip
_SYS = [(kind, re.compile(p), read) for kind, p, read in _PATTERNS]


def _quoted(part: str) -> list[str | None]:
    """Names in ``你和"B、C"`` → [None, "B", "C"] (None for 你)."""
    names: list[str | None] = [None] if part.startswith("你") else []
    for q in re.findall(_Q, part):
        names.extend(n for n in q.split("、") if n.strip())
    return names


def _sysmsg_template(text: str, names: Names) -> str:
    """``<sysmsg type="sysmsgtemplate">``: fill the template's ``$names$`` with the member
    lists' nicknames, and learn each nickname's wxid from them (the XML carries both)."""
    try:
        root = ElementTree.fromstring(text)  # noqa: S314  # plain export data, no DTD
    except ElementTree.ParseError:
        return ""
    template = root.findtext(".//template") or ""
    for link in root.iter("link"):
        members = []
        for m in link.iter("member"):
            nick = (m.findtext("nickname") or "").strip()
            names.add(nick, (m.findtext("username") or "").strip())
            members.append(nick)
        template = template.replace(f"${link.get('name', '')}$", "、".join(members))
    return template


def parse_system(text: str, names: Names) -> SystemLine | None:
    """A ``Type`` 10000/10002 line → what it means; ``None`` when it means nothing we keep,
    ``SystemLine("skip", name=…)`` for kinds counted on purpose (pats, recalls)."""
    text = text.strip()
    if "revokemsg" in text or "撤回了一条消息" in text:
        return SystemLine("skip", name="recalled messages")
    if "拍了拍" in text or 'type="pat"' in text:
        return SystemLine("skip", name="pats (拍了拍)")
    if "sysmsgtemplate" in text:
        text = _sysmsg_template(text, names)
    sendid = _SENDID.search(text)
    plain = re.sub(r"<[^>]*>", "", text).strip()
    for kind, pattern, read in _SYS:
        m = pattern.match(plain)
        if m is not None:
            actor, subjects, extra = read(m.groups())
            by = None if actor == "" else names.person(actor)
            line = SystemLine(kind, by, actor or None, _people(subjects, names))
            if kind == "renamed":
                line.name = extra
            elif kind == "grabbed":
                line.name = sendid.group(1) if sendid else None
            else:
                line.channel = extra
            return line
    return None


def _people(found: list[str | None], names: Names) -> list[tuple[str, str | None]]:
    """(identity, display name) for each name; "你" is dropped when the exporter is unknown."""
    out = []
    for name in found:
        key = names.person(name)
        if key is not None:
            out.append((key, name))
    return out

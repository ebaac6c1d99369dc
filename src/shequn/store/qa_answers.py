"""The candidates for a question's best answer (P-ENG-3): every reply to it with its reactions
and whether its author holds a role, read from the log for the entries being shown.

The knowledge base's projection (``store/qa.py``) keeps one answer per question — the first
reply, or the latest marking. Which answer is *best* is the blueprint's rule
(``[engagement.qa] best``, decided in ``engine/engagement/best_answer.py``), and a rule can
change, so the other replies are read here when the base is listed, searched or exported,
rather than folded into a table of their own. The reads are bounded by the entries' time
(replies and reactions come after the question; ``ix_events_community_time``) and filter the
JSON fields in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from shequn.store import tables as t
from shequn.store.qa import Entry
from shequn.store.sql import chunks


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply to a question: who wrote what when, how many reacted to it, and whether its
    author holds a role in the community (a group leader, a manager …)."""

    ref: str  # source|source_ref of the reply
    who: str
    text: str
    at: datetime
    reactions: int = 0
    key_member: bool = False


def replies_to(
    conn: Connection, community: str, entries: Sequence[Entry]
) -> dict[str, list[Reply]]:
    """Each entry's replies (``data.reply_to`` naming its message, same source, by someone
    other than the asker), oldest first, keyed by the entry's ``question_ref``."""
    asked = {e.question_ref: e for e in entries if e.status == "answered"}
    if not asked:
        return {}
    e = t.events.c
    since = min(x.asked_at for x in asked.values())
    found: dict[str, list[tuple[str, str, str, datetime]]] = {}
    for part in chunks(sorted({k.split("|", 1)[1] for k in asked})):
        rows = conn.execute(
            select(e.source, e.source_ref, e.actor, e.data["reply_to"].as_string(), e.data)
            .where(e.community_slug == community, e.kind == "message.posted")
            .where(e.occurred_at >= since, e.data["reply_to"].as_string().in_(part))
            .add_columns(e.occurred_at)
            .order_by(e.occurred_at, e.id)
        )
        for source, ref, who, to, data, at in rows:
            key = f"{source}|{to}"
            text = str((data or {}).get("text") or "")
            if key in asked and who and text and who != asked[key].asker:
                found.setdefault(key, []).append((f"{source}|{ref}", who, text, at))
    reactions = _reactions(conn, community, [r for rs in found.values() for r in rs], since)
    keys = _role_holders(conn, community)
    return {
        k: [Reply(ref, who, text, at, reactions.get(ref, 0), who in keys)
            for ref, who, text, at in rs]
        for k, rs in found.items()
    }  # fmt: skip


def _reactions(
    conn: Connection, community: str, replies: list[tuple[str, str, str, datetime]], since: datetime
) -> dict[str, int]:
    """Reactions to each reply (``message.reacted`` naming it, same source), one per reactor
    and never the reply's own author."""
    authors = {ref: who for ref, who, _, _ in replies}
    e = t.events.c
    seen: set[tuple[str, str]] = set()
    for part in chunks(sorted({ref.split("|", 1)[1] for ref in authors})):
        rows = conn.execute(
            select(e.source, e.data["message"].as_string(), e.actor)
            .where(e.community_slug == community, e.kind == "message.reacted")
            .where(e.occurred_at >= since, e.data["message"].as_string().in_(part))
        )
        for source, message, who in rows:
            ref = f"{source}|{message}"
            if ref in authors and who and who != authors[ref]:
                seen.add((ref, who))
    counts: dict[str, int] = {}
    for ref, _ in seen:
        counts[ref] = counts.get(ref, 0) + 1
    return counts


def _role_holders(conn: Connection, community: str) -> set[str]:
    r, i, c = t.roles.c, t.identities.c, t.communities.c
    return set(
        conn.execute(
            select(i.key)
            .join_from(t.roles, t.identities, i.id == r.identity_id)
            .join(t.communities, c.id == r.community_id)
            .where(c.slug == community)
        ).scalars()
    )


__all__ = ["Reply", "replies_to"]

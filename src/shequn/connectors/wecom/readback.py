"""Reading a message task back: did its senders confirm it, and who received it.

A WeCom message task (``add_msg_template``) reaches nobody until a staff member confirms it in
the client, and then not everyone: a customer who is no longer a contact, or who received
another corp task today, is skipped. ``get_groupmsg_task`` says which senders confirmed;
``get_groupmsg_send_result`` (per sender, page by page) says what became of each recipient —
a customer (``external_userid``) of a private task, a group (``chat_id``) of a group task.

While some recipient is still unsent the task is not finished: the read-back waits
(:class:`Transient`, :data:`PENDING_RETRY`) until its ``until``, then records what it found.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from shequn.connectors.base import Performed, Transient
from shequn.connectors.wecom.client import WeComClient
from shequn.model.i18n import Said

PAGE = 1000
"""WeCom's largest page for both calls."""
PENDING_RETRY = 12 * 3600.0
"""Seconds before asking again about a task some recipient has not had yet."""
OUTCOMES = {0: "unsent", 1: "received", 2: "not_a_contact", 3: "had_another_task"}
"""``get_groupmsg_send_result`` status: 0 not sent yet, 1 sent, 2 failed (the customer is not
a contact), 3 failed (the customer already received another corp task)."""


def _pages(client: WeComClient, path: str, body: dict[str, Any], key: str) -> Iterator[Any]:
    """Every item of ``key`` over the pages of a cursor-paged call."""
    cursor = ""
    while True:
        answer = client.post(
            path, {**body, "limit": PAGE, **({"cursor": cursor} if cursor else {})}
        )
        yield from answer.get(key) or ()
        cursor = str(answer.get("next_cursor") or "")
        if not cursor:
            return


def read_back(client: WeComClient, msgid: str, now: datetime, until: datetime | None) -> Performed:
    """What became of task ``msgid``: each sender's confirmation and each recipient's outcome,
    with counts; :class:`Transient` while a recipient is unsent and ``now`` is before ``until``."""
    senders = {
        str(t.get("userid")): t.get("status") == 2
        for t in _pages(client, "get_groupmsg_task", {"msgid": msgid}, "task_list")
    }
    recipients: dict[str, str] = {}
    for sender in senders:
        body = {"msgid": msgid, "userid": sender}
        for item in _pages(client, "get_groupmsg_send_result", body, "send_list"):
            who = str(item.get("external_userid") or item.get("chat_id") or "")
            if who:
                recipients[who] = OUTCOMES.get(int(item.get("status", 0)), "unsent")
    counts = {k: sum(v == k for v in recipients.values()) for k in ("received", "unsent")}
    counts["failed"] = len(recipients) - counts["received"] - counts["unsent"]
    unfinished = counts["unsent"] > 0 or not any(senders.values())
    if unfinished and until is not None and now < until:
        waiting = (
            Said("task {msgid}: {n} not sent yet", msgid=msgid, n=counts["unsent"])
            if counts["unsent"]
            else Said("task {msgid}: not sent to anyone yet", msgid=msgid)
        )
        raise Transient(waiting, retry_after=PENDING_RETRY)
    result = {"msgid": msgid, "sent": any(senders.values()), "senders": senders, **counts}
    return Performed(msgid, result | {"recipients": recipients})

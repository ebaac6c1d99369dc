"""The bot removed from a bound Telegram chat (a ``my_chat_member`` update): the binding is
disabled so nothing more is sent there, and an operator task — in the community's language —
says what happened and how to resume; the same update delivered again opens no second task."""

from __future__ import annotations

from typing import Any

from shequn.api.telegram_updates import record_updates
from shequn.engine.bindings import bind
from shequn.store.bindings import chat_bindings
from shequn.store.tasks import list_tasks
from tests.growth_helpers import COMMUNITY, group, loaded
from tests.telegram_fake import BOT_ID
from tests.telegram_updates import CHAT, DATE, group_chat, user


def removed(uid: int, status: str = "kicked") -> dict[str, Any]:
    """Bot API ``my_chat_member``: the bot's own status in the chat changed."""
    change = {
        "chat": group_chat(),
        "from": user(7),
        "date": DATE + uid,
        "old_chat_member": {"status": "administrator", "user": user(BOT_ID)},
        "new_chat_member": {"status": status, "user": user(BOT_ID)},
    }
    return {"update_id": uid, "my_chat_member": change}


def test_a_removed_bot_disables_the_binding_and_opens_one_task(store):
    loaded(store, group("main"))
    bind(store, COMMUNITY, "main", "telegram", str(CHAT))
    for _ in range(2):  # delivered twice
        record_updates(store, COMMUNITY, BOT_ID, [removed(40)])
    with store.read() as conn:
        assert chat_bindings(conn, COMMUNITY, "telegram") == {}
        tasks = list_tasks(conn, COMMUNITY)
    (task,) = [t for t in tasks if t["kind"] == "bot.removed"]
    assert task["group_slug"] == "main" and task["status"] == "open"
    assert task["instruction"].startswith(f"机器人被移出了 telegram 群 {CHAT}（分组 main）")
    assert f"shequn groups bind main --platform telegram --chat {CHAT}" in task["instruction"]

"""The columns a sync derives into ``ev`` hold exactly what docs/scale.md says they hold: the
message digests are the MD5 of the documented text, typed fields are read from ``data`` with
their defaults, and local times follow the community's time zone. Written against values
computed here by hand, so a cheaper derivation can never change a stored value unnoticed."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from shequn.analytics.replica import Replica
from shequn.engine.record import record
from shequn.store.db import Store
from tests.analytics_helpers import COMMUNITY, configured, event, join, merge, post


def digest(source: str, ref: str) -> int:
    """``md5_number`` of (community, source, ref), lengths prefixed (in characters)."""
    text = f"{len(COMMUNITY)}:{COMMUNITY}{len(source)}:{source}:{ref}"
    return int.from_bytes(hashlib.md5(text.encode()).digest(), "little")  # noqa: S324


COLUMNS = (
    "person, local_at, day, reply_to, length, has_link, has_media, is_question, target, "
    "forwarded, inviter, ref_key, to_person"
)


def test_each_derived_column_holds_its_documented_value(store: Store) -> None:
    src = "metric-test"
    record(
        store,
        [
            configured(),
            join("a", day=0, hour=23.5, ref="j-a"),
            join("b", day=0, ref="j-b", inviter="wechat:a"),
            post("a", day=1, ref="问题一", is_question=True, has_link=True, length=12),
            post("b", day=1, ref="m2", reply_to="问题一", has_media=True, forwarded_from="x"),
            event("message.reacted", "b", day=1, ref="r1", message="问题一", emoji="+1"),
            event("message.pinned", "a", day=1, ref="p1", message="m2"),
        ],
    )
    with Replica.open(store, ":memory:") as replica:
        rows = replica.raw.execute(
            f"SELECT source_ref, {COLUMNS} FROM ev WHERE source_ref <> 'configured' "
            "ORDER BY source_ref"
        ).fetchall()
    late = (datetime(2026, 1, 1, 23, 30), date(2026, 1, 1))  # 15:30 UTC: local in Shanghai
    noon = (datetime(2026, 1, 1, 12), date(2026, 1, 1))
    day1 = (datetime(2026, 1, 2, 12), date(2026, 1, 2))
    no_fields = (None, None, False, False, False, None, False, None)
    assert rows == [
        ("j-a", "wechat:a", *late, *no_fields, None, None),
        ("j-b", "wechat:b", *noon, *no_fields[:7], "wechat:a", None, None),
        ("m2", "wechat:b", *day1, "问题一", 20, False, True, False, None, True, None,
         digest(src, "m2"), "wechat:a"),
        ("p1", "wechat:a", *day1, None, None, False, False, False, "m2", False, None,
         None, None),
        ("r1", "wechat:b", *day1, None, None, False, False, False, "问题一", False, None,
         None, "wechat:a"),
        ("问题一", "wechat:a", *day1, None, 12, True, False, True, None, False, None,
         digest(src, "问题一"), None),
    ]  # fmt: skip


def test_a_merged_identity_is_its_member_and_a_reply_to_a_missing_message_waits_on_its_digest(
    store: Store,
) -> None:
    record(
        store,
        [
            configured("UTC"),
            join("a", day=0),
            join("c", day=0),
            post("c", day=0, ref="solo"),
            post("a", day=0, ref="answer", reply_to="gone"),
            merge("a", "c", day=0, hour=13),
        ],
    )
    with Replica.open(store, ":memory:") as replica:
        rows = replica.raw.execute(
            "SELECT actor, person, ref_key, to_id, local_at FROM ev WHERE source_ref = 'solo'"
        ).fetchall()
        waiting = replica.raw.execute(
            "SELECT e.source_ref, e.to_id, u.to_key FROM unresolved u JOIN ev e USING (id)"
        ).fetchall()
    # day 0, 12:00 in Shanghai is 04:00 UTC, and UTC is the community's zone now
    solo = digest("metric-test", "solo")
    assert rows == [("wechat:c", "wechat:a", solo, None, datetime(2026, 1, 1, 4))]
    assert waiting == [("answer", None, digest("metric-test", "gone"))]

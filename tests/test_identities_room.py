"""On PostgreSQL the identities' pages keep room for the display names' updates (migration
0305): renaming people rewrites almost every row on its own page (an in-place, HOT update
that adds no index entries), batch after batch. Packed full, most rows moved to new pages
each time (250-300 of these 300 per batch)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shequn.engine.record import record
from shequn.store.db import Store

PEOPLE = 300


def pages(store: Store) -> dict[str, int]:
    """Each identity's page (the block of its row's current version)."""
    sql = "SELECT key, (ctid::text::point)[0]::int FROM identities"
    with store.read() as conn:
        return {key: int(page) for key, page in conn.execute(text(sql))}


@pytest.mark.postgres
def test_renamed_people_stay_on_their_pages(pg_store, ev):
    people = [f"wechat:p{k:03}" for k in range(PEOPLE)]
    record(pg_store, [ev.community_configured(),
                      *(ev("member.joined", who, minutes=1, actor_name=f"名字 0 {who[-3:]}")
                        for who in people)])  # fmt: skip
    with pg_store.read() as conn:
        [options] = conn.execute(
            text("SELECT reloptions FROM pg_class WHERE relname = 'identities'")
        ).one()
    assert options == ["fillfactor=50"]
    before = pages(pg_store)
    assert len(set(before.values())) > 1  # enough people for several pages
    for n in range(1, 4):  # each batch renames everyone (as an import's batches do)
        renamed = [ev("message.posted", who, minutes=10 + n, text="hi",
                      actor_name=f"名字 {n} {who[-3:]}") for who in people]  # fmt: skip
        record(pg_store, renamed)
        after = pages(pg_store)
        # a page's first rename may come before the last batch's old versions are pruned
        assert sum(after[who] != before[who] for who in people) <= PEOPLE // 10
        before = after
    with pg_store.read() as conn:
        names = conn.execute(text("SELECT DISTINCT display_name LIKE '名字 3 %' FROM identities"))
        assert names.scalars().all() == [True]

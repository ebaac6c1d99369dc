"""The dashboard's moderation page on the demo community with its rules switched on: adverts
posted in two groups climb the ladder through the live reactor; the page lists the steps with
their evidence and message, the appeals and the counts per rule; an owner undoes a step and
grants an appeal from it; a scoped manager sees and acts on their group only; an analyst reads."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from shequn.engine.blueprint import load_into_store
from shequn.engine.record import record
from shequn.engine.rules.manage import file_appeal, list_steps
from shequn.model.events import Event
from shequn.store.db import Store
from shequn.store.growth_queries import get_blueprint
from shequn.store.queries import list_members
from shequn.store.rules_queries import events_by
from tests.test_web import CSRF, OTHER_GROUP, SCOPED_GROUP, C, Site, site  # noqa: F401

ADS = {
    SCOPED_GROUP: "日赚500，招代理，加 薇 abc8888 详情私聊",
    OTHER_GROUP: "兼职刷单日结，加V：xyz99999",
}
PAGE = f"/c/{C}/moderation"
APPEAL = "我在分享兼职信息"


def enforce_adverts(store: Store) -> dict[str, str]:
    """Switch the demo's rules on and let a plain member of each group post adverts (two in
    the scoped group: a reminder, then a warning). Returns each group's spammer."""
    with store.read() as conn:
        bp = get_blueprint(conn, C)
    load_into_store(
        store, bp.model_copy(update={"rules": bp.rules.model_copy(update={"enabled": True})})
    )
    now = datetime.now(UTC) - timedelta(minutes=5)
    spammers, posts = {}, []
    for group, text in ADS.items():
        with store.read() as conn:
            plain = [
                m for m in list_members(conn, community=C, group=group, limit=50) if not m.roles
            ]
        spammers[group] = key = plain[-1].identities[0].key
        for n in range(2 if group == SCOPED_GROUP else 1):
            at = now + timedelta(seconds=n)
            data = {"text": text, "length": len(text)}
            posts.append(
                Event("message.posted", at, C, "web-mod", f"{group}-{n}", group, key, data=data)
            )
    record(store, posts)
    return spammers


@pytest.fixture(scope="module")
def spammers(site: Site) -> dict[str, str]:  # noqa: F811
    """The adverts enforced, and the member of the warning appealing it (as with /appeal)."""
    found = enforce_adverts(site.store)
    warning = next(s for s in list_steps(site.store, C) if s.step == "warning")
    file_appeal(site.store, C, str(warning.id), member=None, text=APPEAL, source="bot:test")
    return found


def step_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="step-(\d+)">', page)]


def test_the_moderation_page_lists_steps_appeals_and_counts(
    site: Site,  # noqa: F811
    spammers: dict[str, str],
) -> None:
    steps = list_steps(site.store, C)
    assert sorted((s.group, s.step) for s in steps) == [
        (OTHER_GROUP, "reminder"), (SCOPED_GROUP, "reminder"), (SCOPED_GROUP, "warning"),
    ]  # fmt: skip
    warning = next(s for s in steps if s.step == "warning")
    assert warning.text == ADS[SCOPED_GROUP] and warning.score is not None
    assert {"signal": "wechat", "match": "加薇abc8888"} in [
        {k: e[k] for k in ("signal", "match")} for e in warning.evidence
    ]

    owner = site.client("owner").get(PAGE).text
    assert "群规管理" in owner and "广告" in owner  # the demo community speaks zh
    assert ADS[SCOPED_GROUP] in owner and ADS[OTHER_GROUP] in owner and "加薇abc8888" in owner
    counts = owner[owner.index('class="counts"') : owner.index('class="appeals"')]
    assert re.search(r"<td>广告</td><td>2</td><td>1</td><td>0</td><td>0</td><td>0</td>", counts)
    assert APPEAL in owner and 'class="inline act-granted"' in owner
    assert sorted(step_ids(owner)) == sorted(s.id for s in steps)

    manager = site.client("manager").get(PAGE).text  # covers the scoped group only
    assert ADS[SCOPED_GROUP] in manager and ADS[OTHER_GROUP] not in manager
    assert spammers[OTHER_GROUP] not in manager
    assert site.client("manager").get(f"{PAGE}?group={OTHER_GROUP}").status_code == 404
    analyst = site.client("analyst").get(PAGE)
    assert analyst.status_code == 200 and ADS[OTHER_GROUP] in analyst.text
    assert "moderation/do" not in analyst.text  # reads, no buttons


def test_undo_a_step_and_decide_an_appeal_from_the_page(
    site: Site,  # noqa: F811
    spammers: dict[str, str],
) -> None:
    steps = {(s.group, s.step): s.id for s in list_steps(site.store, C)}
    other = steps[(OTHER_GROUP, "reminder")]
    manager = site.client("manager")
    csrf = manager.csrf(PAGE)
    form = {"csrf": csrf, "what": "reverse", "step": other, "reason": "x"}
    refused = manager.post(f"{PAGE}/do", data=form)  # another group's step
    assert refused.status_code == 404 and "未找到" in refused.text  # the error page speaks zh
    analyst = site.client("analyst")
    form = {**form, "csrf": analyst.csrf(PAGE)}
    assert analyst.post(f"{PAGE}/do", data=form).status_code == 403

    owner = site.client("owner")
    mine = steps[(SCOPED_GROUP, "reminder")]
    form = {"csrf": owner.csrf(PAGE), "what": "reverse", "step": mine, "reason": "误判"}
    r = owner.post(f"{PAGE}/do", data=form)
    assert r.status_code == 200 and f"处理 {mine}: 撤销" in r.text
    again = owner.post(f"{PAGE}/do", data=form)  # the engine's refusal, in Chinese
    assert f"处理 '{mine}' 已经撤销过了" in html.unescape(again.text)
    assert "reversed already" not in again.text
    with site.store.read() as conn:
        (_, undo), *_ = reversed(events_by(conn, C, ("moderation.reversed",)))
    assert undo.source.startswith("operator:web:") and undo.data["reason"] == "误判"

    warning = steps[(SCOPED_GROUP, "warning")]
    form = {"csrf": owner.csrf(PAGE), "what": "granted", "step": warning, "reason": "是活动通知"}
    r = owner.post(f"{PAGE}/do", data=form)
    assert r.status_code == 200 and "申诉成立（已撤销）" in r.text
    assert {s.id: s.reversed for s in list_steps(site.store, C)}[warning] is True
    with site.store.read() as conn:
        (_, decided), *_ = reversed(events_by(conn, C, ("appeal.decided",)))
    assert decided.data["outcome"] == "granted" and decided.source.startswith("operator:web:")

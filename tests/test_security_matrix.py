"""Who may write which event kinds: role × kind × in/out of scope × each write route.

The attacker's probe (issue 13) made a group leader owner by posting ``role.changed``,
renamed the community with ``community.configured`` and merged another group's member with
``identity.merged`` — through ``POST /events`` and a JSONL upload to ``/imports``. Every kind
now has a writer class (``model/writers.py``) and every write route passes the same guard
(``engine/guard.py``). This module enumerates every kind for every role on both routes, so a
new kind without a writer class, or a route that skips the guard, fails here.

Tokens are those of ``tests/test_api.build_env``: owner and analyst of every group, manager and
group leader of ``main`` only; "out" is ``camp-21``, a real group they do not cover.
"""

from __future__ import annotations

import io
import json
from itertools import count
from typing import Any

import pytest

from shequn.engine.inbound import receive
from shequn.errors import Forbidden
from shequn.model.events import Event
from shequn.model.kinds import KINDS
from shequn.model.kindspec import KindSpec
from shequn.model.writers import ROLE_WRITES, WRITER_CLASS, WRITER_CLASSES
from shequn.store.queries import get_community
from tests.test_api import C, Env, module_env

ROLES = ("owner", "manager", "group_leader", "analyst")

# What each role may write, by writer class, spelled out (the table in model/writers.py must
# agree; a change there is a security decision and changes this table too).
# fmt: off
EXPECTED_CLASSES: dict[str, set[str]] = {
    "owner":        {"platform", "moderation", "money", "people", "config", "engine"},
    "manager":      {"platform", "moderation", "money"},
    "group_leader": {"platform", "moderation"},
    "analyst":      set(),
    "connector":    {"platform"},
    "payment":      {"money"},
}
# fmt: on

# The kinds the probe abused, with the class that keeps them from group leaders and managers.
ABUSED = {
    "identity.merged": "people",
    "community.configured": "config",
    "group.configured": "config",
    "role.changed": "people",
}

_refs = count(1)


def test_every_kind_has_a_writer_class() -> None:
    assert set(WRITER_CLASS) == set(KINDS), "give each new kind a row in model/writers.py"
    assert set(WRITER_CLASS.values()) <= set(WRITER_CLASSES)


def test_roles_write_what_the_table_says() -> None:
    assert {role: set(classes) for role, classes in ROLE_WRITES.items()} == EXPECTED_CLASSES
    for kind, cls in ABUSED.items():
        assert WRITER_CLASS[kind] == cls


def _value(field: Any) -> Any:
    if field.choices:
        return field.choices[0]
    sample = {str: "x", int: 1, float: 1.0, bool: True, list: [], dict: {}}
    return sample[field.types[0]]


def raw_event(spec: KindSpec, group: str | None, member: str) -> dict[str, Any]:
    """A valid event of ``spec.kind`` about ``member`` (an existing member of ``main``)."""
    n = next(_refs)
    return {
        "kind": spec.kind,
        "occurred_at": "2025-03-20T10:00:00+08:00",
        "group": group,
        "actor": member if spec.actor is not None else None,
        "subject": member if spec.subject is not None else None,
        "source_ref": f"matrix-{n}",
        "data": {f.name: _value(f) for f in spec.required_fields}
        | (
            {"timezone": "Asia/Shanghai", "name": "x"}
            if spec.kind == "community.configured"
            else {}
        )
        | ({"into": member, "identities": []} if spec.kind.startswith("identity.") else {})
        | ({"from": member} if spec.kind == "identity.unmerged" else {}),
    }


def expected(role: str, kind: str, scope: str) -> int | None:
    """The status a cell must answer; ``None``: anything but a refusal (the guard lets the
    event through; the engine may still find it makes no sense, e.g. merging into oneself)."""
    if WRITER_CLASS[kind] not in EXPECTED_CLASSES[role]:
        return 403
    if role in ("manager", "group_leader") and scope == "out":
        return 404
    return None


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def kenv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    env = module_env(request, tmp_path_factory)
    yield env
    env.close()


def _group(spec: KindSpec, scope: str) -> str | None:
    return "main" if scope == "in" else "camp-21"


CELLS = [(kind, scope) for kind in sorted(KINDS) for scope in ("in", "out")]


def _check(r: Any, want: int | None, what: str, kind: str, role: str) -> None:
    if want is None:
        assert r.status_code not in (401, 403, 404) and r.status_code < 500, (what, r.text)
        return
    assert r.status_code == want, (what, r.text)
    if want == 403 and role != "analyst":  # the refusal names the kind it refuses
        assert f"may not write {kind} events" in r.json()["detail"], r.text


@pytest.mark.parametrize(("kind", "scope"), CELLS)
def test_post_events(kenv: Env, kind: str, scope: str) -> None:
    member = kenv.people["main"][0]
    for role in ROLES:
        body = {"events": [raw_event(KINDS[kind], _group(KINDS[kind], scope), member)]}
        r = kenv.as_(role).post(f"communities/{C}/events", json=body)
        want = 403 if role == "analyst" else expected(role, kind, scope)
        _check(r, want, f"POST /events {role} {kind} {scope}", kind, role)


@pytest.mark.parametrize(("kind", "scope"), CELLS)
def test_jsonl_upload(kenv: Env, kind: str, scope: str) -> None:
    member = kenv.people["main"][0]
    for role in ROLES:
        event = raw_event(KINDS[kind], _group(KINDS[kind], scope), member)
        event |= {"community": C, "source": "upload"}
        line = json.dumps(event, ensure_ascii=False).encode() + b"\n"
        files = {"file": ("events.jsonl", io.BytesIO(line), "application/x-ndjson")}
        form = {"group": _group(KINDS[kind], scope) or "main"}
        r = kenv.as_(role).post(f"communities/{C}/imports", files=files, data=form)
        want = 403 if role == "analyst" else expected(role, kind, scope)
        if role in ("manager", "group_leader") and scope == "out":
            want = 404  # the upload names a group outside the token's: refused before reading
        _check(r, want, f"upload {role} {kind} {scope}", kind, role)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_connector_inbound(kenv: Env, kind: str) -> None:
    """A live bot's updates: platform facts only, whatever its source claims."""
    member = kenv.people["main"][0]
    raw = raw_event(KINDS[kind], "main", member) | {"community": C, "source": "telegram-bot:1"}
    event = Event.from_dict(raw)
    if WRITER_CLASS[kind] in EXPECTED_CLASSES["connector"]:
        receive(kenv.store, C, [event])
    else:
        with pytest.raises(Forbidden, match=kind):
            receive(kenv.store, C, [event])


def test_the_probe_cannot_take_over(kenv: Env) -> None:
    """The probe's exact moves, each refused, and nothing about the community changed."""
    leader = kenv.as_("group_leader")
    member = kenv.people["main"][0]
    with kenv.store.read() as conn:
        before = get_community(conn, C)
    for kind in ABUSED:
        body = {"events": [raw_event(KINDS[kind], "main", member) | {"kind": kind}]}
        r = leader.post(f"communities/{C}/events", json=body)
        assert r.status_code == 403 and kind in r.json()["detail"], r.text
    promote = raw_event(KINDS["role.changed"], "main", member)
    promote["data"]["role"] = "owner"
    assert (
        kenv.as_("manager").post(f"communities/{C}/events", json={"events": [promote]}).status_code
        == 403
    )
    with kenv.store.read() as conn:
        assert get_community(conn, C) == before

"""Events are validated on the way in, with errors that name the field at fault."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from shequn.errors import InvalidEvent
from shequn.model.events import Event
from shequn.model.kinds import KINDS

LINE = {
    "kind": "message.posted",
    "occurred_at": "2026-03-02T09:15:00+08:00",
    "community": "study-circle",
    "group": "main",
    "actor": "wechat:wxid_li",
    "source": "test",
    "source_ref": "m1",
    "data": {"length": 12, "is_question": True},
}


def test_canonical_shape_round_trips_and_times_become_utc():
    e = Event.from_dict(LINE)
    assert e.occurred_at == datetime(2026, 3, 2, 1, 15, tzinfo=UTC)
    assert Event.from_dict(e.to_dict()) == e


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "message.sent"}, "kind", "unknown event kind 'message.sent'"),
        ({"actor": None}, "actor", "message.posted needs an actor"),
        ({"occurred_at": "2026-03-02T09:15:00"}, "occurred_at", "has no time zone"),
        ({"occurred_at": "yesterday"}, "occurred_at", "not an ISO 8601 time"),
        ({"actor": "li"}, "actor", "not an identity key"),
        ({"group": None}, "group", "needs a group"),
        ({"source_ref": ""}, "source_ref", "source_ref is missing"),
        ({"data": {"length": "twelve"}}, "data.length", "must be int"),
        ({"data": {"has_link": 1}}, "data.has_link", "must be bool"),
        ({"colour": "red"}, "colour", "unknown field(s) colour"),
    ],
)
def test_bad_events_are_rejected_with_the_field(change, field, message):
    with pytest.raises(InvalidEvent, match=re.escape(message)) as info:
        Event.from_dict({**LINE, **change})
    assert info.value.fields["field"] == field


def test_required_data_and_choices():
    base = {**LINE, "kind": "role.changed", "subject": "wechat:wxid_han", "data": {}}
    with pytest.raises(InvalidEvent, match=r"needs data\.role"):
        Event.from_dict(base)
    with pytest.raises(InvalidEvent, match="not one of owner, manager"):
        Event.from_dict({**base, "data": {"role": "king"}})


def test_numeric_source_refs_become_text_and_phones_are_hashed():
    e = Event.from_dict(
        {
            **LINE,
            "kind": "identity.verified",
            "source_ref": 42,
            "data": {"phone": "+86 138-0000-1234"},
        }
    )
    assert e.source_ref == "42"
    assert "phone" not in e.data
    assert (
        e.data["phone_sha256"]
        == Event.from_dict(
            {**LINE, "kind": "identity.verified", "data": {"phone": "8613800001234"}}
        ).data["phone_sha256"]
    )


def test_every_kind_documents_its_parties_and_fields():
    for spec in KINDS.values():
        assert spec.doc, spec.kind
        assert spec.actor or not spec.actor_required, spec.kind
        assert all(f.doc for f in spec.fields), spec.kind

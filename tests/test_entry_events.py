"""The door's events are checked once per knock (``Event.sibling``), yet each is exactly the
event the full constructor builds from the same fields, whatever the outcome."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from shequn.engine.entry_rules import DoorView, Knock, decide_entry
from shequn.errors import InvalidEvent
from shequn.model.entities import EntryState, Link
from shequn.model.events import Event
from shequn.store.seat_queries import Seats
from tests.growth_helpers import COMMUNITY, T0, blueprint, group, wx

BP = blueprint(
    group("open"),
    group("gated", gates=["task", "payment"], task="shared_poster", fee=9.9),
    group("judged", gates=["application"], judges=3, approvals=2),
    group("full", capacity=1),
)
ROOM = {
    "open": Seats("open", 500, 0),
    "gated": Seats("gated", 500, 0),
    "judged": Seats("judged", 500, 0),
    "full": Seats("full", 1, 1),
}
REFERRAL = Link("REF", COMMUNITY, "referral", ("open",), owner=wx("inviter"), campaign="c1")
LIVE_FULL = Link("LIVE", COMMUNITY, "live_code", ("full",))
EXPIRED = Link("OLD", COMMUNITY, "live_code", ("open",), expires_at=T0 - timedelta(days=1))


def _knock(**kw):
    return Knock(identity=wx("new"), at=T0, ref="k1", **kw)


@pytest.mark.parametrize(
    ("knock", "outcome"),
    [
        (_knock(link=REFERRAL, answers={"why": "books"}), "admitted"),
        (_knock(group="gated"), "pending"),
        (_knock(group="judged", answers={"why": "books"}), "pending"),
        (_knock(link=LIVE_FULL), "waitlisted"),
        (_knock(link=EXPIRED), "rejected"),
        (replace(_knock(group="gated"), fresh=False), "pending"),
    ],
)
def test_each_event_of_a_decision_is_what_the_constructor_builds(knock, outcome):
    d = decide_entry(knock, DoorView(BP, ROOM))
    assert [e.data["outcome"] for e in d.events if e.kind == "entry.decided"] == [outcome]
    assert len(d.events) >= 1
    for e in d.events:
        assert Event.from_dict(e.to_dict()) == e
        assert e.occurred_at == T0 and e.community == COMMUNITY and e.source == "engine"
    if knock.link is REFERRAL:
        assert [e.kind for e in d.events] == ["entry.requested", "member.invited", "entry.decided"]


def test_a_knock_with_a_bad_identity_is_refused_as_before():
    with pytest.raises(InvalidEvent, match="not an identity key") as info:
        decide_entry(replace(_knock(group="open"), identity="li"), DoorView(BP, ROOM))
    assert info.value.fields["field"] == "actor"
    pending = EntryState(COMMUNITY, "gated", "li", "pending", gates=("task:x",))
    with pytest.raises(InvalidEvent, match="not an identity key") as info:
        decide_entry(
            replace(_knock(group="gated"), identity="li", fresh=False),
            DoorView(BP, ROOM, entries={"gated": pending}),
        )
    assert info.value.fields["field"] == "subject"


def test_a_sibling_checks_what_differs_and_falls_back_to_the_full_check():
    first = Event("entry.requested", T0, COMMUNITY, "engine", "k1:1req", actor=wx("new"))
    ok = first.sibling("entry.decided", "k1:3dec", "open", subject=wx("new"),
                       data={"outcome": "admitted", "reason": "open group"})  # fmt: skip
    assert ok == Event.from_dict(ok.to_dict())
    bad = [
        ({"kind": "entry.nope", "source_ref": "r"}, "kind", "unknown event kind"),
        ({"kind": "entry.decided", "source_ref": "r" * 300}, "source_ref", "longer than"),
        ({"kind": "entry.decided", "source_ref": "r", "group": "a b"}, "group", "not a slug"),
        ({"kind": "entry.decided", "source_ref": "r", "subject": "li"}, "subject", "identity"),
        ({"kind": "entry.decided", "source_ref": "r"}, "subject", "needs a subject"),
    ]
    for kw, field, words in bad:
        with pytest.raises(InvalidEvent, match=re.escape(words)) as info:
            first.sibling(**kw)
        assert info.value.fields["field"] == field

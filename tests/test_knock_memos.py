"""What a knock no longer works out anew each time (issue 22, Session 39): the blueprint's
text compared with the last ones instead of hashed, a link's targets once per blueprint, the
driver's connection without SQLAlchemy's properties."""

from __future__ import annotations

from shequn.engine.entry_rules import entry_config
from shequn.engine.entry_targets import target
from shequn.model.blueprint import Blueprint
from shequn.store import raw
from shequn.store.db import Store
from shequn.store.growth_queries import parsed_blueprint
from tests.growth_helpers import blueprint, group


class _Text(str):
    """A blueprint text that counts how often it is hashed (a dict key is hashed)."""

    hashed = 0

    def __hash__(self) -> int:
        type(self).hashed += 1
        return super().__hash__()


def _stored(bp: Blueprint) -> str:
    return bp.model_dump_json()


def test_a_blueprint_text_seen_last_is_compared_not_hashed_again():
    text = _stored(blueprint(group("main"), group("more")))
    first = parsed_blueprint(text)
    _Text.hashed = 0
    again = parsed_blueprint(_Text(text))  # a new str of the same text, as SQLite gives it
    assert again is first
    assert _Text.hashed == 0  # hashing ~15 kB twice a join was ~2% of its instructions


def test_a_changed_blueprint_text_is_parsed_anew():
    old = parsed_blueprint(_stored(blueprint(group("main", capacity=10))))
    new = parsed_blueprint(_stored(blueprint(group("main", capacity=11))))
    assert (old.group("main").capacity, new.group("main").capacity) == (10, 11)
    same_length = _stored(blueprint(group("main", capacity=12)))  # differs in one digit
    assert parsed_blueprint(same_length).group("main").capacity == 12


def test_a_knocks_targets_are_its_groups_then_their_camps_once_per_blueprint():
    bp = blueprint(
        group("camp"),
        group("main", gates=["camp"], camp="camp"),
        group("open"),
        group("brought", gates=["task"], task="invited:2"),
    )
    found = target(bp, ("main", "open"), None)
    assert found.groups == ("main", "open", "camp")
    assert found.gated and not found.counts_invites
    assert target(bp, ("main", "open"), None) is found  # remembered
    plain = target(bp, ("open",), None)
    assert (plain.groups, plain.gated, plain.counts_invites) == (("open",), False, False)
    applied = target(bp, (), "brought")
    assert applied.groups == ("brought",) and applied.counts_invites and applied.gated
    # the same answers entry_config gives group by group
    for t in (found, plain, applied):
        assert t.gated == any(entry_config(bp, g).gates for g in t.groups)
    other = blueprint(group("main"), group("open"))  # another blueprint: its own answers
    assert not target(other, ("main", "open"), None).gated


def test_the_driver_connection_is_sqlalchemys(store: Store) -> None:
    with store.transaction() as conn:  # both stores (the fixture's parameters)
        assert raw.driver(conn) is conn.connection.driver_connection
        assert raw.rows(conn, "SELECT 1") == [(1,)]

"""``shequn import`` holds the garbage collector back while it works, and puts it back after."""

from __future__ import annotations

import gc
import weakref

from shequn.cli.bulk_gc import THRESHOLDS, bulk_gc, freeze_startup


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_inside_an_import_collections_are_rare_and_what_existed_is_out_of_sight() -> None:
    before = gc.get_threshold()
    with bulk_gc():
        assert gc.get_threshold() == THRESHOLDS
        assert gc.get_freeze_count() > 0  # the modules loaded so far are not walked again
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_cycle_made_during_an_import_is_still_collected() -> None:
    with bulk_gc():
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None


def test_a_started_server_keeps_what_it_loaded_out_of_later_collections() -> None:
    try:
        freeze_startup()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() != THRESHOLDS  # the default thresholds stay
        a, b = _Node(), _Node()  # a cycle made after start-up is still collected
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()

"""``up`` settles its start-up heap: kept objects leave the collector's walk, garbage goes."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from vecozo_sim._cmd_up import settle_heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test run collects as usual


@pytest.mark.usefixtures("unfrozen")
def test_living_objects_are_frozen_and_garbage_is_collected_first() -> None:
    kept = _Node()
    cycle_a, cycle_b = _Node(), _Node()
    cycle_a.other, cycle_b.other = cycle_b, cycle_a
    gone = weakref.ref(cycle_a)
    del cycle_a, cycle_b

    settle_heap()

    assert gone() is None  # the unreachable cycle was collected, not frozen
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects())  # out of every generation's walk


@pytest.mark.usefixtures("unfrozen")
def test_what_is_made_afterwards_is_collected_as_before() -> None:
    settle_heap()
    later_a, later_b = _Node(), _Node()
    later_a.other, later_b.other = later_b, later_a
    gone = weakref.ref(later_a)
    del later_a, later_b
    gc.collect()
    assert gone() is None

"""The simulated clock's stamp: the text ``iso(now())`` gives, without building a datetime."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gateway import SimulatedClock
from gateway._state import iso

_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00")


def _parsed(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _between(clock: SimulatedClock) -> tuple[dt.datetime, str, dt.datetime]:
    before = clock.now()
    stamp = clock.stamp()
    return before, stamp, clock.now()


def _assert_within(clock: SimulatedClock) -> None:
    before, stamp, after = _between(clock)
    assert _SHAPE.fullmatch(stamp), stamp
    # Milliseconds are cut, as isoformat cuts them: the stamp lies in [before - 1 ms, after].
    assert before - dt.timedelta(milliseconds=1) <= _parsed(stamp) <= after


def test_the_stamp_is_the_simulated_now_to_the_millisecond() -> None:
    clock = SimulatedClock(start=dt.date(2026, 6, 1))
    for _ in range(2_000):  # crosses millisecond (and now and then second) boundaries
        _assert_within(clock)
    assert clock.stamp().startswith("2026-06-01T")


def test_the_stamp_follows_the_clock_when_it_is_moved_and_reset() -> None:
    clock = SimulatedClock(start=dt.date(2026, 6, 1))
    clock.stamp()  # keeps today's second
    clock.set_now(dt.datetime(2030, 12, 31, 23, 59, 59, 999_000, tzinfo=dt.UTC))
    assert clock.stamp().startswith(("2030-12-31T23:59:59.9", "2031-01-01T00:00:00."))
    _assert_within(clock)
    clock.set_today(dt.date(2027, 2, 3))
    assert clock.stamp().startswith("2027-02-03T")
    clock.reset()
    assert clock.stamp().startswith("2026-06-01T")
    _assert_within(clock)


def test_another_timezone_is_written_in_utc() -> None:
    clock = SimulatedClock()
    clock.set_now(dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    assert clock.stamp().startswith("2026-03-29T00:30:00.")


@pytest.mark.parametrize("micro", [0, 999, 1_000, 123_456, 999_999])
def test_a_given_source_gives_exactly_the_iso_text(micro: int) -> None:
    moment = dt.datetime(2026, 6, 1, 12, 0, 5, micro, tzinfo=dt.UTC)
    clock = SimulatedClock(lambda: moment)
    assert clock.stamp() == iso(clock.now()) == moment.isoformat(timespec="milliseconds")

"""The gateway's journal writer: batches entries, and keeps no timer while nothing happens."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import cast

import pytest

from gateway import _runtime
from gateway._journal import JournalEntry
from gateway._runtime import Journal
from gateway._store import Store


class _Store:
    def __init__(self) -> None:
        self.batches: list[list[JournalEntry]] = []

    async def write_journal(self, entries: Sequence[JournalEntry]) -> None:
        self.batches.append(list(entries))


def _entry(route: str) -> JournalEntry:
    return JournalEntry(
        at="2026-06-01T10:00:00Z",
        account=None,
        organisation=None,
        method="GET",
        route=route,
        status=200,
        outcome="ok",
    )


async def _written(store: _Store, batches: int) -> None:
    for _ in range(500):  # bounded: at most 5 s
        if len(store.batches) >= batches:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{batches} batch(es) expected, {len(store.batches)} written")


async def test_an_idle_journal_keeps_no_timer_and_still_writes_each_new_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticks = 0
    real = _runtime.wait_for_wake

    async def counting(event: asyncio.Event, seconds: float) -> None:
        nonlocal ticks
        ticks += 1
        await real(event, seconds)

    monkeypatch.setattr(_runtime, "wait_for_wake", counting)
    store = _Store()
    journal = Journal(cast(Store, store), interval=0.01)
    journal.start()
    try:
        await asyncio.sleep(0.2)  # twenty intervals with nothing to write
        assert ticks == 0

        journal.record(_entry("/a"))
        await _written(store, 1)
        journal.record(_entry("/b"))
        journal.record(_entry("/c"))
        await _written(store, 2)
    finally:
        await journal.stop()

    assert [[e.route for e in batch] for batch in store.batches] == [["/a"], ["/b", "/c"]]
    assert ticks == 2  # one wait per batch, none while idle

"""The in-flight count a reset waits on: woken by the last request, bounded by its limit."""

from __future__ import annotations

import asyncio

from gateway._middleware import InFlight


async def test_idle_returns_at_once_with_nothing_in_flight() -> None:
    async with asyncio.timeout(1):
        await InFlight().idle(60)


async def test_every_waiter_wakes_when_the_last_request_ends() -> None:
    in_flight = InFlight()
    in_flight.__enter__()
    in_flight.__enter__()
    waiters = [asyncio.create_task(in_flight.idle(60)) for _ in range(2)]
    await asyncio.sleep(0.01)
    in_flight.__exit__(None, None, None)
    await asyncio.sleep(0.01)
    assert not any(w.done() for w in waiters)  # one request is still in flight
    in_flight.__exit__(None, None, None)
    async with asyncio.timeout(1):
        await asyncio.gather(*waiters)
    assert in_flight.count == 0


async def test_a_stuck_request_delays_the_waiter_only_up_to_the_limit() -> None:
    in_flight = InFlight()
    with in_flight:
        async with asyncio.timeout(2):
            await in_flight.idle(0.05)
        assert in_flight.count == 1
    # A later wait still works: the stale wait left nothing behind that blocks it.
    with in_flight:
        waiter = asyncio.create_task(in_flight.idle(60))
        await asyncio.sleep(0.01)
    async with asyncio.timeout(1):
        await waiter
